"""zkmed — zero-knowledge privacy toolkit for medical records and verifiable elections.

Layers (data flows one way; no lower layer imports a higher one)::

    errors, encoding  →  groups  →  transcript  →  sigma, commitments, rangeproof
                      →  ledger  →  (election, records)  →  verify  →  cli

Easy-to-misuse building blocks are re-exported by :mod:`zkmed.hazmat`; the
recipes (:mod:`zkmed.proofs.sigma`, :mod:`zkmed.proofs`,
:mod:`zkmed.ledger`) validate everything they are given.
"""

__version__ = "0.1.0"

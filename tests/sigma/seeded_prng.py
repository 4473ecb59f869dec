"""The seeded PRNG of the sigma-protocols test vectors — TESTS ONLY.

draft-irtf-cfrg-sigma-protocols, appendix "Test Vectors", §"Seeded PRNG": a
duplex sponge (draft-irtf-cfrg-fiat-shamir, SHAKE128) initialised with
``DeriveSessionID(prng_tag)``, where ``prng_tag`` is

* ``TestDRNG-SIGMA-PROOFS-{Ciphersuite}-{Relation}`` for the instance and witness scalars,
* ``TestDRNG-SIGMA-PROOFS-DSFS-{Ciphersuite}-{Relation}`` for the batchable prover's nonces,
* ``TestDRNG-SIGMA-PROOFS-CMPT-{Ciphersuite}-{Relation}`` for the compact prover's nonces.

The draft does not spell out how a scalar is read from the sponge; each one is
``DecodeField(Squeeze(Ns + 16), p, 1)`` (the challenge decoding of
§"Challenge derivation"), which reproduces every P-256 vector.  The draft
forbids using this generator outside tests.
"""

from __future__ import annotations

from zkmed.hazmat.transcript import DuplexSponge, challenge_length, decode_uint, derive_session_id

PURPOSES = {"instance": "", "batchable": "DSFS-", "compact": "CMPT-"}


class SeededPRNG:
    """A deterministic scalar source usable as the ``rng`` of zkmed's sigma provers."""

    def __init__(self, tag: bytes, order: int) -> None:
        self._sponge = DuplexSponge(derive_session_id(tag))
        self._order = order

    @classmethod
    def for_vector(cls, purpose: str, ciphersuite: str, relation: str, order: int) -> SeededPRNG:
        """``purpose`` is ``instance``, ``batchable`` or ``compact``."""
        tag = f"TestDRNG-SIGMA-PROOFS-{PURPOSES[purpose]}{ciphersuite}-{relation}"
        return cls(tag.encode("ascii"), order)

    def __call__(self) -> int:
        return decode_uint(self._sponge.squeeze(challenge_length(self._order)), self._order)

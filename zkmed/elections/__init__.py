"""Elections: key ceremony, credential-signed encrypted ballots, homomorphic tally, threshold decryption, verifier.

The public entry points (each takes an open :class:`~zkmed.ledger.Ledger`, the election's bulletin board):

==============================  ==============================================================
``create_election``             ceremony in one process, parameters, joint key, base hash and
                                credentials posted; secrets written under KEYS (0600)
``cast_vote``                   encrypt, prove, sign and post a ballot (``challenge=True``: a
                                Benaloh challenge — the ballot is spoiled and audited)
``check_ballot_submission``     the serve hook: would this ballot payload be valid if appended?
``SubmissionIndex``             what it checks against, kept up to date incrementally (pass
                                ``index=`` to check many submissions); ``ballot_key``: the
                                ballot id, unique among ballots appended together
``post_tally``                  the homomorphic tally of the counted ballots (closes voting)
``trustee_decrypt``             one trustee's partial decryption of the tally
``publish_result`` / ``result`` combine the partial decryptions; the result as JSON
``verify_election``             the numbered verification steps, a structured report
==============================  ==============================================================
"""

from zkmed.elections.ballot import encrypt_ballot, parse_ballot
from zkmed.elections.board import collect_board
from zkmed.elections.confirmation import confirmation_code, parse_confirmation_code
from zkmed.elections.credentials import VoterCredential
from zkmed.elections.elgamal import Ciphertext, encrypt
from zkmed.elections.manifest import Manifest, parse_manifest
from zkmed.elections.submission import SubmissionIndex, ballot_key
from zkmed.elections.verifier import STEPS, ElectionReport, verify_election
from zkmed.elections.workflow import (
    VoteOutcome,
    cast_vote,
    check_ballot_submission,
    create_election,
    post_tally,
    publish_result,
    result,
    trustee_decrypt,
)

__all__ = [
    "STEPS", "Ciphertext", "ElectionReport", "Manifest", "SubmissionIndex", "VoteOutcome", "VoterCredential",
    "ballot_key", "cast_vote", "check_ballot_submission", "collect_board", "confirmation_code", "create_election",
    "encrypt", "encrypt_ballot", "parse_ballot", "parse_confirmation_code", "parse_manifest", "post_tally",
    "publish_result", "result", "trustee_decrypt", "verify_election",
]  # fmt: skip

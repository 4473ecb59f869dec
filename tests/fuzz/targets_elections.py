"""Fuzz targets of ``zkmed.elections``' decoders (collected by ``fuzz_targets.all_targets``)."""

from __future__ import annotations

import functools
from typing import Any

from fuzz_support import Target, qualname


def _ceremony_targets() -> list[Target]:
    """E1: the key ceremony messages, key files, joint key, partial decryptions."""
    from zkmed.elections import ceremony_messages as cm
    from zkmed.elections.ceremony import run_ceremony
    from zkmed.elections.ceremony_keys import JointKey, TrusteeShare
    from zkmed.elections.decryption import PartialDecryption, partial_decrypt
    from zkmed.elections.elgamal import encrypt
    from zkmed.hazmat.groups import get_group

    g = get_group("P256")

    @functools.cache
    def run() -> tuple[list[Any], list[Any], Any, Any]:
        messages, shares, joint = run_ceremony(cm.CeremonyParams("P256", 3, 2, b"fuzz"))
        cts = [encrypt(g, joint.public_key, m, g.random_scalar()) for m in (0, 1)]
        return messages, shares, joint, partial_decrypt(g, shares[0], cts, context=b"fuzz")

    def seeds_of(kind: type) -> Any:
        return lambda: [m.to_payload() for m in run()[0] if type(m) is kind]

    out = [
        Target(
            f"elections.{cls.__name__}.from_payload",
            lambda d, cls=cls: cls.from_payload(g, d),
            (qualname(cls, "from_payload"),),
            seeds=seeds_of(cls),
            max_size=1024,
        )
        for cls in (cm.Round1Message, cm.Round2Message, cm.Round3Message)
    ]
    out += [
        Target(
            "elections.AnswerMessage.from_payload",
            lambda d: cm.AnswerMessage.from_payload(g, d),
            (qualname(cm.AnswerMessage, "from_payload"),),
            seeds=lambda: [cm.AnswerMessage(g, 2, ((1, 5), (3, 7)), run()[0][-1].signature).to_payload()],
        ),
        Target(
            "elections.message_from_payload",
            lambda d: cm.message_from_payload(g, d),
            (qualname(cm.message_from_payload),),
            seeds=lambda: [m.to_payload() for m in run()[0]],
            max_size=1024,
        ),
        Target(
            "elections.ceremony.decode_element",
            lambda d: cm.decode_element(g, d.decode("latin-1"), "x"),
            (qualname(cm.decode_element),),
            seeds=lambda: [cm.encode_element(g, run()[2].public_key).encode()],
        ),
        Target(
            "elections.ceremony.decode_proof",
            lambda d: cm.decode_proof(g, d.decode("latin-1"), "x"),
            (qualname(cm.decode_proof),),
            seeds=lambda: [cm.encode_proof(run()[0][0].proofs[0]).encode()],
        ),
        Target(
            "elections.JointKey.from_json",
            JointKey.from_json,
            (qualname(JointKey, "from_json"),),
            seeds=lambda: [run()[2].to_payload()],
            max_size=1024,
        ),
        Target(
            "elections.TrusteeShare.from_bytes",
            TrusteeShare.from_bytes,
            (qualname(TrusteeShare, "from_bytes"),),
            seeds=lambda: [run()[1][0].to_bytes()],
        ),
        Target(
            "elections.PartialDecryption.from_payload",
            lambda d: PartialDecryption.from_payload(g, d),
            (qualname(PartialDecryption, "from_payload"),),
            seeds=lambda: [run()[3].to_payload()],
        ),
    ]
    return out


def _ballot_targets() -> list[Target]:
    """E2: manifest, credentials, ballots, tally, board (E2 fills this in)."""
    return []


def targets() -> list[Target]:
    return [*_ceremony_targets(), *_ballot_targets()]

"""Fuzz targets of ``zkmed.elections``' decoders (collected by ``fuzz_targets.all_targets``)."""

from __future__ import annotations

import functools
from typing import Any

from fuzz_support import Target, qualname


def _ceremony_targets() -> list[Target]:
    """E1: the key ceremony messages, key files, joint key, partial decryptions."""
    from zkmed.elections import ceremony
    from zkmed.elections import ceremony_messages as cm
    from zkmed.elections import ceremony_trustee as ct
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
        Target(
            "elections.ceremony_trustee.state_from_bytes",
            ct.state_from_bytes,
            (qualname(ct.state_from_bytes),),
            seeds=lambda: [ct.state_to_bytes(ceremony.round1(cm.CeremonyParams("P256", 2, 2, b"s"), 1)[0])],
            max_size=1024,
        ),
    ]
    return out


def _ballot_targets() -> list[Target]:
    """E2: manifest, ballots, spoils, proofs, credentials, board payloads, confirmation codes."""
    from zkmed.elections import ballot as bl
    from zkmed.elections.ballot_proofs import ElectionKey, RangeProof
    from zkmed.elections.board import Parameters, base_payload, parse_base
    from zkmed.elections.confirmation import confirmation_code, parse_confirmation_code
    from zkmed.elections.context import ElectionContext
    from zkmed.elections.credentials import CredentialList, VoterCredential
    from zkmed.elections.elgamal import Ciphertext
    from zkmed.elections.manifest import parse_manifest
    from zkmed.elections.tally import Result, Tally, compute_tally
    from zkmed.hazmat.groups import get_group

    g = get_group("P256")
    manifest = parse_manifest(
        b'{"election_id":"f","contests":[{"id":"c","selection_limit":1,"options":["a","b"]},'
        b'{"id":"d","selection_limit":2,"options":["x","y","z"],"option_limit":2}]}'
    )

    @functools.cache
    def made() -> tuple[Any, Any, Any, Any]:
        ctx = ElectionContext(g, manifest, ElectionKey.of(g, g.mul_gen(7)), b"\x01" * 32, 3, 2)
        cred = VoterCredential.generate("f")
        ballot = bl.encrypt_ballot(ctx, cred, {"c": {"a": 1}, "d": {"y": 2}})
        return ctx, cred, ballot, bl.make_spoil(ctx, cred, ballot)

    def ctx() -> Any:
        return made()[0]

    def ballot_ciphertexts() -> list[Any]:
        parsed = bl.parse_ballot(ctx(), made()[2].payload)
        return [c.ciphertexts for c in parsed.contests]

    return [
        Target("elections.parse_manifest", parse_manifest, (qualname(parse_manifest),),
               seeds=lambda: [manifest.to_bytes()]),
        Target("elections.parse_ballot", lambda d: bl.parse_ballot(ctx(), d), (qualname(bl.parse_ballot),),
               seeds=lambda: [made()[2].payload], max_size=4096),
        Target("elections.parse_spoil", lambda d: bl.parse_spoil(ctx(), d), (qualname(bl.parse_spoil),),
               seeds=lambda: [made()[3]], max_size=2048),
        Target("elections.RangeProof.decode", lambda d: RangeProof.decode(g, d, 2),
               (qualname(RangeProof, "decode"),),
               seeds=lambda: [bl.parse_ballot(ctx(), made()[2].payload).contests[0].proofs[0]]),
        Target("elections.Ciphertext.decode", lambda d: Ciphertext.decode(g, d), (qualname(Ciphertext, "decode"),),
               seeds=lambda: [ballot_ciphertexts()[0][0].encode(g)]),
        Target("elections.VoterCredential.from_json", VoterCredential.from_json,
               (qualname(VoterCredential, "from_json"),), seeds=lambda: [made()[1].to_json()]),
        Target("elections.CredentialList.from_payload", CredentialList.from_payload,
               (qualname(CredentialList, "from_payload"),),
               seeds=lambda: [CredentialList("f", (made()[1].public_key,)).to_payloads()[0]]),
        Target("elections.Parameters.from_payload", Parameters.from_payload, (qualname(Parameters, "from_payload"),),
               seeds=lambda: [Parameters("P256", 3, 2, manifest).to_payload()], max_size=1024),
        Target("elections.parse_base", parse_base, (qualname(parse_base),),
               seeds=lambda: [base_payload("f", bytes(32))]),
        Target("elections.Tally.from_payload", lambda d: Tally.from_payload(ctx(), d),
               (qualname(Tally, "from_payload"),),
               seeds=lambda: [compute_tally(ctx(), [("00" * 16, ballot_ciphertexts())]).to_payload(ctx())],
               max_size=2048),
        Target("elections.Result.from_payload", lambda d: Result.from_payload(manifest, d),
               (qualname(Result, "from_payload"),),
               seeds=lambda: [Result.from_counts(manifest, [1, 0, 0, 2, 0], [1, 2], {}).to_payload()]),
        Target("elections.parse_confirmation_code", parse_confirmation_code, (qualname(parse_confirmation_code),),
               text=True, seeds=lambda: [confirmation_code(b"x")]),
    ]  # fmt: skip


def targets() -> list[Target]:
    return [*_ceremony_targets(), *_ballot_targets()]

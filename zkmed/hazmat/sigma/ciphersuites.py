"""Ciphersuites and the byte-level entry points of the sigma NIZKs (draft-irtf-cfrg-sigma-protocols §"Ciphersuites").

A ciphersuite fixes the group (with its element and scalar codecs) and the
duplex sponge.  Every suite here uses the SHAKE128 duplex sponge of
draft-irtf-cfrg-fiat-shamir (:mod:`zkmed.hazmat.transcript`) and derives challenges
with ``DecodeField(Squeeze(Ns + 16), p, 1)``.

==============================  ==========  ====  ====  ===========================
identifier                      group       Ne    Ns    status
==============================  ==========  ====  ====  ===========================
``sigma-proofs_Shake128_P256``  P256        33    32    the draft's suite (vectors)
``zkmed_Shake128_secp256k1``    secp256k1   33    32    zkmed's own: SEC1 compressed
                                                        elements, big-endian scalars
``zkmed_Shake128_EG4096``       EG4096      512   32    zkmed's own: ElectionGuard 2.x
                                                        group, big-endian elements
==============================  ==========  ====  ====  ===========================

A backend variant of a group (``secp256k1-pyecc``) uses its group's suite;
:func:`zkmed.hazmat.sigma.compose.ciphersuite_id` refuses a group without one.

The identifier must appear verbatim in the proof tag (§"Tag and session identifier"),
and so must the flavor marker (``DSFS`` batchable, ``CMPT`` compact); :func:`verify_nizk`
and :func:`prove_nizk` enforce both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkmed.errors import MalformedInput
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.groups.base import Group
from zkmed.hazmat.sigma.nizk import Rng, _as_bytes, prove_batchable, prove_compact, verify_batchable, verify_compact
from zkmed.hazmat.sigma.relation import LinearRelation

FLAVORS = ("batchable", "compact")
#: flavor markers that the tag must contain verbatim (§"Tag and session identifier")
FLAVOR_MARKERS = {"batchable": b"DSFS", "compact": b"CMPT"}


@dataclass(frozen=True)
class Ciphersuite:
    """A named (group, duplex sponge) pair; ``group`` loads the backend on first use."""

    name: str
    group_name: str
    sponge: str = "SHAKE128"

    @property
    def group(self) -> Group:
        return get_group(self.group_name)


CIPHERSUITES: dict[str, Ciphersuite] = {
    suite.name: suite
    for suite in (
        Ciphersuite("sigma-proofs_Shake128_P256", "P256"),
        Ciphersuite("zkmed_Shake128_secp256k1", "secp256k1"),
        Ciphersuite("zkmed_Shake128_EG4096", "EG4096"),
    )
}

DEFAULT_CIPHERSUITE = "sigma-proofs_Shake128_P256"


def get_ciphersuite(name: str) -> Ciphersuite:
    """The ciphersuite called ``name``; unknown names raise MalformedInput."""
    suite = CIPHERSUITES.get(name) if isinstance(name, str) else None
    if suite is None:
        raise MalformedInput(f"unknown sigma ciphersuite {name!r}; known: {', '.join(CIPHERSUITES)}")
    return suite


# ---------------------------------------------------------------------------
# byte-level entry points


def _check_tag(suite_name: str, flavor: Any, tag: Any) -> bytes:
    """The tag must carry the flavor marker and the ciphersuite id verbatim (§"Tag and session identifier")."""
    if not isinstance(flavor, str) or flavor not in FLAVOR_MARKERS:
        raise MalformedInput(f"unknown sigma proof flavor {flavor!r}; known: {', '.join(FLAVORS)}")
    tag = _as_bytes(tag, "sigma proof tag")
    other = FLAVOR_MARKERS["compact" if flavor == "batchable" else "batchable"]
    if FLAVOR_MARKERS[flavor] not in tag or other in tag or suite_name.encode() not in tag:
        raise MalformedInput(
            f"sigma proof tag must contain {FLAVOR_MARKERS[flavor].decode()!r} (and not {other.decode()!r}) "
            f"and the ciphersuite {suite_name!r}"
        )
    return tag


def _load_instance(suite_name: str, instance: Any) -> LinearRelation:
    """Deserialize and validate an instance (every check of §"Instance validation")."""
    return LinearRelation.deserialize(get_ciphersuite(suite_name).group, _as_bytes(instance, "sigma instance"))


def verify_nizk(ciphersuite: str, flavor: str, tag: bytes, instance: bytes, proof: bytes) -> None:
    """Verify a NARG string over a serialized instance; return None or raise a ZkmedError.

    ``flavor`` is ``"batchable"`` or ``"compact"``.  Bad parameters (unknown
    ciphersuite or flavor, a tag without the flavor marker and ciphersuite id,
    an instance that does not deserialize or validate) raise MalformedInput;
    a proof that does not decode or verify raises VerificationError.
    """
    suite = get_ciphersuite(ciphersuite)
    tag = _check_tag(suite.name, flavor, tag)
    relation = _load_instance(suite.name, instance)
    proof = _as_bytes(proof, "sigma proof")
    (verify_batchable if flavor == "batchable" else verify_compact)(tag, relation, proof)


def prove_nizk(
    ciphersuite: str,
    flavor: str,
    tag: bytes,
    instance: bytes | LinearRelation,
    witness: Sequence[int],
    rng: Rng | None = None,
) -> bytes:
    """Prove knowledge of ``witness`` for ``instance`` (bytes or a LinearRelation); return the NARG string."""
    suite = get_ciphersuite(ciphersuite)
    tag = _check_tag(suite.name, flavor, tag)
    if isinstance(instance, LinearRelation):
        if instance.group.name != suite.group.name:
            raise MalformedInput(f"sigma prover: relation is over {instance.group.name}, suite uses {suite.group_name}")
        relation = instance
    else:
        relation = _load_instance(suite.name, instance)
    return (prove_batchable if flavor == "batchable" else prove_compact)(tag, relation, witness, rng)

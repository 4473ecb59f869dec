"""Precomputed fixed-base tables for a long-lived public point, through OpenSSL's generator slot.

OpenSSL only precomputes multiples of a group's *generator*, so a base such as
Pedersen's ``H`` gets its own ``EC_GROUP`` (``EC_GROUP_set_generator(H)``,
``EC_GROUP_precompute_mult``) and ``EC_POINT_mul(group_H, r, k, NULL, NULL)``
computes ``k·H`` from the table.  ``EC_GROUP_set_generator`` is declared here with
cffi's ABI mode, which is sound only against petlib's very libcrypto instance:
:func:`binding_state` proves that once per process, else :func:`build_table` returns
``None``.  The four-step proof: ``docs/constant-time.md`` §"The OpenSSL fixed-base binding".
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_CDEF = """
typedef struct ec_group_st EC_GROUP;
typedef struct ec_point_st EC_POINT;
typedef struct bignum_st BIGNUM;
typedef struct bignum_ctx BN_CTX;
const char *OpenSSL_version(int type);
unsigned long OpenSSL_version_num(void);
EC_GROUP *EC_GROUP_new_by_curve_name(int nid);
int EC_GROUP_get_curve_name(const EC_GROUP *group);
int EC_GROUP_set_generator(EC_GROUP *group, const EC_POINT *generator, const BIGNUM *order, const BIGNUM *cofactor);
int EC_GROUP_precompute_mult(EC_GROUP *group, BN_CTX *ctx);
const BIGNUM *EC_GROUP_get0_order(const EC_GROUP *group);
const BIGNUM *EC_GROUP_get0_cofactor(const EC_GROUP *group);
int EC_POINT_mul(const EC_GROUP *group, EC_POINT *r, const BIGNUM *n, const EC_POINT *q, const BIGNUM *m, BN_CTX *ctx);
void EC_GROUP_free(EC_GROUP *group);
"""
_DLADDR_CDEF = """
typedef struct { const char *dli_fname; void *dli_fbase; const char *dli_sname; void *dli_saddr; } Dl_info;
int dladdr(const void *addr, Dl_info *info);
"""
_OPENSSL_VERSION = 0  # OpenSSL_version(OPENSSL_VERSION): a string constant inside libcrypto
_PROBE_NID = 415  # NID_X9_62_prime256v1, for the struct-level check


@dataclass(frozen=True)
class BindingState:
    """Whether the second binding is proven to be petlib's libcrypto; ``detail`` says how or why not."""

    ok: bool
    library: str
    detail: str


_state: BindingState | None = None
_binding: tuple[Any, Any] | None = None


def _petlib_anchor() -> int:
    """Address of petlib's ``OpenSSL_version(OPENSSL_VERSION)`` string (inside the libcrypto petlib uses)."""
    from petlib.bindings import _C, _FFI

    return int(_FFI.cast("uintptr_t", _C.OpenSSL_version(_OPENSSL_VERSION)))


def _petlib_version_num() -> int:
    from petlib.bindings import _C

    return int(_C.OpenSSL_version_num())


def _library_of(address: int) -> str:
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_DLADDR_CDEF)
    libc = ffi.dlopen(None)
    info = ffi.new("Dl_info *")
    if libc.dladdr(ffi.cast("void *", address), info) == 0 or info.dli_fname == ffi.NULL:
        raise OSError("dladdr cannot place petlib's libcrypto")
    return ffi.string(info.dli_fname).decode("utf-8", "replace")


def _prove() -> tuple[BindingState, tuple[Any, Any] | None]:
    import cffi

    anchor = _petlib_anchor()
    path = _library_of(anchor)
    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    lib = ffi.dlopen(path, ffi.RTLD_NOW | ffi.RTLD_NOLOAD)  # must already be mapped
    ours = int(ffi.cast("uintptr_t", lib.OpenSSL_version(_OPENSSL_VERSION)))
    if ours != anchor:
        return BindingState(False, path, f"refused: anchor mismatch ({ours:#x} != petlib's {anchor:#x})"), None
    if int(lib.OpenSSL_version_num()) != _petlib_version_num():
        return BindingState(False, path, "refused: OPENSSL_VERSION_NUMBER differs"), None
    from petlib.ec import EcGroup

    probe = EcGroup(_PROBE_NID)  # a petlib EC_GROUP, alive across the read
    if lib.EC_GROUP_get_curve_name(ffi.cast("EC_GROUP *", probe.ecg)) != _PROBE_NID:
        return BindingState(False, path, "refused: petlib's EC_GROUP does not read back"), None
    version = ffi.string(lib.OpenSSL_version(_OPENSSL_VERSION)).decode("ascii", "replace")
    return BindingState(True, path, f"same libcrypto as petlib (anchor {anchor:#x}, {version})"), (ffi, lib)


def binding_state() -> BindingState:
    """Prove (once per process) that the ABI-mode binding is petlib's libcrypto instance (docs/constant-time.md)."""
    global _state, _binding
    if _state is None:
        try:
            _state, _binding = _prove()
        except Exception as exc:  # no cffi ABI mode, no dladdr, not mapped: no tables
            _state, _binding = BindingState(False, "", f"refused: {type(exc).__name__}: {exc}"), None
    return _state


def build_table(nid: int, base_ptr_address: int) -> Callable[[int, int], bool] | None:
    """A function ``mul(result_point_address, bignum_address) -> ok`` computing ``k·base``, or None.

    None unless :func:`binding_state` proved the binding.  The addresses are
    those of petlib's ``EC_POINT*`` / ``BIGNUM*``.  The returned function keeps
    the dedicated ``EC_GROUP`` alive and frees it when garbage-collected.
    """
    if not binding_state().ok or _binding is None:
        return None
    ffi, lib = _binding
    group = lib.EC_GROUP_new_by_curve_name(nid)
    if group == ffi.NULL:
        return None
    base = ffi.cast("EC_POINT *", base_ptr_address)
    order, cofactor = lib.EC_GROUP_get0_order(group), lib.EC_GROUP_get0_cofactor(group)
    if (
        lib.EC_GROUP_set_generator(group, base, order, cofactor) != 1
        or lib.EC_GROUP_precompute_mult(group, ffi.NULL) != 1
    ):
        lib.EC_GROUP_free(group)
        return None
    mul_c, null = lib.EC_POINT_mul, ffi.NULL
    point_t, bignum_t, cast = "EC_POINT *", "BIGNUM *", ffi.cast

    def mul(result_address: int, bignum_address: int) -> bool:
        return mul_c(group, cast(point_t, result_address), cast(bignum_t, bignum_address), null, null, null) == 1

    weakref.finalize(mul, lib.EC_GROUP_free, group)
    return mul

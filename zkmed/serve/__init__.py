"""The served ledger: write and read API, and the public bulletin-board pages (``zkmed serve``).

:func:`create_app` builds the ASGI app over a :class:`ServeConfig`;
:func:`sign_write_request` is the client side of the authority-signed write
API.  Endpoints, the signing scheme and what is never rendered:
``docs/serve.md``.
"""

from zkmed.serve.app import create_app
from zkmed.serve.auth import ReplayGuard, WriteRequest, sign_write_request, verify_write_request
from zkmed.serve.backend import ServeConfig, Source
from zkmed.serve.public import WITHHELD_PREFIXES, withheld

__all__ = [
    "WITHHELD_PREFIXES",
    "ReplayGuard",
    "ServeConfig",
    "Source",
    "WriteRequest",
    "create_app",
    "sign_write_request",
    "verify_write_request",
    "withheld",
]

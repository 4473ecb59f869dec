"""Run ``zkmed serve`` in a process of its own with the elections stand-in installed (tests, benchmarks).

``python tests/serve/serve_process.py ARGS…`` = ``zkmed serve ARGS…`` with :mod:`fake_elections` on
``zkmed.elections``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import fake_elections  # noqa: E402

from zkmed.cli.main import main  # noqa: E402

if __name__ == "__main__":
    fake_elections.install()
    main(["serve", *sys.argv[1:]])

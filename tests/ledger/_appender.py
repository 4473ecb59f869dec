"""Test helper process: append to a ledger and print one line per acknowledged (returned) append.

    python _appender.py DIR TAG COUNT BATCH [MAX_ENTRIES]

Appends ``COUNT`` entries (forever if negative) in batches of ``BATCH``; the
payload of the i-th entry is ``TAG-i``.  A line ``ack FIRST_SEQ COUNT TAG I``
is printed and flushed only after ``append_batch`` returned, i.e. after the
transaction committed — so every printed entry must survive a SIGKILL.
With ``MAX_ENTRIES`` the ledger seals deferred
(``SealPolicy(max_entries=MAX_ENTRIES, max_delay_ms=50)``): acknowledged
entries may still be pending when the process dies.
"""

from __future__ import annotations

import sys
from pathlib import Path

from zkmed.ledger.ledger import Ledger, SealPolicy


def main(argv: list[str]) -> int:
    directory, tag, count, batch = Path(argv[0]), argv[1], int(argv[2]), int(argv[3])
    policy = SealPolicy(max_entries=int(argv[4]), max_delay_ms=50) if len(argv) > 4 else None
    with Ledger.open(directory, signing=True, seal_policy=policy) as led:
        i = 0
        while count < 0 or i < count:
            n = batch if count < 0 else min(batch, count - i)
            done = led.append_batch([("t", f"{tag}-{i + k}".encode()) for k in range(n)])
            sys.stdout.write(f"ack {done.first_seq} {done.count} {tag} {i}\n")
            sys.stdout.flush()
            i += n
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

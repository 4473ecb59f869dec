"""Run every benchmark module and write ``results/latest.json``, ``results/benchmarks.md`` and PNG charts.

python -m benchmarks.run [--quick] [--only groups,sigma] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.charts import draw
from zkmed.hazmat.groups import parallel

MODULES = [
    "groups",
    "sigma",
    "rangeproof",
    "ledger",
    "ledger_pg",
    "elections",
    "electionguard",
    "records",
    "serve",
    "verify",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer sizes / shorter timings")
    parser.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(MODULES))
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args(argv)
    wanted = [m for m in args.only.split(",") if m] or MODULES
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "msm_threads": parallel.get_threads(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "tables": [],
    }
    md = [
        "# zkmed benchmarks",
        "",
        f"Python {sys.version.split()[0]} on {platform.platform()}, {os.cpu_count()} CPUs, MSMs split across up to {parallel.get_threads()} threads",
        "",
    ]
    for name in wanted:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {name}", flush=True)
        for table in module.tables(quick=args.quick):
            report["tables"].append({"module": name, **table.to_json()})  # type: ignore[union-attr]
            text = table.to_markdown()
            md.append(text)
            print(text, flush=True)
            if (png := draw(table, out)) is not None:
                md.append(f"![{table.title}]({png.name})\n")
    (out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "benchmarks.md").write_text("\n".join(md))
    print(f"wrote {out / 'latest.json'}, {out / 'benchmarks.md'} and the charts beside them")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

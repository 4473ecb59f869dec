"""zkmed benchmarks: `make bench` (python -m benchmarks.run) writes JSON + Markdown tables."""

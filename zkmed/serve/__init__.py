"""The served ledger: write and read API, and the public bulletin-board pages."""

# zkmed — two commands set everything up on a fresh machine:
#   make demo   install into .venv and run the end-to-end showcase
#   make test   install into .venv and run the whole test suite (also under python -O)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast test-slow bench lint typecheck sysdeps browser install clean postgres

# petlib compiles against OpenSSL: a fresh Debian/Ubuntu machine needs gcc and libssl-dev.
sysdeps:
	@if ! command -v gcc >/dev/null 2>&1 || ! { dpkg -s libssl-dev >/dev/null 2>&1 || [ -f /usr/include/openssl/ec.h ]; }; then \
	  echo "installing build dependencies for petlib (gcc, libssl-dev, libgmp-dev)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq gcc libssl-dev libffi-dev libgmp-dev >/dev/null; \
	fi

# The browser tests (tests/serve) drive Debian's chromium: Playwright's own browser download is not available.
browser:
	@if ! [ -x /usr/bin/chromium ]; then \
	  echo "installing chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# The ledger tests run every store case on PostgreSQL too, against a private server they start (initdb, pg_ctl).
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing postgresql for the PostgreSQL store tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

$(STAMP): pyproject.toml | sysdeps browser postgres
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/zkmed demo

# The whole suite (slow cases included; `heavy` ones only in test-slow), then again under `python -O` so that no
# check silently relies on `assert` (ruff's S101 already forbids it in the library).  The -O pass leaves out the
# PostgreSQL copies of the ledger tests and the browser tests: the same library code as their SQLite / HTTP
# twins, and the suite stays under ten minutes.
test: $(STAMP)
	$(VENV)/bin/ruff check zkmed circuits cli tests benchmarks
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -m "not heavy" -p no:cacheprovider
	ZKMED_FUZZ_EXAMPLES=50 $(PY) -O -m pytest -m "not slow and not heavy" -k "not postgresql" \
	  --deselect tests/serve/test_serve_browser.py -p no:cacheprovider

test-fast: $(STAMP)
	$(PY) -m pytest

# the slow cases, and the fuzz tests with many more examples per decoder / command
test-slow: $(STAMP)
	ZKMED_FUZZ_EXAMPLES=5000 $(PY) -m pytest -m "slow or fuzz or heavy"

# zksk 0.0.2 and sd-jwt 0.10.4 (with jwcrypto, pyyaml) are the Python peers we compare against; zksk's bplib dependency does not
# build, and zksk runs without it, hence --no-deps.
# electionguard 1.4.0 (the elections peer) in its own venv; the setup script applies its Python 3.11 dataclass fix.
benchmarks/.venv-electionguard/.ready:
	sh benchmarks/setup_electionguard.sh benchmarks/.venv-electionguard && touch $@

bench: $(STAMP) benchmarks/.venv-electionguard/.ready
	$(PY) -m pip install -q --no-deps zksk==0.0.2 attrs sd-jwt==0.10.4 jwcrypto pyyaml
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m benchmarks.run --out benchmarks/results

lint: $(STAMP)
	$(VENV)/bin/ruff check zkmed circuits cli tests benchmarks
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis

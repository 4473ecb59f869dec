#!/bin/sh
# The electionguard 1.4.0 peer of bench_elections, in its own venv (benchmarks/.venv-electionguard).
# electionguard 1.4.0 does not import on Python 3.11: tally.py declares a dataclass field with a mutable
# default (`default=ElGamalCiphertext(ONE_MOD_P, ONE_MOD_P)`), which 3.11 refuses.  This script applies the
# one-line fix `default=` -> `default_factory=lambda:` to the installed file and says so.
set -e
VENV=${1:-benchmarks/.venv-electionguard}
PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q electionguard==1.4.0
TALLY=$("$VENV/bin/python" -c "import importlib.util as u; print(u.find_spec('electionguard').submodule_search_locations[0])")/tally.py
if grep -q "default=ElGamalCiphertext(ONE_MOD_P, ONE_MOD_P)" "$TALLY"; then
  sed -i 's/default=ElGamalCiphertext(ONE_MOD_P, ONE_MOD_P)/default_factory=lambda: ElGamalCiphertext(ONE_MOD_P, ONE_MOD_P)/' "$TALLY"
  echo "electionguard 1.4.0: applied the Python 3.11 dataclass fix (default_factory) to $TALLY"
fi
"$VENV/bin/python" -c "import electionguard" && echo "electionguard 1.4.0 ready in $VENV"

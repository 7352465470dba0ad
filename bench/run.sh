#!/usr/bin/env bash
# Side-by-side benchmark: sigstore_rs against sigstore-python 4.5.1 and
# pypi-attestations 0.0.30, installed in a bench-only venv, in the same run.
# Reads the recorded material in tests/assets. Prints ratios.
#
#   bench/run.sh            full run
#   QUICK=1 bench/run.sh    fewer rounds (a smoke test of the harness)
#   bench/run.sh --only-sign  only signing 1, 20 and 200 distributions against
#                           the local instance at realistic latency (QUICK: 1, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=bench/.venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip "maturin>=1.5,<2" \
    "sigstore==4.5.1" "pypi-attestations==0.0.30"
# A real wheel install (not an editable one): pip compiles the .pyc files at
# install time, as a user's install would; the peers are installed the same way.
rm -rf bench/dist
"$VENV/bin/maturin" build --release --quiet --out bench/dist
"$VENV/bin/python" -m pip install --quiet --force-reinstall --no-deps bench/dist/*.whl
cargo build --release --quiet --example floor
exec "$VENV/bin/python" bench/bench.py --floor "${CARGO_TARGET_DIR:-target}/release/examples/floor" "$@"

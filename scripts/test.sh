#!/usr/bin/env bash
# Every check CI runs, in one place: Rust format/lint/tests (both crypto
# backends), the extension build, Python lint/types/stubs, and pytest.
#
#   scripts/test.sh              build with --release (what ships)
#   PROFILE=dev scripts/test.sh  faster local iteration
#   VENV=path                    virtualenv to create/reuse (default .venv)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PROFILE=${PROFILE:-release}
step() { printf '\n==> %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    step "create $VENV"
    python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip "maturin>=1.5,<2"
export VIRTUAL_ENV="$PWD/$VENV" PATH="$PWD/$VENV/bin:$PATH"

step "cargo fmt --check"
cargo fmt --check
step "cargo clippy"
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --features python -- -D warnings
# Every Rust test must run: an #[ignore]d test, or a run with no tests, fails.
cargo_test() {
    local log
    log=$(mktemp)
    cargo test "$@" 2>&1 | tee "$log"
    if grep -Eq '^test result: .* [1-9][0-9]* ignored' "$log"; then
        echo "cargo test $*: some tests are ignored; every test must run" >&2
        exit 1
    fi
    grep -q '^test result: ok. [1-9]' "$log" || { echo "cargo test $*: no tests ran" >&2; exit 1; }
    rm -f "$log"
}
step "cargo test"
cargo_test
step "cargo test --no-default-features (RustCrypto backend)"
cargo_test --no-default-features
step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --features python
MSRV=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml)
step "cargo +$MSRV check --locked (the declared minimum Rust)"
rustup toolchain list | grep -q "^$MSRV" || rustup toolchain install "$MSRV" --profile minimal
cargo +"$MSRV" check --locked --all-targets --features python

step "maturin develop ($PROFILE)"
maturin develop --profile "$PROFILE" --extras test,dev

step "ruff"
ruff check python tests scripts
ruff format --check python tests scripts
step "mypy --strict"
mypy --strict python/
step "stubtest"
"$PY" -m mypy.stubtest sigstore_rs._rust

step "pytest"
status=0
"$PY" -m pytest tests/python "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests" >&2
fi
exit "$status"

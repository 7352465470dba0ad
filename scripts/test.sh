#!/usr/bin/env bash
# Every check CI runs, in one place: Rust format/lint/tests (both crypto
# backends), the module graph (scripts/module_cycles.py), the release wheels and sdist this host can build
# (scripts/build_wheels.py), Python lint/types/stubs, and pytest against the
# installed manylinux wheel, so the tests exercise exactly what ships;
# tests/python/test_wheels.py installs every built wheel into fresh CPython 3.9
# and 3.13 venvs (glibc, and musl through scripts/musl_cpython.py).
#
#   scripts/test.sh              build and test the release wheels (what CI runs)
#   PROFILE=dev scripts/test.sh  faster local iteration: `maturin develop`, no
#                                wheels, so tests/python/test_wheels.py is not run
#   VENV=path                    virtualenv to create/reuse (default .venv)
# Arguments go to pytest. Each step's duration is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PROFILE=${PROFILE:-release}
STEP="" STEP_START=$SECONDS TIMES=()
finish_step() {
    if [ -n "$STEP" ]; then TIMES+=("$(printf '%5ds  %s' $((SECONDS - STEP_START)) "$STEP")"); fi
}
step() {
    finish_step
    STEP="$*" STEP_START=$SECONDS
    printf '\n==> %s\n' "$*"
}
report() {
    finish_step
    printf '\n==> times (total %ds)\n' "$SECONDS"
    printf '%s\n' "${TIMES[@]}"
}
trap report EXIT

step "venv $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
# tomli: scripts/build_wheels.py reads wheels.toml with it before Python 3.11.
"$PY" -m pip install --quiet --upgrade pip "maturin>=1.5,<2" 'tomli; python_version < "3.11"'
export VIRTUAL_ENV="$PWD/$VENV" PATH="$PWD/$VENV/bin:$PATH"

step "cargo fmt --check"
cargo fmt --check
# The AFL++ harnesses (fuzz/, their own workspace; scripts/fuzz.sh builds them).
cargo fmt --check --manifest-path fuzz/Cargo.toml
step "module dependencies: no import cycles (scripts/module_cycles.py)"
"$PY" scripts/module_cycles.py
step "cargo clippy"
cargo clippy --all-targets -- -D warnings
# `fuzzing` exposes src/fuzz/ outside the tests, as fuzz/ builds it;
# `testing` the local instance, as the wheel builds it.
cargo clippy --all-targets --features python,testing,fuzzing -- -D warnings
# The extension module without the local instance (sigstore_rs.testing then
# refuses to import, naming the feature).
cargo clippy --lib --features python -- -D warnings
step "the library without the local instance (feature testing)"
# Neither the default nor the RustCrypto build of the crate has the local
# instance's servers and certificate builder; only the tests and the wheel do.
for flags in "" --no-default-features; do
    deps=$(cargo tree -e normal --target all $flags -i rcgen -i tiny_http 2>/dev/null)
    if [ -n "$deps" ]; then
        echo "cargo tree $flags: the library depends on rcgen or tiny_http:" >&2
        echo "$deps" >&2
        exit 1
    fi
done
cargo clippy --no-default-features --lib -- -D warnings
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
# src/testing/'s unit tests ran above (it compiles under cfg(test)); its doc
# example needs the library built with the feature.
cargo_test --doc --features testing testing
step "cargo test --no-default-features (RustCrypto backend)"
cargo_test --no-default-features
step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --features python,testing
MSRV=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml)
step "cargo +$MSRV check --locked (the declared minimum Rust)"
grep -q "^$MSRV-" <<<"$(rustup toolchain list)" || rustup toolchain install "$MSRV" --profile minimal
cargo +"$MSRV" check --locked --all-targets --features python,testing

pytest_args=()
if [ "$PROFILE" = release ]; then
    step "wheels and sdist (scripts/build_wheels.py)"
    "$PY" scripts/build_wheels.py
    step "musl CPython 3.9 and 3.13 for the musllinux wheel (cached)"
    "$PY" scripts/musl_cpython.py
    step "install the manylinux wheel into $VENV"
    wheels=(dist/sigstore_rs-*-manylinux*_x86_64.whl)
    wheel=${wheels[0]}
    # The extras' dependencies, then the wheel itself over whatever was there
    # (an editable `maturin develop` install, or an older build of this version).
    "$PY" -m pip install --quiet "$wheel[test,dev]"
    "$PY" -m pip install --quiet --force-reinstall --no-deps "$wheel"
    "$PY" - <<'EOF'
import sigstore_rs._rust as r, sysconfig
assert r.__file__.startswith(sysconfig.get_paths()["purelib"]), r.__file__
print("testing", r.__file__)
EOF
else
    step "maturin develop ($PROFILE)"
    maturin develop --profile "$PROFILE" --extras test,dev
    echo "PROFILE=$PROFILE: no wheels built, so tests/python/test_wheels.py is not run"
    pytest_args+=(--ignore tests/python/test_wheels.py)
fi

step "ruff"
ruff check python tests scripts fuzz bench
ruff format --check python tests scripts fuzz bench
step "mypy --strict"
mypy --strict python/
step "stubtest"
"$PY" -m mypy.stubtest sigstore_rs._rust

step "TUF conformance suite (tests/tuf-conformance against sigstore-rs-tuf-conformance)"
# The suite runs clients under faketime (Debian package `faketime`).
if ! command -v faketime >/dev/null; then
    SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
    $SUDO apt-get install -y faketime || { $SUDO apt-get update && $SUDO apt-get install -y faketime; }
fi
TUF_VENV=${TUF_VENV:-.venv-tuf-conformance}
# Its own virtualenv with the pins of its pyproject.toml (Python >= 3.10).
[ -x "$TUF_VENV/bin/python" ] || python3 -m venv "$TUF_VENV"
"$TUF_VENV/bin/python" -m pip install --quiet --upgrade pip
"$TUF_VENV/bin/python" -m pip install --quiet tests/tuf-conformance
suite=$("$TUF_VENV/bin/python" -c 'import os, tuf_conformance; print(os.path.dirname(tuf_conformance.__file__))')
log=$(mktemp)
PYTHONDONTWRITEBYTECODE=1 "$TUF_VENV/bin/python" -m pytest -p no:cacheprovider -q -rfEsxX "$suite" \
    --entrypoint "$(command -v sigstore-rs-tuf-conformance)" 2>&1 | tee "$log"
# Every test must pass: no skip, xfail or xpass hides one.
if grep -Eq '[0-9]+ (skipped|xfailed|xpassed|deselected)' "$log" || ! grep -Eq '^[0-9]+ passed in' "$log"; then
    echo "TUF conformance: not every test ran and passed" >&2
    exit 1
fi
rm -f "$log"

step "pytest"
status=0
"$PY" -m pytest tests/python "${pytest_args[@]}" "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests" >&2
fi
exit "$status"

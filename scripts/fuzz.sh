#!/usr/bin/env bash
# Coverage-guided fuzzing with AFL++ (cargo-afl, stable Rust): builds the
# harnesses in fuzz/ and runs each target for a bounded time, one after the
# other, starting from its committed corpus (fuzz/corpus/<target>/) plus
# seeds taken from tests/assets (fuzz/seeds.py).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    default: 600 s each, every target
#
#   UPDATE_CORPUS=1   afterwards, replace fuzz/corpus/<target>/ with what of
#                     the corpus and the campaign's queue covers the most
#                     edges within FUZZ_CORPUS_BYTES (default 600000) per
#                     target (fuzz/select.py)
#   FUZZ_OUT=dir      campaign output (default fuzz/out; findings are kept in
#                     FUZZ_OUT/<target>/default/{crashes,hangs})
#   FUZZ_TIMEOUT_MS   per-input time limit, beyond which AFL++ records a hang
#                     (default 2000: verification on the pure-Rust backend
#                     takes milliseconds, and the machine may be shared)
#
# Prints per target the executions, their rate, the corpus size and the
# crashes and hangs found; exits nonzero if any target found a crash or hang.
# `cargo test` does not fuzz: it replays each committed corpus (src/fuzz/tests.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

ALL=(bundle_json x509_cert rfc3161_token checkpoint provenance_json dist_name)
DURATION=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
for t in "${TARGETS[@]}"; do
    [[ " ${ALL[*]} " == *" $t "* ]] || { echo "unknown target $t (known: ${ALL[*]})" >&2; exit 2; }
done
OUT=$(realpath -m "${FUZZ_OUT:-fuzz/out}")
TARGET_DIR=$(realpath -m "${CARGO_TARGET_DIR:-fuzz/target}")

# cargo-afl builds its own AFL++ (afl-fuzz, afl-showmap and the runtime the
# harnesses link) when it is installed; it needs only a C compiler and make.
if ! cargo afl --version >/dev/null 2>&1; then
    if ! command -v cc >/dev/null || ! command -v make >/dev/null; then
        apt-get update && apt-get install -y build-essential
    fi
    cargo install cargo-afl --locked
fi
# A Rust toolchain newer than the one cargo-afl was installed with needs its
# own AFL++ runtime; `config --build` refuses (harmlessly) when it exists.
cargo afl config --build >/dev/null 2>&1 || true
# afl-showmap must be cargo-afl's AFL++ (the version of the runtime the
# harnesses link), ahead of any other on PATH such as Debian's afl++.
AFL_BIN=$(ls -d "${XDG_DATA_HOME:-$HOME/.local/share}/afl.rs/rustc-$(rustc -V | cut -d' ' -f2)-"*/afl.rs-"$(cargo afl --version | cut -d' ' -f2)"/afl/bin 2>/dev/null | head -1)
[ -x "$AFL_BIN/afl-showmap" ] || { echo "cannot find cargo-afl's AFL++ (try: cargo afl config --build --force)" >&2; exit 1; }
export PATH="$AFL_BIN:$PATH"

(cd fuzz && CARGO_TARGET_DIR="$TARGET_DIR" cargo afl build --release)

mkdir -p "$OUT"
rm -rf "$OUT/seeds"
python3 fuzz/seeds.py "$OUT/seeds" >/dev/null

# A shared machine: no CPU governor or core_pattern changes, no core pinning.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_QUIET=1
# No AFL_SKIP_CRASHES: a corpus input that crashes makes afl-fuzz stop, and
# the target fail.
status=0
summary=()
for t in "${TARGETS[@]}"; do
    in="$OUT/in/$t" out="$OUT/$t" bin="$TARGET_DIR/release/$t"
    rm -rf "$in" "$out"
    mkdir -p "$in"
    cp "$OUT/seeds/$t"/* "$in"/
    if [ -d "fuzz/corpus/$t" ]; then cp "fuzz/corpus/$t"/* "$in"/ 2>/dev/null || true; fi
    echo "==> $t: fuzzing for ${DURATION}s from $(ls "$in" | wc -l) inputs"
    start=$SECONDS
    cargo afl fuzz -V "$DURATION" -t "${FUZZ_TIMEOUT_MS:-2000}" -i "$in" -o "$out" -- "$bin" \
        >"$OUT/$t.log" 2>&1 || { echo "afl-fuzz failed for $t, see $OUT/$t.log" >&2; tail -20 "$OUT/$t.log" >&2; status=1; continue; }
    wall=$((SECONDS - start))
    stats="$out/default/fuzzer_stats"
    field() { sed -n "s/^$1 *: *//p" "$stats"; }
    crashes=$(ls "$out/default/crashes" 2>/dev/null | grep -vc README || true)
    hangs=$(ls "$out/default/hangs" 2>/dev/null | grep -vc README || true)
    line=$(printf '%-16s wall %5ss  execs %10s  %8s exec/s  corpus %5s  crashes %s  hangs %s' \
        "$t" "$wall" "$(field execs_done)" "$(field execs_per_sec)" "$(field corpus_count)" "$crashes" "$hangs")
    echo "$line"
    summary+=("$line")
    if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
        echo "$t: findings in $out/default/crashes and $out/default/hangs" >&2
        status=1
    elif [ "${UPDATE_CORPUS:-0}" = 1 ]; then
        # The edges each input reaches (hit counts ignored), then
        # fuzz/select.py keeps what covers the most edges per byte within the
        # budget. (afl-cmin keeps the smallest input for *every* edge, which
        # for the JSON targets is megabytes of near-identical bundles.)
        all="$OUT/select/$t" maps="$OUT/select/$t.maps"
        rm -rf "$all" "$maps"
        mkdir -p "$all"
        cp "$in"/* "$out/default/queue"/id:* "$all"/
        afl-showmap -e -q -t "${FUZZ_TIMEOUT_MS:-2000}" -i "$all" -o "$maps" -- "$bin" >/dev/null 2>&1 ||
            { echo "afl-showmap failed for $t" >&2; status=1; continue; }
        rm -rf "fuzz/corpus/$t"
        python3 fuzz/select.py "$all" "$maps" "fuzz/corpus/$t" "${FUZZ_CORPUS_BYTES:-600000}"
        echo "$t: corpus replaced by $(ls "fuzz/corpus/$t" | wc -l) files ($(du -sh "fuzz/corpus/$t" | cut -f1))"
    fi
done
printf '\n==> summary (%ss per target)\n' "$DURATION"
printf '%s\n' "${summary[@]}"
exit "$status"

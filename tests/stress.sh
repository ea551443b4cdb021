#!/usr/bin/env bash
# Runs the whole test suite, `cargo test --workspace --all-features`, many times in a row
# while every core is kept busy, to catch tests that depend on timing. Not run by CI.
#
#   bash tests/stress.sh              # 20 runs, one busy loop per core
#   RUNS=3 LOAD=4 bash tests/stress.sh
#
# Stops at the first failing run, and says which run it was and where its output is.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-20}
load=${LOAD:-$(nproc)}
logs=$(mktemp -d "${TMPDIR:-/tmp}/steadfast-stress.XXXXXX")

echo "==> building the tests first, without the load"
cargo test --workspace --all-features --no-run --quiet

busy=()
stop_load() {
    for pid in "${busy[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
}
trap stop_load EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$load"); do
    yes >/dev/null &
    busy+=("$!")
done
echo "==> $load busy loops (pids ${busy[*]}), $runs runs, logs in $logs"

for run in $(seq "$runs"); do
    log="$logs/run-$run.log"
    started=$SECONDS
    if cargo test --workspace --all-features >"$log" 2>&1; then
        echo "run $run of $runs passed ($((SECONDS - started)) s)"
    else
        echo "run $run of $runs FAILED after $((SECONDS - started)) s; its output: $log" >&2
        grep -E '^test .* FAILED$|^---- |panicked at|^error' "$log" | head -40 >&2 || true
        exit 1
    fi
done
echo "==> all $runs runs passed under load"

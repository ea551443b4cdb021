#!/usr/bin/env bash
# Instructions per call of each steadfast path and of its hand-written equivalent, counted
# by valgrind's callgrind, so that the figures do not move with the machine's load.
#
# Builds `benches/instructions.rs` with the bench profile, then runs every path it lists
# under callgrind twice, N and 2N times, and reads the total instruction count of each run.
# Everything a run does once (process start, the tokio runtime, one-time set-up) is in both
# totals, so (I(2N) - I(N)) / N is what one call costs, the loop around it included; the
# difference to the hand-written equivalent is what steadfast (or a peer) adds.
#
# Usage: bash benches/instructions.sh [N]     (N defaults to 20000)
# Prints a Markdown table. Not run by CI; needs valgrind (3.19 was used for the book).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

n="${1:-20000}"
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: bash benches/instructions.sh [N]  (N a positive count, default 20000)" >&2
    exit 2
fi
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }

# The bench binary's path, from cargo's JSON messages (the artifact of the `instructions`
# bench target).
echo "building benches/instructions.rs (bench profile) ..." >&2
bin="$(cargo bench --bench instructions --no-run --message-format=json \
    | grep '"name":"instructions"' \
    | grep -o '"executable":"[^"]*"' \
    | tail -n 1 \
    | sed 's/^"executable":"//; s/"$//')"
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "could not find the instructions bench binary in cargo's output" >&2
    exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/steadfast-instructions.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Total instructions of `$bin PATH COUNT` under callgrind: the `summary:` line of its output
# file (`totals:` in files that lack one).
instructions() {
    local out="$work/callgrind.out"
    valgrind --tool=callgrind --callgrind-out-file="$out" -q "$bin" "$1" "$2" </dev/null >/dev/null
    local total
    total="$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out")"
    if [ -z "$total" ]; then
        total="$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out")"
    fi
    if [ -z "$total" ]; then
        echo "no instruction total in callgrind's output for $1" >&2
        exit 1
    fi
    rm -f "$out"
    echo "$total"
}

declare -A per_call
paths=()
baselines=()
while read -r path baseline; do
    paths+=("$path")
    baselines+=("$baseline")
    echo "  $path ..." >&2
    once="$(instructions "$path" "$n")"
    twice="$(instructions "$path" "$((2 * n))")"
    per_call[$path]="$(awk -v a="$once" -v b="$twice" -v n="$n" 'BEGIN { print (b - a) / n }')"
done < <("$bin" --list)

# An integer when the division is exact (callgrind's counts usually are), else two decimals.
format() {
    awk -v v="$1" -v sign="${2:-}" 'BEGIN {
        s = (v == int(v)) ? sprintf("%d", v) : sprintf("%.2f", v)
        if (sign && v >= 0) s = "+" s
        print s
    }'
}

echo
echo "$(rustc --version), $(valgrind --version), N = $n and $((2 * n))"
echo
echo "| path | instructions per call | over the hand-written equivalent |"
echo "| --- | ---: | --- |"
for i in "${!paths[@]}"; do
    path="${paths[$i]}"
    baseline="${baselines[$i]}"
    if [ "$baseline" = "-" ]; then
        over="(hand-written)"
    else
        diff="$(awk -v a="${per_call[$path]}" -v b="${per_call[$baseline]}" 'BEGIN { print a - b }')"
        over="$(format "$diff" signed) over \`$baseline\`"
    fi
    echo "| \`$path\` | $(format "${per_call[$path]}") | $over |"
done

#!/usr/bin/env bash
# vspconform fuzz against a bare libFuzzer harness (bench/bare_harness.cpp: dlopen, prepare, NULL
# probe, exact-size malloc, save, release) on the same module, side by side in one run: module
# calls per second per core, and vspconform fuzz --jobs 2 against --jobs 1.
#
#   bench/campaign.sh [BUILD_DIR] [SECONDS]        (default: build 20)
#
# Module calls are every call into the module (prepare, probe, save, release, and restores for
# vspconform, whose exploration tier also restores records): vspconform's stat::callback_calls,
# the bare harness's 4 per execution. Both run the reference sample built plain; the bare
# harness finds its overruns through a guard page (BARE_GUARD=1) as vspconform does.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
secs=${2:-20}
module=$build/samples/libvsp_reference.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

stat() { sed -n "s/^stat::$1: *//p" "$2" | head -1; }

fuzz() {  # jobs -> "calls/s execs/s"
    rm -rf "$work/r"
    "$build/vspconform" fuzz "$module" --jobs "$1" --time "$secs" --report-dir "$work/r" >"$work/fuzz$1.txt" 2>/dev/null ||
        true
    echo "$(stat average_callback_calls_per_sec "$work/fuzz$1.txt") $(stat average_exec_per_sec "$work/fuzz$1.txt")"
}

read -r f1_calls f1_execs < <(fuzz 1)
rm -rf "$work/bare"
mkdir -p "$work/bare"
BARE_GUARD=1 BARE_MODULE="$module" "$build/bench/bare_harness_plain" "$work/bare" -seed=1 -use_value_profile=1 \
    -max_total_time="$secs" -print_final_stats=1 >"$work/bare.txt" 2>&1 || true
bare_execs=$(stat average_exec_per_sec "$work/bare.txt")
bare_calls=$((bare_execs * 4))
read -r f2_calls f2_execs < <(fuzz 2)

echo "reference sample, $secs s each, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '  %-34s %12s %12s\n' "" "calls/s" "execs/s"
printf '  %-34s %12s %12s\n' "bare libFuzzer harness (1 core)" "$bare_calls" "$bare_execs"
printf '  %-34s %12s %12s\n' "vspconform fuzz --jobs 1" "$f1_calls" "$f1_execs"
printf '  %-34s %12s %12s\n' "vspconform fuzz --jobs 2" "$f2_calls" "$f2_execs"
awk -v a="$f1_calls" -v b="$bare_calls" -v c="$f2_calls" 'BEGIN {
    printf "  fuzz --jobs 1 / bare harness, calls per core: %.2f (asked: at least 0.5)\n", a / b
    printf "  fuzz --jobs 2 / --jobs 1, calls:              %.2f (asked: close to 2)\n", c / a }'

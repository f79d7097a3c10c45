#!/usr/bin/env bash
# Executions per second of `vspconform fuzz` against the bare libFuzzer harness
# (bench/bare_harness.cpp, BARE_GUARD=1: a guard page after the save buffer, as vspconform has),
# on the same small coverage-built module (bench/small_vsp.c), one worker each, one after the
# other in one run, SECONDS each (default 20), REPEAT times (default 3), with the ratio.
#
#   bench/exec_rate.sh [BUILD_DIR] [SECONDS] [REPEAT] [MODULE]
set -u
build=$(cd "${1:-build}" && pwd)
seconds=${2:-20}
repeat=${3:-3}
module=${4:-$build/bench/libvsp_small_coverage.so}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -f $module && -x $build/bench/bare_harness_plain ]] || { echo "build the bench targets first"; exit 2; }
printf '%-6s %18s %18s %8s\n' run "vspconform exec/s" "bare exec/s" ratio
for ((i = 1; i <= repeat; i++)); do
    rm -rf "$work/r"
    "$build/vspconform" fuzz "$module" --jobs 1 --time "$seconds" --seed "$i" --report-dir "$work/r" >/dev/null 2>&1
    ours=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["campaign"]; print(round(c["executions"]/max(c["seconds"],1e-9)))' \
        "$work/r/report.json" 2>/dev/null || echo 0)
    bare=$(BARE_MODULE="$module" BARE_GUARD=1 "$build/bench/bare_harness_plain" -seed="$i" -use_value_profile=1 \
        -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" 2>&1 |
        awk '/stat::average_exec_per_sec/ {print $2}')
    printf '%-6s %18s %18s %8s\n' "$i" "$ours" "${bare:-0}" \
        "$(python3 -c "import sys; print(f'{int(sys.argv[1])/max(int(sys.argv[2]),1):.2f}x')" "$ours" "${bare:-0}")"
done

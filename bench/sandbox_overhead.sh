#!/usr/bin/env bash
# The sandbox's cost (issue 11), in one run, on the reference sample:
#  1. per call: bench/vspc_bench's runner and exploration-tier benchmarks in a plain process and
#     in one that entered a worker's sandbox first (VSPC_BENCH_SANDBOX=1: the arena window and the
#     seccomp filter; namespaces and limits cost nothing per call), save-callback calls/s;
#  2. end to end: `vspconform check` with --sandbox on and off, alternating, REPEATS times each
#     (default 3), module calls/s over the whole run (spawns, namespaces and all), median;
#  3. per worker: the sweep alone (--runs 0: its 8 workers), the difference in wall time per worker
#     (namespaces, mounts, the filter), median.
#
#   bench/sandbox_overhead.sh [BUILD_DIR] [REPEATS]
set -u
build=$(cd "${1:-build}" && pwd)
repeats=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
module=$build/samples/libvsp_reference.so
filter='BM_RunnerKmclPair/largest_n:0|BM_SweepCase/kmcl:1|BM_ExploreTier/largest_n:0'

echo "== per call (bench/vspc_bench, items/s; repetitions 3, median)"
for mode in 0 1; do
    VSPC_BENCH_SANDBOX=$mode "$build/bench/vspc_bench" --benchmark_filter="$filter" --benchmark_repetitions=3 \
        --benchmark_report_aggregates_only=true --benchmark_format=json 2>/dev/null >"$work/bench-$mode.json"
done
python3 - "$work/bench-0.json" "$work/bench-1.json" <<'PY'
import json, sys
def medians(path):
    return {b["run_name"]: b["items_per_second"] for b in json.load(open(path))["benchmarks"]
            if b.get("aggregate_name") == "median"}
off, on = medians(sys.argv[1]), medians(sys.argv[2])
print(f"{'benchmark':34} {'no sandbox':>14} {'sandbox':>14} {'cost':>8}")
for name in off:
    a, b = off[name], on.get(name, 0)
    print(f"{name:34} {a/1e6:11.3f} M/s {b/1e6:11.3f} M/s {100*(a-b)/a:7.1f}%")
PY

echo "== end to end (vspconform check, --jobs 1, module calls/s; median of $repeats)"
for i in $(seq "$repeats"); do
    for mode in off on; do
        rm -rf "$work/r"
        "$build/vspconform" check "$module" --jobs 1 --sandbox "$mode" --report-dir "$work/r" >/dev/null 2>&1
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["counts"]["calls"]/d["seconds"], d["seconds"])' \
            "$work/r/report.json" >>"$work/e2e-$mode"
    done
done
for mode in off on; do
    sort -g "$work/e2e-$mode" | awk -v m="$mode" '{c[NR]=$1; s[NR]=$2} END {i=int((NR+1)/2); printf "--sandbox %-3s %10.0f calls/s  (%.2f s per run)\n", m, c[i], s[i]}'
done

echo "== per worker start (check --runs 0: 8 sweep workers, --jobs 1; median of $repeats)"
for i in $(seq "$repeats"); do
    for mode in off on; do
        rm -rf "$work/r"
        start=$(date +%s.%N)
        "$build/vspconform" check "$module" --runs 0 --jobs 1 --sandbox "$mode" --report-dir "$work/r" >/dev/null 2>&1
        echo "$(date +%s.%N) - $start" | bc >>"$work/sweep-$mode"
    done
done
off=$(sort -g "$work/sweep-off" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
on=$(sort -g "$work/sweep-on" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "--sandbox off ${off} s, on ${on} s: $(echo "($on - $off) * 1000 / 8" | bc -l | xargs printf '%.1f') ms per worker"

#!/usr/bin/env bash
# Time to detect a state-gated bug: `vspconform check` with default flags against a bare
# libFuzzer harness (bench/bare_harness.cpp) on the same module, side by side in one run,
# median over seeds 1..N. Also the exploration tier's calls/s against the bare harness's
# (bench/vspc_bench) and check's wall time on the reference sample.
#
#   bench/state_gated.sh [BUILD_DIR] [SEEDS]        (default: build 5)
#
# check's time to detect is the moment its first finding reached the supervisor
# (report.json: found_after_seconds), from the start of the run (module inspection,
# worker start-up and the sweep included); its total time is shown too. The bare
# harness's is its whole run, start-up included, until it stops at the overrun.
# Coverage builds: the bare harness sees the overrun through a guard page (BARE_GUARD=1),
# as vspconform does. ASan builds: a malloc'd buffer and ASan, as the hand-written harness
# of the issue did; vspconform runs the same ASan module.
set -u
build=$(cd "${1:-build}" && pwd)
seeds=${2:-5}
vspc=$build/vspconform
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"  # median, now, check_found

bare_found() {  # harness module seed [env...] -> seconds until it stopped (999: it did not)
    local harness=$1 module=$2 seed=$3
    shift 3
    local t0 t1 rc
    t0=$(now)
    env "$@" BARE_MODULE="$module" "$harness" -seed="$seed" -use_value_profile=1 -runs=50000000 \
        -artifact_prefix="$work/" >/dev/null 2>&1
    rc=$?
    t1=$(now)
    if ((rc == 0)); then echo 999; else echo "$t1 - $t0" | bc -l | xargs printf '%.3f\n'; fi
}

printf '%-28s %-8s %-34s %-34s %s\n' module build "vspconform check: found (total) s" "bare libFuzzer harness: found s" ratio
for sample in rare_passthrough_overrun rare_three_bytes_overrun; do
    for build_kind in coverage asan; do
        if [[ $build_kind == coverage ]]; then
            module=$build/samples/libvsp_$sample.so harness=$build/bench/bare_harness_plain env_args=(BARE_GUARD=1)
        else
            module=$build/bench/libvsp_${sample}_asan.so harness=$build/bench/bare_harness_asan env_args=(ASAN_OPTIONS=detect_leaks=0)
        fi
        [[ -f $module && -x $harness ]] || { echo "missing $module or $harness: build the bench targets"; exit 2; }
        ours=() totals=() bare=()
        for ((s = 1; s <= seeds; s++)); do
            read -r found total < <(check_found "$module" "$s")
            ours+=("$found")
            totals+=("$total")
            bare+=("$(bare_found "$harness" "$module" "$s" "${env_args[@]}")")
        done
        mo=$(printf '%s\n' "${ours[@]}" | median) mt=$(printf '%s\n' "${totals[@]}" | median)
        mb=$(printf '%s\n' "${bare[@]}" | median)
        ratio=$(echo "$mo / $mb" | bc -l | xargs printf '%.2f')
        printf '%-28s %-8s %-34s %-34s %s\n' "$sample" "$build_kind" "median $mo ($mt) [${ours[*]}]" \
            "median $mb [${bare[*]}]" "$ratio"
    done
done

echo
echo "exploration tier vs bare harness, module calls per second in one process (reference sample):"
"$build/bench/vspc_bench" --benchmark_filter='BM_(BareHarnessExec|ExploreTier)' --benchmark_min_time=0.5 2>/dev/null |
    awk '/^BM_/ {for (i = 1; i <= NF; i++) if ($i ~ /items_per_second=/) {split($i, a, "="); print $1, a[2]}}' |
    tee "$work/calls.txt"
awk '{v[$1]=$2} END {
    for (n = 0; n <= 1; n++) {
        b = v["BM_BareHarnessExec/largest_n:" n]; e = v["BM_ExploreTier/largest_n:" n];
        sub(/M\/s/, "", b); sub(/M\/s/, "", e); if (b > 0) printf "largest_n:%d explore/bare calls per second = %.2f\n", n, e / b
    }}' "$work/calls.txt"

echo
echo "end to end with libFuzzer, one core, the reference sample (plain), 1000000 executions:"
rm -rf "$work/r"
"$vspc" check "$build/samples/libvsp_reference.so" --report-dir "$work/r" --jobs 1 --runs 0 >/dev/null 2>&1
base=$(python3 -c "import json; print(json.load(open('$work/r/report.json'))['seconds'])")
rm -rf "$work/r"
"$vspc" check "$build/samples/libvsp_reference.so" --report-dir "$work/r" --jobs 1 --runs 1000000 >/dev/null 2>&1
python3 - "$work/r/report.json" "$base" > "$work/ours.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); c = r["counts"]; t = r["seconds"] - float(sys.argv[2])
print(f"{c['fuzz_runs'] / t:.0f} {c['fuzz_calls'] / t:.0f}")
PY
read -r our_execs our_calls < "$work/ours.txt"
t0=$(now)
BARE_GUARD=1 BARE_MODULE="$build/samples/libvsp_reference.so" "$build/bench/bare_harness_plain" -seed=1 \
    -use_value_profile=1 -runs=1000000 >/dev/null 2>&1
bt=$(echo "$(now) - $t0" | bc -l)
bare_execs=$(echo "1000000 / $bt" | bc -l | xargs printf '%.0f')
bare_calls=$(echo "4000000 / $bt" | bc -l | xargs printf '%.0f')  # prepare, probe, save, release
echo "  vspconform coverage-guided stage: $our_execs execs/s, $our_calls module calls/s (contract jobs included)"
echo "  bare harness:                     $bare_execs execs/s, $bare_calls module calls/s"
echo "  ratio (vspconform / bare): execs $(echo "$our_execs / $bare_execs" | bc -l | xargs printf '%.2f'), calls $(echo "$our_calls / $bare_calls" | bc -l | xargs printf '%.2f')"

echo
rm -rf "$work/r"
t0=$(now)
"$vspc" check "$build/samples/libvsp_reference.so" --report-dir "$work/r" >/dev/null 2>&1
echo "check on the reference sample, default flags: $(echo "$(now) - $t0" | bc -l | xargs printf '%.2f') s wall"

#!/usr/bin/env bash
# A correct module's verdict under load: `vspconform check` with default flags on the reference
# sample (plain, coverage and ASan builds), RUNS times each, while BUSY busy loops (default: one
# per core) compete for the CPUs, as on a shared CI runner. Prints the verdicts per build; every
# run must be PASS (a hang that does not reproduce alone is a note, never a failure).
#
#   bench/stress_verdict.sh [BUILD_DIR] [RUNS] [BUSY] [FLAVOURS]
#   (default: build 20 $(nproc) "plain coverage asan")
set -u
build=$(cd "${1:-build}" && pwd)
runs=${2:-20}
busy=${3:-$(nproc)}
flavours=${4:-plain coverage asan}
vspc=$build/vspconform
work=$(mktemp -d)
pids=()
cleanup() {
    ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
for ((i = 0; i < busy; i++)); do
    (while :; do :; done) &
    pids+=($!)
done
echo "load: $busy busy loop(s) on $(nproc) core(s)"
status=0
for name in $flavours; do
    flavour=_$name
    [[ $name == plain ]] && flavour=""
    module=$build/samples/libvsp_reference$flavour.so
    [[ -f $module ]] || { echo "missing $module"; exit 2; }
    pass=0 other=()
    start=$(date +%s)
    for ((r = 1; r <= runs; r++)); do
        "$vspc" check "$module" --report-dir "$work/r" >"$work/out" 2>&1
        rc=$?
        if ((rc == 0)); then
            pass=$((pass + 1))
        else
            other+=("run $r: exit $rc: $(grep -E '^(FAIL|verdict|ERROR)' "$work/out" | head -2 | tr '\n' ' ')")
        fi
    done
    printf 'reference%-10s PASS %2d of %2d (%d s)\n' "$flavour" "$pass" "$runs" $(($(date +%s) - start))
    for o in "${other[@]}"; do echo "  $o"; done
    ((pass == runs)) || status=1
done
exit $status

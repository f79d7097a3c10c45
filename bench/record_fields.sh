#!/usr/bin/env bash
# Time to detect an old-layout restore bug (samples/defects/rp2_old_layout_nested_length.c: a
# version 1 reader that trusts a nested length; the module saves version 2): `vspconform check`
# with default flags, plain and coverage builds, against a bare libFuzzer harness of the restore
# callback alone (bench/bare_restore_harness.cpp) on the coverage build, median over seeds 1..N.
#
#   bench/record_fields.sh [BUILD_DIR] [SEEDS] [BARE_CAP_SECONDS]   (default: build 5 60)
#
# check's time to detect is the moment its first finding reached the supervisor (report.json:
# found_after_seconds), from the start of the run (module inspection, worker start-up and the
# sweep included); its total time is shown too. The bare harness's is its whole run, start-up
# included, until it stops at the over-read (a guard page after its input); 999 when it did not
# within BARE_CAP_SECONDS. The bare harness on the plain build (no coverage to guide it) is shown
# for reference.
set -u
build=$(cd "${1:-build}" && pwd)
seeds=${2:-5}
cap=${3:-60}
vspc=$build/vspconform
harness=$build/bench/bare_restore_harness
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"  # median, now, check_found, bare_stopped

bare_found() { bare_stopped "$harness" "$1" "$2" "$cap"; }  # module seed

plain=$build/samples/libvsp_rp2_old_layout_nested_length.so
coverage=$build/samples/libvsp_rp2_old_layout_nested_length_coverage.so
[[ -f $plain && -f $coverage && -x $harness ]] || { echo "build the samples and bare_restore_harness first"; exit 2; }

bare=()
for ((s = 1; s <= seeds; s++)); do bare+=("$(bare_found "$coverage" "$s")"); done
mb=$(printf '%s\n' "${bare[@]}" | median)
printf '%-34s %-44s %s\n' "" "found s (total s)" "ratio to the bare harness"
printf '%-34s %-44s\n' "bare restore harness, coverage" "median $mb [${bare[*]}]"
for module in "$plain" "$coverage"; do
    ours=() totals=()
    for ((s = 1; s <= seeds; s++)); do
        read -r found total < <(check_found "$module" "$s")
        ours+=("$found")
        totals+=("$total")
    done
    mo=$(printf '%s\n' "${ours[@]}" | median) mt=$(printf '%s\n' "${totals[@]}" | median)
    kind=plain
    [[ $module == "$coverage" ]] && kind=coverage
    printf '%-34s %-44s %s\n' "vspconform check, $kind" "median $mo ($mt) [${ours[*]}]" \
        "$(echo "$mo / $mb" | bc -l | xargs printf '%.2f')"
done
plain_bare=()
for ((s = 1; s <= seeds; s++)); do plain_bare+=("$(bare_found "$plain" "$s")"); done
printf '%-34s %-44s\n' "bare restore harness, plain" \
    "median $(printf '%s\n' "${plain_bare[@]}" | median) [${plain_bare[*]}]"

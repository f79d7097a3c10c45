#!/usr/bin/env bash
# Time to detect an overrun gated by a comparison routine (issue 17): an 8-byte signature compared
# with memcmp (restore), a 6-character tag compared with strcmp (save) and a GUID compared with
# IsEqualGUID/RtlCompareMemory (restore). `vspconform check` with default flags on the plain and
# coverage builds, against a bare libFuzzer harness of the callback the bug is in, on the coverage
# build (bench/bare_harness.cpp with BARE_GUARD=1 for the save, bench/bare_restore_harness.cpp for
# the restore), median over seeds 1..N, side by side in one run.
#
#   bench/compare_gated.sh [BUILD_DIR] [SEEDS] [BARE_CAP_SECONDS]   (default: build 5 60)
#
# check's time is the moment its first finding reached the supervisor (report.json:
# found_after_seconds) from the start of the run; its total time is in parentheses. The bare
# harness's is its whole run, start-up included, until it stopped at the overrun (999: not within
# BARE_CAP_SECONDS). The ratio is check's (coverage build) over the bare harness's.
set -u
build=$(cd "${1:-build}" && pwd)
seeds=${2:-5}
cap=${3:-60}
vspc=$build/vspconform
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"  # median, now, check_found, bare_stopped

row() {  # label values...
    local label=$1
    shift
    printf '%-44s median %-8s [%s]\n' "$label" "$(printf '%s\n' "$@" | median)" "$*"
}

printf '%s\n' "seconds to the first finding, seeds 1..$seeds"
for entry in rare_signature_restore_overrun:restore rare_tag_save_overrun:save rare_guid_restore_overrun:restore; do
    sample=${entry%%:*} side=${entry##*:}
    plain=$build/samples/libvsp_$sample.so coverage=$build/samples/libvsp_${sample}_coverage.so
    harness=$build/bench/bare_restore_harness env_args=()
    [[ $side == save ]] && harness=$build/bench/bare_harness_plain env_args=(BARE_GUARD=1)
    [[ -f $plain && -f $coverage && -x $harness ]] || { echo "missing $plain, $coverage or $harness"; exit 2; }
    bare=() ours_plain=() ours_cov=() totals=()
    for ((s = 1; s <= seeds; s++)); do
        bare+=("$(bare_stopped "$harness" "$coverage" "$s" "$cap" "${env_args[@]}")")
        read -r found total < <(check_found "$plain" "$s")
        ours_plain+=("$found")
        read -r found total < <(check_found "$coverage" "$s")
        ours_cov+=("$found")
        totals+=("$total")
    done
    echo "$sample ($side):"
    row "  bare libFuzzer harness, coverage build" "${bare[@]}"
    row "  vspconform check, plain build" "${ours_plain[@]}"
    row "  vspconform check, coverage build" "${ours_cov[@]}"
    row "  vspconform check, coverage build, total" "${totals[@]}"
    mb=$(printf '%s\n' "${bare[@]}" | median) mo=$(printf '%s\n' "${ours_cov[@]}" | median)
    echo "  ratio check/bare (coverage build): $(echo "$mo / $mb" | bc -l | xargs printf '%.2f')"
done

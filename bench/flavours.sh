#!/usr/bin/env bash
# Default `vspconform check` wall time per flavour (plain, coverage, ASan) on the reference and on
# two driver-style samples (examples/serial-vsp and the fixed old-layout restore,
# samples/defects/rp2_old_layout_nested_length.c -DOLN_V1_CHECKS_LENGTH), seeds 1..N, each seed's
# three flavours run one after the other (side by side, so a noisy hour affects all alike).
#
#   bench/flavours.sh [BUILD_DIR] [SEEDS]   (default: build 5)
#   VSPC=/path/to/an/older/vspconform bench/flavours.sh   (the same modules, another tester)
#
# Prints per module and flavour: the median wall time, its ratio to the plain build's, the walls,
# the CPU time (user + system, all seeds), the verdicts and the cases run. The issue's targets:
# coverage within 2x plain, ASan within 4x plain.
set -u
build=$(cd "${1:-build}" && pwd)
seeds=${2:-5}
vspc=${VSPC:-$build/vspconform}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A modules=(
    [reference]="samples/libvsp_reference.so samples/libvsp_reference_coverage.so samples/libvsp_reference_asan.so"
    [driver_serial]="samples/libvsp_driver_serial.so bench/libvsp_driver_serial_coverage.so bench/libvsp_driver_serial_asan.so"
    [old_layout_nested_length]="samples/libvsp_old_layout_nested_length.so bench/libvsp_old_layout_nested_length_coverage.so bench/libvsp_old_layout_nested_length_asan.so"
)
for name in reference driver_serial old_layout_nested_length; do
    for f in ${modules[$name]}; do
        [[ -f $build/$f ]] || { echo "missing $build/$f: build the samples and bench targets first"; exit 2; }
    done
done

for name in reference driver_serial old_layout_nested_length; do
    for ((s = 1; s <= seeds; s++)); do
        for f in ${modules[$name]}; do
            flavour=plain
            [[ $f == *_coverage.so ]] && flavour=coverage
            [[ $f == *_asan.so ]] && flavour=asan
            rm -rf "$work/r"
            /usr/bin/time -f "%e %U %S" -o "$work/time" "$vspc" check "$build/$f" --seed "$s" \
                --report-dir "$work/r" >/dev/null 2>&1
            echo "$name $flavour $s $(cat "$work/time") $(python3 -c "import json,sys
d = json.load(open(sys.argv[1])); print(d['verdict'], d['counts']['cases'])" "$work/r/report.json")"
        done
    done
done >"$work/runs"

python3 - "$work/runs" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, flavour, seed, wall, user, system, verdict, cases = line.split()
    runs[name, flavour].append((float(wall), float(user) + float(system), verdict, cases))
print(f"{'module':26} {'flavour':9} {'median s':>8} {'ratio':>6}  walls | CPU s (all seeds) | verdicts | cases")
for (name, flavour), rows in runs.items():
    median = statistics.median(r[0] for r in rows)
    plain = statistics.median(r[0] for r in runs[name, "plain"])
    print(f"{name:26} {flavour:9} {median:8.2f} {median / plain:5.2f}x  "
          f"{' '.join(f'{r[0]:.2f}' for r in rows)} | {sum(r[1] for r in rows):.1f} | "
          f"{','.join(r[2] for r in rows)} | {' '.join(r[3] for r in rows)}")
PY

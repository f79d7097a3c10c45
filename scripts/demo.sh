#!/usr/bin/env bash
# Quick start, part 1: installs what is missing, builds vspconform, checks the bundled reference
# VSP (samples/storage/) and then a sample with a planted SP5 overrun, to show a pass and a failure.
# Exit 0 when the reference passes and the defect is caught. Run as root on a fresh Debian 12
# (root is needed only to install packages), from any directory: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n== %s\n' "$*"; }
quietly() {  # run a build step with its output in a log; show the log's end only if it fails
    local log=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "demo: '$*' failed; the full log is $log" >&2
        exit 1
    fi
}

step "1/4 dependencies (scripts/install-deps.sh)"
scripts/install-deps.sh

step "2/4 build (cmake --preset ci && cmake --build --preset ci)"
mkdir -p build
quietly build/demo-configure.log cmake --preset ci
start=$SECONDS
quietly build/demo-build.log cmake --build --preset ci
echo "built build/vspconform and the sample modules in build/samples/ ($((SECONDS - start)) s)"

step "3/4 check the reference VSP: build/vspconform check build/samples/libvsp_reference.so"
rm -rf build/demo-report build/demo-report-sp5
ref=0
build/vspconform check build/samples/libvsp_reference.so --report-dir build/demo-report || ref=$?

step "4/4 check a defective VSP (samples/defects/sp5_nul_past_end.c writes a NUL one byte past SaveBuf)"
sp5=0
build/vspconform check build/samples/libvsp_sp5_nul_past_end.so --report-dir build/demo-report-sp5 || sp5=$?

echo
if ((ref == 0)); then
    echo "reference VSP: PASS (exit 0); report: $root/build/demo-report/report.md (and .html, .json, junit.xml, results.sarif)"
else
    echo "reference VSP: exit $ref, expected 0 (pass); see $root/build/demo-report/report.md"
fi
if ((sp5 == 1)); then
    echo "defective VSP: FAIL as expected (exit 1); report: $root/build/demo-report-sp5/report.md"
else
    echo "defective VSP: exit $sp5, expected 1 (violations found); see $root/build/demo-report-sp5/report.md"
fi
if ((ref == 0 && sp5 == 1)); then
    echo "demo: OK. Next: scripts/test.sh runs every test; README.md and docs/guide.md explain the rest."
    exit 0
fi
echo "demo: FAILED" >&2
exit 1

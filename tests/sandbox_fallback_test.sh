#!/usr/bin/env bash
# On a host that refuses namespaces (tests/no_namespaces.c), check still runs, with what is left
# (seccomp, no_new_privs, the limits), says which protections were unavailable, and a module that
# kills its parent (the supervisor itself, without a PID namespace) is stopped by the filter.
# Usage: sandbox_fallback_test.sh NO_NAMESPACES VSPCONFORM REFERENCE KILL_PARENT
set -uo pipefail
nons=$1 vspc=$2 reference=$3 killer=$4
work=$(mktemp -d /tmp/vspc-sbx-fallback-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
for module in "$reference" "$killer"; do
    rm -rf "$work/r"
    timeout -s KILL 120 setsid "$nons" "$vspc" check "$module" --report-dir "$work/r" --runs 20000 --jobs 2 \
        --max-time 60 >"$work/out" 2>"$work/err"
    rc=$?
    sed 's/^/  | /' "$work/out"
    [[ $rc == 0 ]] || { sed 's/^/  ! /' "$work/err"; fail "$(basename "$module"): exit code $rc, expected 0"; }
    line=$(grep '^sandbox  ' "$work/out") || fail "no sandbox line"
    [[ $line == "sandbox  seccomp; no_new_privs; rlimits as,fsize,cpu"*" (unavailable: pid namespace, mount namespace, network namespace, read-only file system"* ]] ||
        fail "unexpected sandbox line: $line"
    python3 - "$work/r/report.json" <<'PY' || fail "report.json does not say what was unavailable"
import json, sys
s = json.load(open(sys.argv[1]))["sandbox"]
assert s["seccomp"] and not any(s["namespaces"].values()), s
assert "pid namespace" in s["unavailable"] and "read-only file system" in s["unavailable"], s
PY
done
echo "ok: without namespaces the run goes on, and says so"

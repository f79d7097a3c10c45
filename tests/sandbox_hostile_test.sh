#!/usr/bin/env bash
# One hostile module of the sandbox (samples/hostile/sandbox_*.c) against `vspconform check`:
# its defined outcome (exit code, the exact set of failing rules), in bounded time, with the
# reports intact after the tool exited, nothing written outside the worker's scratch directory,
# and no process of the module left behind.
# Usage: sandbox_hostile_test.sh VSPCONFORM HOSTILE_DIR NAME
# The tool runs under `timeout -s KILL 120 setsid`: should the sandbox fail, the module's signals
# and processes stay away from this shell and from ctest.
set -uo pipefail
vspc=$1 dir=$2 name=$3
module="$dir/libvsp_sandbox_$name.so"
work=$(mktemp -d /tmp/vspc-sbx-test-XXXXXX)
trap 'rm -rf "$work" "/tmp/vspc-sbx-escaped-${work##*/}"' EXIT
fail() {
    echo "FAIL sandbox_$name: $*" >&2
    exit 1
}

exit_want=0 rules_want="" text_want="" max_s=40 max_time=60 args=() leftover="" settle=0 loads=yes
case $name in
# A driver cannot start processes: the fork is trapped (a sandbox violation, SP11), and nothing is left.
# No worker gets as far as the loaded message, so no report can vouch for the sandbox it had.
system_sleep) exit_want=1 rules_want="SP11" text_want="sandbox violation" leftover="sleep 25.0417" loads=no ;;
daemon_rewrite) exit_want=1 rules_want="SP11" text_want="sandbox violation" leftover="vspc-sbx-daemon" settle=2 loads=no ;;
fork_sleepers) exit_want=1 rules_want="SP11" text_want="sandbox violation" leftover="vspc-sbx-sleep" loads=no ;;
kill_parent | stop_parent) ;;
kill_group) exit_want=1 rules_want="SP11" ;;
write_outside) ;;
# Every state it saves kills its worker (the sweep restarts it each time): the time cap decides.
unbounded_alloc) exit_want=1 rules_want="SP11" args=(--memory-limit-mb 256) max_time=6 max_s=25 ;;
# The mprotect of the guard page is trapped where it happens: a sandbox violation.
unguard) exit_want=1 rules_want="SP11" text_want="sandbox violation: the module called mprotect" ;;
*) fail "unknown hostile module" ;;
esac

report="$work/report"
mkdir -p "$work/victim-dir"
echo keep >"$work/victim"
export VSPC_HOSTILE_REPORT_DIR="$report" VSPC_HOSTILE_DIR="$work/victim-dir" VSPC_HOSTILE_VICTIM="$work/victim"
start=$(date +%s)
timeout -s KILL 120 setsid "$vspc" check "$module" --report-dir "$report" --runs 20000 --jobs 2 --max-time "$max_time" \
    "${args[@]}" >"$work/out" 2>"$work/err"
rc=$?
took=$(($(date +%s) - start))
sed 's/^/  | /' "$work/out"
[[ $rc == "$exit_want" ]] || { sed 's/^/  ! /' "$work/err"; fail "exit code $rc, expected $exit_want"; }
((took <= max_s)) || fail "took ${took} s (at most ${max_s} s)"
[[ $loads == no ]] || grep -q '^sandbox  pid,mount,net namespaces; seccomp' "$work/out" ||
    fail "the sandbox line is missing or weaker"

# The reports, once whatever the module left behind had its chance to rewrite them.
((settle > 0)) && sleep "$settle"
python3 - "$report" "$rules_want" "$text_want" "$loads" <<'EOF' || fail "the reports are not intact"
import json, sys
report, want, text, loads = sys.argv[1], sorted(sys.argv[2].split()), sys.argv[3], sys.argv[4] == "yes"
d = json.load(open(f"{report}/report.json"))
got = sorted({v["rule"] for v in d["violations"]})
assert got == want, f"failing rules {got}, expected {want}"
assert all(text in v["message"] for v in d["violations"]), [v["message"] for v in d["violations"]]
assert d["verdict"] == ("pass" if not want else "fail"), d["verdict"]
assert not loads or (d["sandbox"]["seccomp"] and d["sandbox"]["namespaces"]["pid"]), d["sandbox"]
assert "forged" not in open(f"{report}/report.md").read()
assert "<testsuite " in open(f"{report}/junit.xml").read()
json.load(open(f"{report}/results.sarif"))
EOF

# Nothing written outside the scratch directory, nothing forged into the output. A host that
# refuses the read-only remount (some chroots and containers) must say so in the report, and then
# the module's writes are not held against the sandbox.
read_only=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); s = d["sandbox"]
print("yes" if s["read_only_fs"] else "no" if "read-only file system" in " ".join(s["unavailable"]) else "?")' \
    "$report/report.json")
[[ $read_only != "?" ]] || fail "the report neither has a read-only file system nor says it was unavailable"
if [[ $read_only == yes ]]; then
    [[ ! -e "$work/victim-dir/escaped" ]] || fail "the module created a file in a directory of the user"
    [[ ! -e "/tmp/vspc-sbx-escaped-${work##*/}" ]] || fail "the module created a file in /tmp"
    [[ $(cat "$work/victim") == keep ]] || fail "the module truncated a file of the user"
else
    echo "note: this host refused the read-only file system (the report says so): writes outside not checked"
fi
! grep -q forged "$work/out" || fail "the module wrote into the tool's output"

# No process of the module left.
if [[ -n $leftover ]]; then
    if [[ $leftover == *" "* ]]; then left=$(pgrep -f -- "$leftover" || true); else left=$(pgrep -x -- "$leftover" || true); fi
    [[ -z $left ]] || fail "processes left behind: $(echo $left)"
fi
echo "ok sandbox_$name: exit $rc, rules [${rules_want}], ${took} s"

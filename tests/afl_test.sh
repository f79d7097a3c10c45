#!/usr/bin/env bash
# The fuzz target under AFL++: afl-fuzz runs vspconform_fuzzer_afl (built by afl-clang-fast++,
# fuzz/CMakeLists.txt) on an AFL-instrumented module with a planted defect, from the sweep's seeds,
# for a few seconds; it must execute inputs, see the module's edges, save a crash, and that crash
# file must replay with `vspconform replay` (on the plain build of the same source) to RULE.
# With DICT, afl-fuzz also loads the case format's dictionary (-x) and must take every token.
# Usage: afl_test.sh VSPCONFORM AFL_FUZZER AFL_MODULE PLAIN_MODULE RULE [DICT [SECONDS]]
#        afl_test.sh --missing   (configure found no afl-clang-fast++: skip, exit 77)
set -euo pipefail
if [[ ${1:-} == --missing ]]; then
    echo "SKIP: afl-clang-fast++ was not found when this build was configured (Debian: apt-get install afl++," \
         "or scripts/install-deps.sh --test; then re-run cmake)"
    exit 77
fi
if (($# < 5)); then
    echo "afl_test.sh: usage: afl_test.sh VSPCONFORM AFL_FUZZER AFL_MODULE PLAIN_MODULE RULE [DICT [SECONDS]]" >&2
    exit 2
fi
vspconform=$1 fuzzer=$2 afl_module=$3 plain_module=$4 rule=$5 dict=${6:-} seconds=${7:-8}
command -v afl-fuzz >/dev/null || { echo "FAIL: afl-fuzz is not on PATH (the target was built, afl++ removed?)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$vspconform" seeds "$dir/in" >/dev/null

# afl-fuzz refuses to start on a system whose core_pattern pipes cores to a program, and on a
# loaded CPU set it may find no free core: the variables below are the documented ways around
# both for a short run (AFL_NO_AFFINITY: the other tests run beside this one).
status=0 dict_args=()
[[ -n $dict ]] && dict_args=(-x "$dict")
VSPCONFORM_MODULE=$afl_module AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=20000 \
    timeout -k 5 $((seconds + 60)) afl-fuzz -i "$dir/in" -o "$dir/out" "${dict_args[@]}" -V "$seconds" -- "$fuzzer" \
    >"$dir/afl.log" 2>&1 || status=$?
stats=$dir/out/default/fuzzer_stats
if ((status != 0)) || [[ ! -f $stats ]]; then
    echo "FAIL: afl-fuzz exited with $status:"
    grep -v 'Fuzzing test case' "$dir/afl.log" | tail -25
    exit 1
fi
if [[ -n $dict ]]; then
    entries=$(grep -c '^[a-z0-9_]*="' "$dict")
    grep -q "Loaded $entries extra tokens" "$dir/afl.log" ||
        fail_dict=$(grep -m1 -iE 'extra tokens|dictionary' "$dir/afl.log" || echo "no dictionary line")
    [[ -z ${fail_dict:-} ]] || { echo "FAIL: afl-fuzz did not load the $entries tokens of $dict: $fail_dict"; exit 1; }
fi
field() { sed -n "s/^$1 *: *//p" "$stats"; }
execs=$(field execs_done) edges=$(field edges_found) total=$(field total_edges) crashes=$(field saved_crashes)
echo "afl-fuzz: execs_done $execs, $(field execs_per_sec) execs/s, edges $edges of $total, crashes $crashes"
((execs > 0)) || { echo "FAIL: afl-fuzz executed no input"; exit 1; }
# The fuzz target's own file has 57 edges (clang 14; 59 in all with a module afl-clang-fast did not
# build): more means the module's edges reached afl-fuzz.
((total > 60 && edges > 0)) || { echo "FAIL: the module's coverage did not reach afl-fuzz ($edges of $total edges)"; exit 1; }
((crashes > 0)) || { echo "FAIL: afl-fuzz found no crash in $seconds s on a module that breaks $rule"; exit 1; }

crash=$(find "$dir/out/default/crashes" -name 'id:*' | sort | head -1)
rc=0
"$vspconform" replay "$plain_module" "$crash" --fuzzer-input >"$dir/replay.log" 2>&1 || rc=$?
if ((rc != 1)) || ! grep -q "=> $rule " "$dir/replay.log"; then
    echo "FAIL: replay of AFL++'s crash ${crash##*/} gave exit $rc, not $rule:"
    tail -20 "$dir/replay.log"
    exit 1
fi
echo "PASS: afl-fuzz ran the fuzz target ($execs execs), found a crash, and it replays as $rule"

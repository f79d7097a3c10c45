# Helpers the time-to-detect benchmarks share (bench/state_gated.sh, bench/record_fields.sh,
# bench/compare_gated.sh):
# source it after setting $vspc (the vspconform binary) and $work (a scratch directory).

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

check_found() {  # module seed -> "found_after total" (found_after 999 when not found)
    rm -rf "$work/r"
    "$vspc" check "$1" --seed "$2" --report-dir "$work/r" >/dev/null 2>&1
    python3 - "$work/r/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = [v["found_after_seconds"] for v in r["violations"] if v.get("found_after_seconds") is not None]
print(f"{min(t) if t else 999:.3f} {r['seconds']:.3f}")
PY
}

bare_stopped() {  # harness module seed cap [VAR=value...] -> seconds until the bare libFuzzer
    # harness stopped at the overrun, start-up included (999: it did not within cap seconds)
    local harness=$1 module=$2 seed=$3 cap=$4 t0 t1 rc
    shift 4
    t0=$(now)
    env "$@" BARE_MODULE="$module" "$harness" -seed="$seed" -use_value_profile=1 -max_total_time="$cap" \
        -artifact_prefix="$work/" >/dev/null 2>&1
    rc=$?
    t1=$(now)
    if ((rc == 0)); then echo 999; else echo "$t1 - $t0" | bc -l | xargs printf '%.3f\n'; fi
}

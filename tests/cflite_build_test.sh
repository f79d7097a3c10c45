#!/usr/bin/env bash
# .clusterfuzzlite/ and examples/clusterfuzzlite/ as documented (project.yaml, Dockerfile, the two
# workflows' actions, modes and SARIF upload), then the ClusterFuzzLite build as the builder image runs it: $SRC/build.sh (a copy of
# .clusterfuzzlite/build.sh) in the WORKDIR $SRC/vspconform, with only the variables OSS-Fuzz sets
# for an ASan + libFuzzer job. Then the $OUT layout (target, module, seed corpus zip of case files,
# .options, .dict, lib/), the target run from $OUT with no environment at all for a few hundred
# runs, the same build with a prebuilt defective module (VSPCONFORM_MODULE) stopping on its rule,
# and a bad VSPCONFORM_SAMPLE refused with exit 2.
# Usage: cflite_build_test.sh SOURCE_DIR WORK VSPCONFORM DEFECT_MODULE RULE
#   WORK is kept between runs (an incremental rebuild); everything else is temporary.
set -euo pipefail
if (($# != 5)); then
    echo "cflite_build_test.sh: usage: cflite_build_test.sh SOURCE_DIR WORK VSPCONFORM DEFECT_MODULE RULE" >&2
    exit 2
fi
source_dir=$(cd "$1" && pwd) work=$2 vspconform=$3 defect=$4 rule=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

# The files ClusterFuzzLite reads, and the example workflows, say what the guide says they say.
python3 - "$source_dir" <<'EOF' || fail "the ClusterFuzzLite files or workflows are not as documented (above)"
import re, sys
root = sys.argv[1]
def read(path): return open(f"{root}/{path}").read()
errors = []
if not re.search(r"^language: c\+\+$", read(".clusterfuzzlite/project.yaml"), re.M):
    errors.append("project.yaml: no 'language: c++'")
docker = read(".clusterfuzzlite/Dockerfile")
for line in ("FROM gcr.io/oss-fuzz-base/base-builder", "COPY . $SRC/vspconform", "WORKDIR $SRC/vspconform",
             "COPY .clusterfuzzlite/build.sh $SRC/"):
    if not re.search(rf"^{re.escape(line)}$", docker, re.M):
        errors.append(f"Dockerfile: no line '{line}'")
try:
    import yaml
except ImportError:
    yaml = None
for name, mode in (("cflite_pr.yml", "code-change"), ("cflite_batch.yml", "batch")):
    text = read(f"examples/clusterfuzzlite/{name}")
    steps = []
    if yaml:
        doc = yaml.safe_load(text)
        steps = [s for job in doc["jobs"].values() for s in job["steps"]]
    else:
        print(f"note: python3-yaml is missing, {name} is checked by text only")
    uses = [s.get("uses", "") for s in steps] if yaml else re.findall(r"uses: (\S+)", text)
    for action in ("google/clusterfuzzlite/actions/build_fuzzers@v1", "google/clusterfuzzlite/actions/run_fuzzers@v1"):
        if action not in uses:
            errors.append(f"{name}: no step uses {action}")
    if not re.search(rf"^\s+mode: {mode}$", text, re.M):
        errors.append(f"{name}: run_fuzzers is not in mode {mode}")
    if mode == "batch":
        if not re.search(r"^\s+output-sarif: true$", text, re.M):
            errors.append(f"{name}: no output-sarif: true")
        upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")] if yaml else [1]
        if not upload or "sarif_file: cifuzz-sarif/results.sarif" not in text:
            errors.append(f"{name}: no upload-sarif step of cifuzz-sarif/results.sarif")
for e in errors: print(e)
sys.exit(1 if errors else 0)
EOF
# $SRC as the Dockerfile lays it out: the checkout in $SRC/vspconform, the entry point in $SRC/build.sh.
# It stays at one path between runs (beside $WORK), so the CMake build in $WORK stays incremental.
src=$work/src
mkdir -p "$work" "$src" "$tmp/out"
ln -sfn "$source_dir" "$src/vspconform"
cp "$source_dir/.clusterfuzzlite/build.sh" "$src/build.sh"

# What OSS-Fuzz's compile sets for SANITIZER=address FUZZING_ENGINE=libfuzzer (less -stdlib=libc++,
# which Debian's clang has no library for).
flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
flags+=" -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
oss_fuzz_env=(PATH=/usr/local/bin:/usr/bin:/bin HOME="$tmp" SRC="$src" WORK="$work" OUT="$tmp/out"
    CC=clang CXX=clang++ CFLAGS="$flags" CXXFLAGS="$flags" LIB_FUZZING_ENGINE=-fsanitize=fuzzer
    SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64)
start=$SECONDS
(cd "$src/vspconform" && env -i "${oss_fuzz_env[@]}" bash -eu "$src/build.sh") >"$tmp/build.log" 2>&1 || {
    tail -30 "$tmp/build.log"
    fail "\$SRC/build.sh failed"
}
echo "build.sh: $((SECONDS - start)) s ($(tail -1 "$tmp/build.log"))"

# The $OUT layout.
out=$tmp/out
[[ -x $out/vspconform_fuzzer ]] || fail "\$OUT/vspconform_fuzzer is missing or not executable"
[[ -f $out/vspconform_module.so ]] || fail "\$OUT/vspconform_module.so is missing"
grep -qa __asan_ "$out/vspconform_module.so" || fail "the module was not built with \$CFLAGS (no ASan in it)"
python3 -m zipfile -e "$out/vspconform_fuzzer_seed_corpus.zip" "$tmp/seeds" || fail "the seed corpus zip does not unpack"
"$vspconform" seeds "$tmp/expected-seeds" >/dev/null
cases=$(find "$tmp/seeds" -name '*.case' | wc -l) expected=$(find "$tmp/expected-seeds" -type f | wc -l)
((cases == expected && cases > 0)) || fail "the seed corpus zip holds $cases case files, not the sweep's $expected"
diff -r "$tmp/seeds" "$tmp/expected-seeds" >/dev/null || fail "the seed corpus differs from \`vspconform seeds\`"
grep -qx '\[libfuzzer\]' "$out/vspconform_fuzzer.options" || fail "no [libfuzzer] section in the .options file"
grep -qx 'dict = vspconform_fuzzer.dict' "$out/vspconform_fuzzer.options" || fail "the .options file names no dict"
cmp -s "$out/vspconform_fuzzer.dict" "$source_dir/corpus/vspconform.dict" || fail "\$OUT's .dict is not corpus/vspconform.dict"
# (ldd's output in a variable: `ldd | grep -q` under pipefail fails when grep exits first and ldd
# gets a SIGPIPE, which happened once under load.)
libs=$(env -i ldd "$out/vspconform_fuzzer")
if grep -q 'not found' <<<"$libs"; then fail "the target misses libraries"; fi
grep -q "$out/lib/libfmt" <<<"$libs" || fail "the target does not find libfmt in \$OUT/lib"
echo "\$OUT: $(cd "$out" && echo *) (lib/: $(cd "$out/lib" && echo *)); $cases seed cases"

# The target from $OUT with no environment: it finds the module beside itself.
mkdir "$tmp/run"
(cd "$tmp/run" && env -i "$out/vspconform_fuzzer" -runs=300 -seed=1 -dict="$out/vspconform_fuzzer.dict" \
    "$tmp/seeds") >"$tmp/run.log" 2>&1 || {
    tail -20 "$tmp/run.log"
    fail "the target failed on the reference module"
}
grep -q '^Done 300 runs' "$tmp/run.log" || fail "the target did not do 300 runs: $(tail -1 "$tmp/run.log")"
grep -q 'INFO: Loaded 2 modules' "$tmp/run.log" || fail "libFuzzer did not see the module's coverage: $(grep -m1 Loaded "$tmp/run.log")"
echo "target: $(grep -m1 'INFO: Loaded 2 modules' "$tmp/run.log" | cut -c1-60)...; $(grep '^Done' "$tmp/run.log")"

# A prebuilt module instead of a sample (the build is up to date: only $OUT is written again).
mkdir "$tmp/out2" "$tmp/run2"
env -i "${oss_fuzz_env[@]}" OUT="$tmp/out2" VSPCONFORM_MODULE="$defect" bash -eu "$src/build.sh" >"$tmp/build2.log" 2>&1 ||
    fail "build.sh with VSPCONFORM_MODULE failed: $(tail -3 "$tmp/build2.log")"
cmp -s "$tmp/out2/vspconform_module.so" "$defect" || fail "VSPCONFORM_MODULE was not installed as the module"
if (cd "$tmp/run2" && env -i "$tmp/out2/vspconform_fuzzer" -runs=20000 -seed=1 "$tmp/seeds") >"$tmp/run2.log" 2>&1; then
    fail "the target did not stop on a module that breaks $rule"
fi
grep -q "vspconform: $rule " "$tmp/run2.log" || fail "the target stopped, but not on $rule: $(grep -m1 -E 'vspconform|ERROR' "$tmp/run2.log")"
crash=$(find "$tmp/run2" -name 'crash-*' | head -1)
[[ -n $crash ]] || fail "no crash file written in the working directory"
rc=0
"$vspconform" replay "$defect" "$crash" --fuzzer-input >"$tmp/replay.log" 2>&1 || rc=$?
((rc == 1)) && grep -q "=> $rule " "$tmp/replay.log" || fail "the crash file replays with exit $rc, not as $rule"

# Bad input: one line, exit 2.
for bad in VSPCONFORM_SAMPLE=../x VSPCONFORM_SAMPLE=no_such_sample VSPCONFORM_MODULE=/nonexistent.so; do
    rc=0
    env -i "${oss_fuzz_env[@]}" "$bad" bash -eu "$src/build.sh" >"$tmp/bad.log" 2>&1 || rc=$?
    ((rc == 2)) && (($(wc -l <"$tmp/bad.log") == 1)) || fail "$bad gave exit $rc: $(cat "$tmp/bad.log")"
done
echo "PASS: the ClusterFuzzLite build script produces the \$OUT layout; the target runs from \$OUT with no" \
    "environment; a prebuilt module stops on $rule and its crash replays"

#!/usr/bin/env bash
# The standalone fuzz target: quiet on a conformant module, and on a defective
# one it stops with the rule on stderr and an artifact that `vspconform replay`
# reproduces. Usage: fuzz_target_test.sh VSPCONFORM FUZZER GOOD_MODULE BAD_MODULE RULE
set -u
vspconform=$1 fuzzer=$2 good=$3 bad=$4 rule=$5
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$vspconform" seeds "$dir/seeds" >/dev/null || { echo "FAIL: seeds"; exit 1; }

cp -r "$dir/seeds" "$dir/good"
if ! VSPCONFORM_MODULE=$good "$fuzzer" "$dir/good" -runs=3000 -seed=1 >"$dir/good.log" 2>&1; then
  echo "FAIL: the fuzz target stopped on a conformant module:"; tail -20 "$dir/good.log"; exit 1
fi

mkdir -p "$dir/art"
cp -r "$dir/seeds" "$dir/bad"
if VSPCONFORM_MODULE=$bad "$fuzzer" "$dir/bad" -runs=20000 -seed=1 -artifact_prefix="$dir/art/" >"$dir/bad.log" 2>&1; then
  echo "FAIL: the fuzz target did not stop on a module that breaks $rule"; exit 1
fi
grep -q "vspconform: $rule " "$dir/bad.log" || { echo "FAIL: $rule not named:"; tail -20 "$dir/bad.log"; exit 1; }
artifact=$(ls "$dir"/art/crash-* 2>/dev/null | head -1)
[[ -n $artifact ]] || { echo "FAIL: no artifact written"; exit 1; }
"$vspconform" replay "$bad" "$artifact" --fuzzer-input >"$dir/replay.log" 2>&1
rc=$?
[[ $rc == 1 ]] && grep -q "=> $rule " "$dir/replay.log" || { echo "FAIL: replay gave $rc:"; cat "$dir/replay.log"; exit 1; }
echo "PASS: fuzz target quiet on the good module; found $rule on the bad one; replay reproduces it"

#!/usr/bin/env bash
# ClusterFuzzLite / OSS-Fuzz style build of the vspconform fuzz target.
#
# Produces in $OUT:
#   vspconform_fuzzer                       the engine as a libFuzzer target
#   vspconform_module.so                    the VSP module it loads ($VSPCONFORM_MODULE,
#                                           or the bundled reference sample)
#   vspconform_fuzzer_seed_corpus.zip       the deterministic sweep's cases
#   vspconform_fuzzer.options               libFuzzer options
# Honours $CC, $CXX, $CFLAGS, $CXXFLAGS (e.g. a sanitizer build) and $WORK.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$src/build/fuzz-out}
work=${WORK:-$src/build}/fuzz-build

cmake -S "$src" -B "$work" -G Ninja -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_CXX_COMPILER="${CXX:-clang++}" \
  -DVSPC_BUILD_TESTS=OFF -DVSPC_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$work" --target vspconform vspconform_fuzzer sample_reference >/dev/null

mkdir -p "$out"
cp "$work/vspconform_fuzzer" "$out/"
cp "${VSPCONFORM_MODULE:-$work/samples/libvsp_reference.so}" "$out/vspconform_module.so"
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
"$work/vspconform" seeds "$seeds/corpus" >/dev/null
(cd "$seeds/corpus" && cmake -E tar cf "$out/vspconform_fuzzer_seed_corpus.zip" --format=zip -- *.case)
printf '[libfuzzer]\nmax_len = 1024\n' >"$out/vspconform_fuzzer.options"
echo "fuzz/build.sh: $out/vspconform_fuzzer ready (module: $(basename "${VSPCONFORM_MODULE:-reference sample}"))"

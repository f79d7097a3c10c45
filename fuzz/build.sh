#!/usr/bin/env bash
# The one build script of the fuzz target in the OSS-Fuzz / ClusterFuzzLite $OUT layout:
# .clusterfuzzlite/build.sh runs it inside the builder image, and it runs the same on any machine.
#
# Reads the variables OSS-Fuzz sets (all optional here; the defaults build a libFuzzer target):
#   CC CXX              compilers (clang, clang++; afl-clang-fast, afl-clang-fast++ for AFL++, whose
#                       LIB_FUZZING_ENGINE is -fsanitize=fuzzer or libAFLDriver.a)
#   CFLAGS CXXFLAGS     sanitizer and coverage flags for all code, e.g. -fsanitize=address
#                       -fsanitize=fuzzer-no-link (the engine gets no coverage instrumentation:
#                       the fuzzer follows the module's coverage only, see docs/design.md)
#   LIB_FUZZING_ENGINE  what links the target with its engine (default -fsanitize=fuzzer)
#   OUT                 where the target goes (default build/fuzz-out)
#   WORK                scratch space for the CMake build (default build/)
# and what the module is:
#   VSPCONFORM_MODULE   a module already built (with $CC $CFLAGS -shared -fPIC against
#                       include/kmcl), or else
#   VSPCONFORM_SAMPLE   a bundled sample built here with $CC $CFLAGS (default: reference)
#
# Produces in $OUT:
#   vspconform_fuzzer                   the engine as a fuzz target (finds the module beside it)
#   vspconform_module.so                the VSP module it loads
#   vspconform_fuzzer_seed_corpus.zip   the deterministic sweep's cases (as vspconform seeds)
#   vspconform_fuzzer.options           libFuzzer options (max_len, dict)
#   vspconform_fuzzer.dict              tokens of the case format (corpus/vspconform.dict)
#   lib/                                the shared libraries the target needs that a runner image
#                                       lacks (libfmt, libcrypto), found through RUNPATH $ORIGIN/lib
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd -P)
out=${OUT:-$src/build/fuzz-out}
work=${WORK:-$src/build}/vspconform-fuzz-build
sample=${VSPCONFORM_SAMPLE:-reference}
engine=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}
die() {
    echo "fuzz/build.sh: error: $*" >&2
    exit 2
}
[[ $sample =~ ^[a-z0-9_]+$ ]] || die "VSPCONFORM_SAMPLE must be a sample name such as reference, not '$sample'"
if [[ -z ${VSPCONFORM_MODULE:-} ]] && ! grep -qE "(NAME |vspc_defect\()$sample( |\))" "$src/samples/CMakeLists.txt"; then
    die "VSPCONFORM_SAMPLE=$sample is not a sample of samples/CMakeLists.txt (e.g. reference, sp9_reserved_not_written)"
fi
if [[ -n ${VSPCONFORM_MODULE:-} && ! -f $VSPCONFORM_MODULE ]]; then
    die "VSPCONFORM_MODULE=$VSPCONFORM_MODULE is not a file"
fi

mkdir -p "$work" "$out"
out=$(cd "$out" && pwd) work=$(cd "$work" && pwd)
# The engine gets no coverage instrumentation (only the module's edges should guide the fuzzer):
# clang's is turned off by a flag; AFL++'s compiler (OSS-Fuzz's AFL++ engine) instruments only what
# its allowlist names: the sample modules and the target's own file.
if [[ ${CC:-clang} == *afl-* || ${CXX:-clang++} == *afl-* ]]; then
    printf 'src: %s/samples/*\nsrc: %s/fuzz/*\n' "$src" "$src" >"$work.afl-allowlist"
    export AFL_LLVM_ALLOWLIST=$work.afl-allowlist AFL_QUIET=1
fi
# OSS-Fuzz's CFLAGS carry the optimization and debug level (-O1 -gline-tables-only): then CMake
# adds none of its own. Tests, benchmarks and the AFL++ extras are not built.
build_type=RelWithDebInfo
[[ -n ${CFLAGS:-}${CXXFLAGS:-} ]] && build_type=None
cmake -S "$src" -B "$work" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
    -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_CXX_COMPILER="${CXX:-clang++}" \
    -DCMAKE_C_FLAGS="${CFLAGS:-}" -DCMAKE_CXX_FLAGS="${CXXFLAGS:-}" \
    -DVSPC_LIB_FUZZING_ENGINE="$engine" \
    -DVSPC_ENGINE_COMPILE_OPTIONS="-fno-sanitize-coverage=inline-8bit-counters,pc-table,trace-cmp,indirect-calls" \
    -DCMAKE_BUILD_RPATH='$ORIGIN/lib' \
    -DVSPC_BUILD_TESTS=OFF -DVSPC_BUILD_BENCHMARKS=OFF -DVSPC_AFL=OFF >"$work.configure.log" 2>&1 ||
    {
        tail -20 "$work.configure.log" >&2
        die "cmake configure failed (log: $work.configure.log)"
    }
targets=(vspconform_fuzzer)
[[ -z ${VSPCONFORM_MODULE:-} ]] && targets+=("sample_$sample")
cmake --build "$work" --target "${targets[@]}" >"$work.build.log" 2>&1 || {
    tail -30 "$work.build.log" >&2
    die "build failed (log: $work.build.log; VSPCONFORM_SAMPLE names a sample of samples/CMakeLists.txt)"
}

rm -rf "$out/lib"
mkdir "$out/lib"
cp "$work/vspconform_fuzzer" "$out/"
cp "${VSPCONFORM_MODULE:-$work/samples/libvsp_$sample.so}" "$out/vspconform_module.so"
# The libraries of the build machine that a base-runner image does not have.
ldd "$work/vspconform_fuzzer" | awk '$3 ~ /^\// {print $3}' | grep -E '/lib(fmt|crypto)\.so' |
    while read -r lib; do cp -L "$lib" "$out/lib/"; done

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
# The target writes the seeds itself (VSPCONFORM_WRITE_SEEDS, the cases of `vspconform seeds`), so no
# vspconform binary is built: it carries libFuzzer, which AFL++'s runtime clashes with.
VSPCONFORM_WRITE_SEEDS=$seeds/corpus ASAN_OPTIONS=detect_leaks=0 "$work/vspconform_fuzzer" >"$work.seeds.log" 2>&1 || {
    tail -5 "$work.seeds.log" >&2
    die "the target could not write the seed corpus (log: $work.seeds.log)"
}
rm -f "$out/vspconform_fuzzer_seed_corpus.zip"
(cd "$seeds/corpus" && cmake -E tar cf "$out/vspconform_fuzzer_seed_corpus.zip" --format=zip -- *.case)
cp "$src/corpus/vspconform.dict" "$out/vspconform_fuzzer.dict"
# max_len: the sweep's cases are at most a few KiB (arbitrary records included).
printf '[libfuzzer]\nmax_len = 8192\ndict = vspconform_fuzzer.dict\n' >"$out/vspconform_fuzzer.options"
echo "fuzz/build.sh: $out/vspconform_fuzzer ready" \
    "(module: ${VSPCONFORM_MODULE:-sample $sample}; engine: $engine)"

#!/usr/bin/env bash
# Install, package and out-of-tree use, as a VSP team would do it (run by ctest, tests/CMakeLists.txt):
#
#   install_test.sh install BUILD_DIR WORK    cmake --install into WORK/prefix and cpack into WORK/package;
#                                             checks the layout (the fixture the other tests use)
#   install_test.sh preset SOURCE_DIR WORK    the "tool" preset configures the tool and nothing else
#   install_test.sh example SOURCE_DIR WORK   examples/serial-vsp built out of tree against WORK/prefix:
#                                             its CTest run passes on the source as shipped and fails on
#                                             the planted defect; -Werror=implicit-function-declaration
#                                             is on; a bare module file name works for check
#
# The example's checks run with --runs 500 (VSPCONFORM_CHECK_ARGS) instead of the default 20000
# to keep the suite fast; the samples test checks the same source with the defaults.
set -euo pipefail

mode=$1
dir=$2
work=$3
log=$work/$mode.log
mkdir -p "$work"
: >"$log"

fail() {
    echo "install_test $mode: FAIL: $*" >&2
    echo "--- last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
}
run() { "$@" >>"$log" 2>&1 || fail "'$*' exited $?"; }
expect_file() { [[ -f $1 ]] || fail "missing $1"; }

case $mode in
install)
    rm -rf "$work/prefix" "$work/package"
    run cmake --install "$dir" --prefix "$work/prefix"
    p=$work/prefix
    for f in bin/vspconform bin/vspconform_fuzzer \
        include/vspconform/kmcl/WdkCompat.h include/vspconform/kmcl/VmbusKernelModeClientLibApi.h \
        include/vspconform/kmcl/VspConformance.h include/vspconform/kmcl/pshpack1.h \
        include/vspconform/kmcl/ntstrsafe.h \
        include/vspconform/kmcl/poppack.h \
        lib/cmake/vspconform/vspconformConfig.cmake lib/cmake/vspconform/vspconformConfigVersion.cmake \
        lib/cmake/vspconform/vspconformFunctions.cmake \
        share/doc/vspconform/README.md share/doc/vspconform/docs/guide.md share/doc/vspconform/docs/rules.md \
        share/doc/vspconform/examples/serial-vsp/CMakeLists.txt share/doc/vspconform/examples/ci/vspconform-ci.sh \
        share/doc/vspconform/examples/ci/github-actions.yml share/doc/vspconform/examples/ci/gitlab-ci.yml; do
        expect_file "$p/$f"
    done
    version=$("$p/bin/vspconform" --version) || fail "the installed vspconform does not run"
    [[ $version == "vspconform "* ]] || fail "unexpected --version output: $version"
    # The release archive (cpack), with the same layout under one top directory.
    run cpack --config "$dir/CPackConfig.cmake" -B "$work/package"
    tarballs=("$work"/package/vspconform-*-Linux-*.tar.gz)
    [[ -f ${tarballs[0]} ]] || fail "cpack made no vspconform-*-Linux-*.tar.gz in $work/package"
    listing=$(tar -tzf "${tarballs[0]}")
    for f in bin/vspconform include/vspconform/kmcl/WdkCompat.h lib/cmake/vspconform/vspconformConfig.cmake; do
        grep -q "^vspconform-[^/]*/$f\$" <<<"$listing" || fail "${tarballs[0]} lacks $f"
    done
    echo "install_test install: $version installed in $p, packaged as $(basename "${tarballs[0]}")"
    ;;

preset)
    b=$work/tool-preset
    rm -rf "$b"
    run cmake -S "$dir" --preset tool -B "$b"
    targets=$(ninja -C "$b" -t targets all) || fail "ninja -t targets failed in $b"
    for t in vspconform vspconform_fuzzer; do
        grep -q "^$t:" <<<"$targets" || fail "the tool preset does not build $t"
    done
    extra=$(grep -oE '^(sample_[a-z0-9_]+|[a-z_]+_test|vspc_bench|vspconform_conformance):' <<<"$targets" || true)
    [[ -z $extra ]] || fail "the tool preset also builds: $(tr '\n' ' ' <<<"$extra")"
    # Tests need the samples: asking for tests without them is refused at configure time.
    if cmake -S "$dir" -B "$work/no-samples" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DVSPC_BUILD_SAMPLES=OFF >"$work/no-samples.log" 2>&1; then
        fail "VSPC_BUILD_SAMPLES=OFF with the tests on was accepted"
    fi
    grep -q "need VSPC_BUILD_SAMPLES=ON" "$work/no-samples.log" || fail "no reason given for refusing VSPC_BUILD_SAMPLES=OFF"
    rm -rf "$work/no-samples"
    echo "install_test preset: the tool preset builds vspconform and vspconform_fuzzer only"
    ;;

example)
    prefix=$work/prefix
    expect_file "$prefix/lib/cmake/vspconform/vspconformConfig.cmake"
    configure() {  # BUILD_DIR [extra cmake arguments]
        local b=$1
        shift
        rm -rf "$b"
        run cmake -S "$dir/examples/serial-vsp" -B "$b" -G Ninja -DCMAKE_C_COMPILER=clang \
            -DCMAKE_PREFIX_PATH="$prefix" "-DVSPCONFORM_CHECK_ARGS=--runs;500" "$@"
        run cmake --build "$b"
    }
    verdicts() {  # BUILD_DIR VERDICT [RULE]: every one of the 6 reports has VERDICT (and RULE)
        local n=0 r
        for r in "$1"/vspconform-reports/*-*/serialvsp/report.json; do
            [[ -f $r ]] || continue
            n=$((n + 1))
            grep -q "\"verdict\": *\"$2\"" "$r" || fail "$r: verdict is not $2"
            [[ -z ${3:-} ]] || grep -q "\"rule\": *\"$3\"" "$r" || fail "$r: no $3 violation"
        done
        ((n == 6)) || fail "$1: $n reports, expected 6 (3 flavours x 2 profiles)"
    }

    fixed=$work/example-fixed
    configure "$fixed"
    for f in plain coverage asan; do expect_file "$fixed/libserialvsp_$f.so"; done
    count=$(ctest --test-dir "$fixed" -N | grep -c 'Test *#' || true)
    ((count == 6)) || fail "the example registers $count tests, expected 6"
    run ctest --test-dir "$fixed" -j2 --output-on-failure --no-tests=error
    verdicts "$fixed" pass

    planted=$work/example-planted
    configure "$planted" -DCMAKE_C_FLAGS=-DSERVSP_PLANTED_BUG
    if ctest --test-dir "$planted" -j2 --no-tests=error >>"$log" 2>&1; then
        fail "ctest passed with the planted defect"
    fi
    verdicts "$planted" fail SP5

    # The guide's claim: a bare file name is a module in the current directory. And the sweep
    # tests the example fully: no note about skipped seeds or missing hooks.
    out=$(cd "$fixed" && "$prefix/bin/vspconform" check libserialvsp_plain.so --runs 0 --report-dir bare-name 2>&1) ||
        fail "check libserialvsp_plain.so (a bare file name) failed: $out"
    grep -q '^verdict  PASS' <<<"$out" || fail "no PASS verdict: $out"
    ! grep -q '^note' <<<"$out" || fail "the sweep did not test the example fully: $(grep '^note' <<<"$out")"

    # A WDK routine the header lacks is a compile error, not a module that fails to load.
    bad=$work/implicit
    rm -rf "$bad"
    mkdir -p "$bad/src"
    cat >"$bad/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(implicit LANGUAGES C)
find_package(vspconform REQUIRED)
vspconform_add_module(NAME implicit SOURCES src/implicit.c)
EOF
    cat >"$bad/src/implicit.c" <<'EOF'
#include <WdkCompat.h>
NTSTATUS ImplicitCall(void) { return IoWMIRegistrationControl(NULL, 0); }
EOF
    run cmake -S "$bad" -B "$bad/build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_PREFIX_PATH="$prefix"
    if cmake --build "$bad/build" >"$bad/build.log" 2>&1; then
        fail "a call to an undeclared function compiled"
    fi
    grep -q "error: .*IoWMIRegistrationControl.*-Werror,-Wimplicit-function-declaration" \
        "$bad/build.log" || fail "no implicit-function-declaration error: $(tail -n 5 "$bad/build.log")"

    # The project's own declaration of it, without editing the driver file: FORCE_INCLUDE.
    mkdir -p "$bad/compat"
    cat >"$bad/compat/extra wdk.h" <<'EOF'
#include <WdkCompat.h>
static inline NTSTATUS IoWMIRegistrationControl(PVOID DeviceObject, ULONG Action)
{
    (void)DeviceObject;
    (void)Action;
    return STATUS_SUCCESS;
}
EOF
    cat >"$bad/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(implicit LANGUAGES C)
find_package(vspconform REQUIRED)
vspconform_add_module(NAME implicit SOURCES src/implicit.c FORCE_INCLUDE "compat/extra wdk.h")
EOF
    rm -rf "$bad/build"
    run cmake -S "$bad" -B "$bad/build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_PREFIX_PATH="$prefix"
    run cmake --build "$bad/build"
    expect_file "$bad/build/libimplicit_plain.so"
    # A FORCE_INCLUDE that does not exist stops the configure step, naming it.
    sed -i 's|"compat/extra wdk.h"|compat/missing.h|' "$bad/CMakeLists.txt"
    rm -rf "$bad/build"
    if cmake -S "$bad" -B "$bad/build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_PREFIX_PATH="$prefix" \
        >"$bad/missing.log" 2>&1; then
        fail "a FORCE_INCLUDE that does not exist was accepted"
    fi
    # (CMake wraps the message: the words may be on two lines. The log joined in a variable, not
    # piped: under pipefail, grep -q exiting at its match would give tr a SIGPIPE and fail.)
    joined=$(tr '\n' ' ' <"$bad/missing.log")
    grep -q "FORCE_INCLUDE compat/missing.h: no such *header" <<<"$joined" ||
        fail "no reason given for the missing FORCE_INCLUDE: $(tail -n 5 "$bad/missing.log")"
    echo "install_test example: passes as shipped (6 checks), fails with the planted defect (SP5 in all 6);" \
        "FORCE_INCLUDE declares what the driver file lacks"
    ;;

*)
    echo "usage: $0 install|preset|example DIR WORK" >&2
    exit 2
    ;;
esac

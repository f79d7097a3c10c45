#!/usr/bin/env bash
# CMake compiler and link launcher for the AFL++ build of the fuzz target (fuzz/CMakeLists.txt):
# CMake calls it as `afl-launcher.sh COMPILER ARGS...` and it runs AFL++'s compiler instead, with the
# same arguments. afl-clang-fast(++) instruments the code for afl-fuzz, strips
# -fsanitize=fuzzer-no-link and, for -fsanitize=fuzzer, links AFL++'s libFuzzer-compatible driver.
# VSPC_AFL_CC / VSPC_AFL_CXX name other AFL++ compilers.
set -euo pipefail
if (($# < 1)); then
    echo "afl-launcher.sh: usage: afl-launcher.sh COMPILER ARGS..." >&2
    exit 2
fi
compiler=$1
shift
case ${compiler##*/} in
*++*) exec "${VSPC_AFL_CXX:-afl-clang-fast++}" "$@" ;;
*) exec "${VSPC_AFL_CC:-afl-clang-fast}" "$@" ;;
esac

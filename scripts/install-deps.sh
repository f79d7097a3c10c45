#!/usr/bin/env bash
# Installs what vspconform needs to build and test on Debian 12, with apt-get.
# Only missing packages are installed; when everything is present apt is not touched (and root
# is not needed). Usage, as root, from any directory: scripts/install-deps.sh [--test]
#   --test: also what the test suite needs (scripts/test.sh passes it): the validators of the
#           reports (xmllint, python3-jsonschema with python3-rfc3987), headless Chromium, and AFL++
#           (afl++: afl-clang-fast++ and afl-fuzz, for the fuzz target's AFL++ build and its test).
set -euo pipefail

# clang and clang-format are Debian's metapackages: they provide /usr/bin/clang, clang++ and
# clang-format (version 14 on Debian 12). libclang-rt-14-dev holds libFuzzer and the ASan runtime;
# clang only recommends it, so it is named here.
packages=(
    clang libclang-rt-14-dev clang-format
    cmake ninja-build
    libgtest-dev libgmock-dev libbenchmark-dev
    libfmt-dev libcli11-dev nlohmann-json3-dev libssl-dev
    # the worker's seccomp filter (pkg-config finds it)
    libseccomp-dev pkg-config
    # llvm-symbolizer (llvm-14): findings' source lines, and ASan's own stack traces.
    llvm
)
if [[ ${1:-} == --test ]]; then
    packages+=(libxml2-utils python3-jsonschema python3-rfc3987 chromium afl++)
elif [[ $# -gt 0 ]]; then
    echo "install-deps: unknown argument '$1' (usage: scripts/install-deps.sh [--test])" >&2
    exit 2
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages are already installed"
    exit 0
fi

if [[ $(id -u) != 0 ]]; then
    echo "install-deps: missing ${missing[*]}; run this script as root, or: apt-get install ${missing[*]}" >&2
    exit 1
fi

log=${TMPDIR:-/tmp}/vspconform-install-deps.log
echo "install-deps: installing ${missing[*]} (apt-get log: $log)"
export DEBIAN_FRONTEND=noninteractive
# --no-install-recommends: clang would also pull in llvm-14-dev and python3, cmake gcc and make;
# the build needs none of them.
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "install-deps: apt-get failed; the full log is $log" >&2
    exit 1
fi
echo "install-deps: done"

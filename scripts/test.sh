#!/usr/bin/env bash
# Quick start, part 2: the same set-up as scripts/demo.sh (installs what is missing, builds with
# warnings as errors), then every test (ctest) and a formatting check of harness/, include/, tests/,
# bench/, fuzz/ and conformance/ against .clang-format. Exit 0 only if both pass. .ci/run runs this.
# Run as root on a fresh Debian 12 (root is needed only to install packages), from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "dependencies (scripts/install-deps.sh --test)"
scripts/install-deps.sh --test

step "build (cmake --preset ci && cmake --build --preset ci)"
cmake --preset ci
cmake --build --preset ci

step "format (clang-format --dry-run --Werror, style in .clang-format)"
format_ok=1
if command -v clang-format >/dev/null; then
    files=()
    while IFS= read -r -d '' f; do files+=("$f"); done < <(
        find harness include tests bench fuzz conformance -type f \( -name '*.c' -o -name '*.cc' -o -name '*.cpp' -o -name '*.h' \
             -o -name '*.hpp' \) -print0 2>/dev/null | sort -z)
    unformatted=()
    for f in "${files[@]}"; do
        clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
    done
    if ((${#unformatted[@]} == 0)); then
        echo "format: ${#files[@]} files checked, all formatted"
    else
        format_ok=0
        echo "format: ${#unformatted[@]} of ${#files[@]} files are not formatted: ${unformatted[*]}"
        echo "format: see the changes with 'clang-format --dry-run FILE', apply them with 'clang-format -i FILE...'"
    fi
else
    echo "format: clang-format is not installed, check skipped"
fi

step "tests (ctest --test-dir build --output-on-failure -j2)"
tests_ok=1
ctest --test-dir build --output-on-failure -j2 || tests_ok=0

if ((!tests_ok || !format_ok)); then
    why=""
    ((tests_ok)) || why="some tests failed (see ctest's list above)"
    ((format_ok)) || why="${why:+$why; }some files are not formatted (see 'format:' above)"
    echo "test.sh: FAILED: $why" >&2
    exit 1
fi

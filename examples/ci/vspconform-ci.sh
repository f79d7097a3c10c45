#!/usr/bin/env bash
# vspconform-ci.sh - the steps of a VSP team's vspconform CI job. The workflows next to this file
# (github-actions.yml, gitlab-ci.yml) call nothing else, and a developer can run the same steps:
#
#   ci/vspconform-ci.sh cache-key                a cache key for the installed tool (key=... to
#                                                $GITHUB_OUTPUT when set, else to stdout)
#   ci/vspconform-ci.sh deps                     install the Debian 12 packages (as root; skipped when present)
#   ci/vspconform-ci.sh tool                     install vspconform into $VSPCONFORM_PREFIX, unless it is there
#   ci/vspconform-ci.sh build                    configure and build the project's module flavours
#   ci/vspconform-ci.sh check FLAVOUR PROFILE    run its vspconform checks of that flavour and profile
#                                                (ctest); exit 1 when a check fails, with the verdicts
#
# Reports: $VSPCONFORM_BUILD_DIR/vspconform-reports/FLAVOUR-PROFILE/MODULE/ (junit.xml,
# results.sarif, report.md, report.html, report.json, cases/, worker.log), where the workflows
# pick them up.
#
# Settings (environment; the defaults suit a repository with the project at its root and
# vspconform's source as the submodule vspconform/):
#   VSPCONFORM_PROJECT_DIR   the CMake project (find_package(vspconform), vspconform_add_module,
#                            vspconform_add_check)                                 [.]
#   VSPCONFORM_BUILD_DIR     its build directory                                   [./vspconform-build]
#   VSPCONFORM_PREFIX        where vspconform is (to be) installed                 [./.vspconform/prefix]
#   VSPCONFORM_PACKAGE       a vspconform-VERSION-Linux-x86_64.tar.gz (cpack) to install from
#   VSPCONFORM_SOURCE        else: vspconform's source, built with its "tool" preset [./vspconform]
#   VSPCONFORM_CHECK_ARGS    extra arguments for every check, e.g. "--runs 100000" for a nightly job
#   VSPCONFORM_CORPUS_DIR    the checks' corpora (check --corpus: regression cases in, new corpus files
#                            out), one per flavour, profile and module; the workflows cache it [./.vspconform/corpus]
set -euo pipefail

project=${VSPCONFORM_PROJECT_DIR:-.}
build=${VSPCONFORM_BUILD_DIR:-vspconform-build}
prefix=${VSPCONFORM_PREFIX:-.vspconform/prefix}
source=${VSPCONFORM_SOURCE:-vspconform}

say() { printf 'vspconform-ci: %s\n' "$*"; }
die() {
    printf 'vspconform-ci: error: %s\n' "$*" >&2
    exit 2
}
absolute() { mkdir -p "$1" && (cd "$1" && pwd); }

# What the module build and the tool need, as Debian 12 packages (the -dev packages also bring
# the tool's run-time libraries, and let the tool be built from source).
packages=(clang libclang-rt-14-dev cmake ninja-build libfmt-dev libcli11-dev nlohmann-json3-dev libssl-dev)

step_deps() {
    local missing=() p status
    for p in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [[ $status == installed ]] || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        say "deps: all ${#packages[@]} packages are installed"
        return
    fi
    [[ $(id -u) == 0 ]] || die "deps: missing ${missing[*]}; run as root, or: apt-get install ${missing[*]}"
    say "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The last commit of the source tree $1: with git, or by reading the submodule's .git (CI job
# images often have no git).
source_commit() {
    local dir=$1 gitdir head
    git -C "$dir" log -1 --format=%H -- . 2>/dev/null && return
    if [[ -f $dir/.git ]]; then
        gitdir=$(sed -n 's/^gitdir: //p' "$dir/.git")
        [[ $gitdir == /* ]] || gitdir=$dir/$gitdir
    elif [[ -d $dir/.git ]]; then
        gitdir=$dir/.git
    else
        return 1
    fi
    head=$(cat "$gitdir/HEAD" 2>/dev/null) || return 1
    if [[ $head == ref:* ]]; then cat "$gitdir/${head#ref: }" 2>/dev/null; else echo "$head"; fi
}

# Which vspconform the settings ask for: the package's SHA-256, or the source's commit.
wanted_tool() {
    local commit
    if [[ -n ${VSPCONFORM_PACKAGE:-} ]]; then
        [[ -f $VSPCONFORM_PACKAGE ]] || die "VSPCONFORM_PACKAGE=$VSPCONFORM_PACKAGE is not a file"
        echo "package-$(sha256sum "$VSPCONFORM_PACKAGE" | cut -c1-16)"
    elif commit=$(source_commit "$source") && [[ -n $commit ]]; then
        echo "source-$commit"
    else
        echo "source-unknown"
    fi
}

step_cache_key() {
    local key
    key="vspconform-$(. /etc/os-release 2>/dev/null && echo "${ID:-linux}${VERSION_ID:-}")-$(wanted_tool)"
    if [[ -n ${GITHUB_OUTPUT:-} ]]; then
        echo "key=$key" >>"$GITHUB_OUTPUT"
    fi
    say "cache-key: $key"
}

step_tool() {
    local bin stamp wanted
    prefix=$(absolute "$prefix")
    bin=$prefix/bin/vspconform
    stamp=$prefix/.vspconform-ci-tool
    wanted=$(wanted_tool)
    # A prefix restored from a CI cache is used when it holds what the settings ask for.
    if [[ -x $bin ]] && "$bin" --version >/dev/null 2>&1 &&
        { [[ $wanted == source-unknown ]] || [[ $(cat "$stamp" 2>/dev/null) == "$wanted" ]]; }; then
        say "tool: $("$bin" --version) is installed in $prefix ($wanted)"
        return
    fi
    if [[ -n ${VSPCONFORM_PACKAGE:-} ]]; then
        [[ -f $VSPCONFORM_PACKAGE ]] || die "tool: VSPCONFORM_PACKAGE=$VSPCONFORM_PACKAGE is not a file"
        say "tool: installing $VSPCONFORM_PACKAGE into $prefix"
        tar -xzf "$VSPCONFORM_PACKAGE" -C "$prefix" --strip-components=1
    elif [[ -f $source/CMakePresets.json ]]; then
        local tool_build
        tool_build=$(absolute "${VSPCONFORM_TOOL_BUILD_DIR:-.vspconform/build}")
        say "tool: building vspconform from $source (preset tool) and installing it into $prefix"
        cmake -S "$source" --preset tool -B "$tool_build"
        cmake --build "$tool_build"
        cmake --install "$tool_build" --prefix "$prefix"
    else
        die "tool: no vspconform in $prefix, no VSPCONFORM_PACKAGE, and no source in $source" \
            "(add vspconform as a submodule there, or set VSPCONFORM_SOURCE or VSPCONFORM_PACKAGE)"
    fi
    "$bin" --version >/dev/null || die "tool: $bin does not run"
    echo "$wanted" >"$stamp"
    say "tool: $("$bin" --version) installed in $prefix ($wanted)"
}

step_build() {
    prefix=$(absolute "$prefix")
    [[ -f $project/CMakeLists.txt ]] || die "build: no CMakeLists.txt in $project (set VSPCONFORM_PROJECT_DIR)"
    local args=()
    read -r -a args <<<"${VSPCONFORM_CHECK_ARGS:-}"
    local joined
    joined=$(
        IFS=';'
        echo "${args[*]}"
    )
    local corpus
    corpus=$(absolute "${VSPCONFORM_CORPUS_DIR:-.vspconform/corpus}")
    cmake -S "$project" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_PREFIX_PATH="$prefix" \
        -DVSPCONFORM_CHECK_ARGS="$joined" -DVSPCONFORM_CORPUS_ROOT="$corpus"
    cmake --build "$build"
}

step_check() {
    local flavour=${1:-} profile=${2:-}
    [[ $flavour =~ ^(plain|coverage|asan)$ ]] || die "check: FLAVOUR is plain, coverage or asan, not '$flavour'"
    [[ $profile =~ ^(strict|kmcl)$ ]] || die "check: PROFILE is strict or kmcl, not '$profile'"
    [[ -f $build/CTestTestfile.cmake ]] || die "check: $build is not built (run the build step first)"
    local rc=0
    ctest --test-dir "$build" --output-on-failure --no-tests=error \
        -L "^vspconform-$flavour\$" -L "^vspconform-$profile\$" || rc=$?

    local reports=$build/vspconform-reports/$flavour-$profile dir verdict found=0
    for dir in "$reports"/*/; do
        [[ -f $dir/report.json ]] || continue
        found=1
        verdict=$(grep -o '"verdict": *"[a-z]*"' "$dir/report.json" | head -n 1 | grep -o '[a-z]*"$' | tr -d '"')
        say "check: $(basename "$dir") $flavour $profile: ${verdict:-unknown}; report ${dir}report.md"
        for f in junit.xml results.sarif; do
            [[ -f $dir/$f ]] || die "check: $dir$f is missing"
        done
        if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
            printf '### vspconform %s (%s, %s): %s\n\n' "$(basename "$dir")" "$flavour" "$profile" "${verdict:-unknown}" \
                >>"$GITHUB_STEP_SUMMARY"
            cat "$dir/report.md" >>"$GITHUB_STEP_SUMMARY" || true
        fi
    done
    ((found)) || die "check: no report under $reports"
    if ((rc != 0)); then
        say "check: FAILED ($flavour, $profile): see the reports above"
        return 1
    fi
}

case ${1:-} in
deps | tool | build)
    "step_$1"
    ;;
cache-key)
    step_cache_key
    ;;
check)
    shift
    step_check "$@"
    ;;
*)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac

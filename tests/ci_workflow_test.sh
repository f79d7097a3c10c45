#!/usr/bin/env bash
# The shipped CI files run as shipped: every `run:` line of examples/ci/github-actions.yml (for
# every matrix entry) and every `script:` line of examples/ci/gitlab-ci.yml is executed, in a
# repository laid out as the files expect (the example project at the root, ci/vspconform-ci.sh,
# vspconform's source as vspconform/). Then the files the workflows' upload steps name
# (JUnit, SARIF, the report directory) must exist and be what those steps need: one SARIF run
# per category, JUnit test suites. Finally a commit plants the defect: the check step must fail
# the job and still leave the reports for the upload steps.
#
#   ci_workflow_test.sh SOURCE_DIR WORK        (WORK/package holds the cpack archive: Install.Layout)
#
# Two settings differ from a CI run: VSPCONFORM_PACKAGE points at that archive (a CI job builds
# the tool from the submodule, which takes minutes; the tool step's package branch is taken
# instead), and VSPCONFORM_CHECK_ARGS="--runs 500" (the default is 20000), to keep the suite fast.
set -euo pipefail

src=$1
work=$2
repo=$work/repo
log=$work/ci-workflow.log
github=$src/examples/ci/github-actions.yml
gitlab=$src/examples/ci/gitlab-ci.yml
: >"$log"

fail() {
    echo "ci_workflow_test: FAIL: $*" >&2
    echo "--- last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
}

package=$(ls "$work"/package/vspconform-*-Linux-*.tar.gz 2>/dev/null | head -n 1)
[[ -f $package ]] || fail "no package in $work/package (the Install.Layout fixture makes it)"

# ---- the repository -------------------------------------------------------------------------------
rm -rf "$repo"
mkdir -p "$repo/ci"
cp -R "$src/examples/serial-vsp/." "$repo/"
cp "$src/examples/ci/vspconform-ci.sh" "$repo/ci/"
ln -s "$src" "$repo/vspconform"

# The workflow's first line installs git in a bare debian:12 container when it is missing. Here,
# without git, a stand-in that fails is put on PATH instead (the steps need no git when
# VSPCONFORM_PACKAGE is set), so that the line runs and installs nothing.
if ! command -v git >/dev/null; then
    mkdir -p "$work/no-git"
    printf '#!/bin/sh\nexit 1\n' >"$work/no-git/git"
    chmod +x "$work/no-git/git"
    export PATH=$work/no-git:$PATH
fi

export VSPCONFORM_PACKAGE=$package
export VSPCONFORM_CHECK_ARGS="--runs 500"
export GITHUB_OUTPUT=$work/github-output GITHUB_STEP_SUMMARY=$work/github-step-summary.md
: >"$GITHUB_OUTPUT"
: >"$GITHUB_STEP_SUMMARY"
unset VSPCONFORM_PREFIX VSPCONFORM_SOURCE VSPCONFORM_PROJECT_DIR VSPCONFORM_BUILD_DIR FLAVOUR PROFILE

# ---- reading the workflow files -------------------------------------------------------------------
# GitHub: single-line `run:` steps only (a block scalar would need a YAML parser).
grep -qE '^\s*(- )?run:\s*[|>]' "$github" && fail "$github: multi-line run: steps are not supported by this test"
mapfile -t gh_runs < <(sed -nE 's/^\s*(- )?run:\s*(.*)$/\2/p' "$github")
((${#gh_runs[@]} >= 5)) || fail "$github: found only ${#gh_runs[@]} run: lines"
list() { sed -nE "s/^\s*(- )?$1:\s*\[(.*)\]\s*$/\2/p" "$2" | head -n 1 | tr -d ' ' | tr ',' ' '; }
read -r -a gh_flavours <<<"$(list flavour "$github")"
read -r -a gh_profiles <<<"$(list profile "$github")"
((${#gh_flavours[@]} == 3 && ${#gh_profiles[@]} == 2)) || fail "$github: matrix not found"
with_value() { sed -nE "s/^\s*$1:\s*(.*)$/\1/p" "$github"; }

# GitLab: the items of the job's script: list.
mapfile -t gl_script < <(awk '/^  script:/{s=1; next} s && /^    - /{sub(/^    - /, ""); print; next} s{s=0}' "$gitlab")
((${#gl_script[@]} >= 4)) || fail "$gitlab: found only ${#gl_script[@]} script: lines"
read -r -a gl_flavours <<<"$(list FLAVOUR "$gitlab")"
read -r -a gl_profiles <<<"$(list PROFILE "$gitlab")"
((${#gl_flavours[@]} == 3 && ${#gl_profiles[@]} == 2)) || fail "$gitlab: matrix not found"

substitute() {  # TEXT FLAVOUR PROFILE: GitHub's ${{ matrix.* }}
    local t=$1
    t=${t//'${{ matrix.flavour }}'/$2}
    t=${t//'${{ matrix.profile }}'/$3}
    [[ $t != *'${{'* ]] || fail "unexpected expression in '$1'"
    printf '%s' "$t"
}

# ---- checks on what the upload steps read --------------------------------------------------------
json() {  # GET|LENGTH FILE PATH...: a value from a JSON file, with cmake's parser (no jq on a fresh Debian)
    cmake -DMODE="$1" -DFILE="$2" -DJSON_PATH="${*:3}" -P "$work/json.cmake"
}
cat >"$work/json.cmake" <<'EOF'
file(READ "${FILE}" content)
separate_arguments(path UNIX_COMMAND "${JSON_PATH}")
string(JSON value ERROR_VARIABLE err ${MODE} "${content}" ${path})
if(err)
  message(FATAL_ERROR "${FILE}: ${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E echo "${value}")
EOF

check_outputs() {  # SARIF_DIR JUNIT_GLOB ARTIFACT_DIR VERDICT
    local sarif_dir=$1 junit_glob=$2 artifact=$3 verdict=$4 sarifs junits
    [[ -d $repo/$artifact ]] || fail "artifact path $artifact does not exist"
    [[ -f $repo/$artifact/serialvsp/report.md ]] || fail "no report.md under $artifact"
    mapfile -t sarifs < <(find "$repo/$sarif_dir" -name '*.sarif')
    ((${#sarifs[@]} == 1)) || fail "$sarif_dir holds ${#sarifs[@]} SARIF files; one run per category needs 1"
    [[ $(json GET "${sarifs[0]}" version) == 2.1.0 ]] || fail "${sarifs[0]}: not SARIF 2.1.0"
    [[ $(json LENGTH "${sarifs[0]}" runs) == 1 ]] || fail "${sarifs[0]}: not exactly one run"
    [[ $(json GET "${sarifs[0]}" runs 0 tool driver name) == vspconform ]] || fail "${sarifs[0]}: tool name"
    mapfile -t junits < <(cd "$repo" && compgen -G "$junit_glob")
    ((${#junits[@]} == 1)) || fail "$junit_glob matches ${#junits[@]} files"
    grep -q '<testsuite' "$repo/${junits[0]}" || fail "${junits[0]} is not a JUnit report"
    grep -q "\"verdict\": *\"$verdict\"" "$repo/$artifact/serialvsp/report.json" || fail "$artifact: verdict is not $verdict"
    if [[ $verdict == fail ]]; then
        grep -q '<failure' "$repo/${junits[0]}" || fail "${junits[0]} has no failure"
        [[ $(json GET "${sarifs[0]}" runs 0 results 0 ruleId) == SP5 ]] || fail "${sarifs[0]}: the first result is not SP5"
    fi
}

# ---- running the steps ---------------------------------------------------------------------------
run_step() {  # SHELL COMMAND [EXPECTED_STATUS]
    local rc=0 t0=${EPOCHREALTIME//[^0-9]/}  # microseconds (bash's own clock: no bc on a fresh Debian)
    echo "+ $2" >>"$log"
    (cd "$repo" && "$1" -e -c "$2") >>"$log" 2>&1 || rc=$?
    echo "= $2: exit $rc in $(((${EPOCHREALTIME//[^0-9]/} - t0) / 1000)) ms" >>"$log"
    ((rc == ${3:-0})) || fail "'$2' exited $rc, expected ${3:-0}"
}

github_job() {  # FLAVOUR PROFILE VERDICT
    local line rc
    for line in "${gh_runs[@]}"; do
        rc=0
        [[ $3 == fail && $line == *" check "* ]] && rc=1
        run_step sh "$(substitute "$line" "$1" "$2")" "$rc"
    done
    grep -q '^key=vspconform-' "$GITHUB_OUTPUT" || fail "the cache-key step wrote no key to \$GITHUB_OUTPUT"
    check_outputs "$(substitute "$(with_value sarif_file)" "$1" "$2")" \
        "$(substitute "$(with_value report_paths)" "$1" "$2")" \
        "$(substitute "$(with_value path | grep vspconform-reports)" "$1" "$2")" "$3"
}

gitlab_job() {  # FLAVOUR PROFILE VERDICT
    local line rc
    export FLAVOUR=$1 PROFILE=$2  # the job's matrix variables
    for line in "${gl_script[@]}"; do
        rc=0
        [[ $3 == fail && $line == *" check "* ]] && rc=1
        run_step bash "$line" "$rc"
    done
    unset FLAVOUR PROFILE
    gitlab_paths "$@"
}

gitlab_paths() {  # FLAVOUR PROFILE VERDICT: what the job's artifacts: name exists
    local artifact junit
    export FLAVOUR=$1 PROFILE=$2
    artifact=$(awk '/^    paths:/{p=1; next} p && /^      - /{sub(/^      - /, ""); print; next} {p=0}' "$gitlab" |
        grep vspconform-reports)
    junit=$(sed -nE 's/^\s*junit:\s*(.*)$/\1/p' "$gitlab")
    artifact=$(variables "$artifact")
    junit=$(variables "$junit")
    unset FLAVOUR PROFILE
    check_outputs "${artifact%/}" "$junit" "${artifact%/}" "$3"
}
variables() {  # GitLab's $FLAVOUR and $PROFILE in paths
    local t=$1
    t=${t//'$FLAVOUR'/$FLAVOUR}
    t=${t//'$PROFILE'/$PROFILE}
    [[ $t != *'$'* ]] || fail "unexpected variable in '$1'"
    printf '%s' "$t"
}

start=$SECONDS
for f in "${gh_flavours[@]}"; do
    for p in "${gh_profiles[@]}"; do github_job "$f" "$p" pass; done
done
# GitLab's lines are the same steps: run them for the first and the last matrix entry (every
# value of both variables), and check the paths its artifacts name for every entry.
gitlab_job "${gl_flavours[0]}" "${gl_profiles[0]}" pass
gitlab_job "${gl_flavours[2]}" "${gl_profiles[1]}" pass
for f in "${gl_flavours[@]}"; do
    for p in "${gl_profiles[@]}"; do gitlab_paths "$f" "$p" pass; done
done
grep -q 'vspconform serialvsp (plain, strict): pass' "$GITHUB_STEP_SUMMARY" || fail "no job summary written"

# A commit that plants the defect: the check step fails the job, the reports are still there.
sed -i '1i #define SERVSP_PLANTED_BUG 1' "$repo/src/serialvsp.c"
github_job plain strict fail
gitlab_job plain strict fail

echo "ci_workflow_test: ${#gh_runs[@]} GitHub run: lines x $((${#gh_flavours[@]} * ${#gh_profiles[@]})) jobs," \
    "${#gl_script[@]} GitLab script: lines x 2 jobs, and the planted defect failing both, in $((SECONDS - start)) s"

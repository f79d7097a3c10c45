#!/usr/bin/env bash
# Every report the sample verdict tests wrote (samples_test copies each run's report.json,
# results.sarif and junit.xml into REPORTS/<test>/) against its schema, in one validator run:
# report.json against docs/report.schema.json, results.sarif against SARIF 2.1.0, junit.xml
# against Jenkins' JUnit XSD (the schemas in tests/schemas/). One process instead of one per
# sample test (a Python start and a jsonschema import cost more than the check of a module).
# Usage: validate_sample_reports.sh SOURCE_DIR REPORTS   (REPORTS/expected: how many runs the manifest has)
set -euo pipefail
src=$1 reports=$2
min=$(cat "$reports/expected" 2>/dev/null || echo 1)
shopt -s nullglob
json=("$reports"/*/report.json)
sarif=("$reports"/*/results.sarif)
junit=("$reports"/*/junit.xml)
if ((${#json[@]} < min || ${#sarif[@]} != ${#json[@]} || ${#junit[@]} != ${#json[@]})); then
    echo "FAIL: ${#json[@]} report.json, ${#sarif[@]} results.sarif and ${#junit[@]} junit.xml in $reports;" \
        "expected the same number, at least $min (one per sample verdict test: run them first)"
    exit 1
fi
"$src/tests/validate_json.py" "$src/docs/report.schema.json" "${json[@]}" -- \
    "$src/tests/schemas/sarif-schema-2.1.0.json" "${sarif[@]}"
if ! out=$(xmllint --noout --schema "$src/tests/schemas/jenkins-xunit-junit-10.xsd" "${junit[@]}" 2>&1); then
    grep -v ' validates$' <<<"$out"
    echo "FAIL: a junit.xml does not validate (above)"
    exit 1
fi
echo "ok: ${#json[@]} sample runs, each report.json, results.sarif and junit.xml valid"

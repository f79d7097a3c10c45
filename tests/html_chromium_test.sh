#!/usr/bin/env bash
# report.html as a reviewer's browser shows it: headless Chromium (Debian's chromium) loads the
# report of a failing sample, and its DOM holds the verdict, the failing rule, the source line
# and the replay command, plus the two inline SVG charts; the page loads nothing from outside.
# Usage: html_chromium_test.sh VSPCONFORM MODULE RULE SOURCE_DIR SOURCE_FILE LINE_TEXT
set -u
vspconform=$1 module=$2 rule=$3 src=$4 source_file=$5 line_text=$6
chromium=$(command -v chromium || command -v chromium-browser || true)
[[ -n $chromium ]] || { echo "FAIL: chromium is not installed (scripts/install-deps.sh --test installs it)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$vspconform" check "$module" --report-dir "$dir/report" --source-root "$src" --runs 2000 >"$dir/check.log" 2>&1
[[ $? == 1 ]] || { echo "FAIL: check did not fail:"; cat "$dir/check.log"; exit 1; }
line=$(grep -nF -- "$line_text" "$src/$source_file" | head -1 | cut -d: -f1)
[[ -n $line ]] || { echo "FAIL: '$line_text' not in $source_file"; exit 1; }

# The flags the machine's probe uses: no sandbox as root, no network, a fresh profile.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$dir/profile" --dump-dom "file://$dir/report/report.html" >"$dir/dom.html" 2>"$dir/chromium.log"
[[ -s $dir/dom.html ]] || { echo "FAIL: chromium rendered nothing:"; tail -20 "$dir/chromium.log"; exit 1; }

fail=0
expect() {  # expect WHAT FIXED-STRING: the rendered DOM holds it
  if ! grep -qF -- "$2" "$dir/dom.html"; then echo "FAIL: the DOM has no $1 ($2)"; fail=1; fi
}
expect verdict '<span id="verdict" class="fail">fail</span>'
expect "failing rule" "<tr class=\"finding\" data-rule=\"$rule\">"
expect "source line" "<code class=\"source\">EvtVmbChannelSavePacket at $source_file:$line"
replay=$(grep -m1 '^         replay: ' "$dir/check.log" | sed 's/^         replay: //')
[[ -n $replay ]] || { echo "FAIL: check printed no replay command"; exit 1; }
# The DOM escapes & < > and keeps quotes in text; the command has none of & < >.
expect "replay command" "<code class=\"replay\">$replay</code>"
expect "rule chart" '<svg id="rule-chart"'
expect "BytesNeeded chart" '<svg id="bytes-needed-chart"'
expect "worker.log link" '<a href="worker.log">worker.log</a>'
if grep -qiE '<script|<link |src="https?:|href="https?:' "$dir/report/report.html"; then
  echo "FAIL: report.html loads something from outside or runs a script"; fail=1
fi
((fail == 0)) || { echo "--- DOM ---"; head -c 4000 "$dir/dom.html"; exit 1; }
echo "PASS: Chromium shows the verdict, $rule, $source_file:$line, the replay command and both charts"

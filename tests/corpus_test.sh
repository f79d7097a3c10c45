#!/usr/bin/env bash
# Corpus management as corpus/README.md documents it, on the libFuzzer target:
#   - `vspconform seeds` writes the sweep's cases; libFuzzer's -merge=1 and -set_cover_merge=1
#     shrink them to fewer files with the same coverage and features (INITED cov:/ft:), and merging
#     the same inputs again into the merged corpus adds nothing;
#   - corpus/vspconform.dict loads in libFuzzer with every entry, and each op token, appended to a
#     case header, decodes (replay --dump) as exactly the op its name says.
# Usage: corpus_test.sh VSPCONFORM FUZZER COVERAGE_MODULE DICT
set -euo pipefail
if (($# != 4)); then
    echo "corpus_test.sh: usage: corpus_test.sh VSPCONFORM FUZZER COVERAGE_MODULE DICT" >&2
    exit 2
fi
vspconform=$1 fuzzer=$2 module=$3 dict=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export VSPCONFORM_MODULE=$module
fail() {
    echo "FAIL: $*"
    exit 1
}

"$vspconform" seeds "$dir/full" >/dev/null
count() { find "$1" -type f | wc -l; }
# "#189 INITED cov: 153 ft: 545 corp: 67/92Kb ...": the coverage and features of a corpus.
inited() { "$fuzzer" -runs=0 "$1" 2>&1 | sed -n 's/.*INITED cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p'; }
full=$(count "$dir/full") full_cov=$(inited "$dir/full")
[[ -n $full_cov ]] || fail "no INITED line for the seed corpus"

for how in merge set_cover_merge; do
    mkdir "$dir/$how"
    "$fuzzer" -$how=1 "$dir/$how" "$dir/full" >"$dir/$how.log" 2>&1 || {
        tail -5 "$dir/$how.log"
        fail "-$how=1 failed"
    }
    n=$(count "$dir/$how") cov=$(inited "$dir/$how")
    echo "-$how=1: $full seeds -> $n files; cov/ft $full_cov -> $cov"
    ((n > 0 && n < full)) || fail "-$how=1 kept $n of $full files"
    # Nothing lost: as many edges and at least as many features (hit-count features depend on the
    # order the inputs are loaded in: the merged corpus may show one more, never fewer).
    read -r c0 f0 <<<"$full_cov"
    read -r c1 f1 <<<"$cov"
    ((c1 == c0 && f1 >= f0)) || fail "-$how=1 lost coverage: cov/ft $full_cov -> $cov"
    "$fuzzer" -$how=1 "$dir/$how" "$dir/full" >"$dir/$how.again.log" 2>&1 || fail "-$how=1 again failed"
    again=$(count "$dir/$how")
    ((again == n)) || fail "merging the same seeds again into the -$how=1 corpus added $((again - n)) files"
done
(($(count "$dir/set_cover_merge") <= $(count "$dir/merge"))) || fail "-set_cover_merge=1 kept more files than -merge=1"

# The dictionary: libFuzzer takes every entry ...
entries=$(grep -c '^[a-z0-9_]*="' "$dict")
"$fuzzer" -runs=10 -dict="$dict" "$dir/merge" >"$dir/dict.log" 2>&1 || {
    tail -5 "$dir/dict.log"
    fail "libFuzzer refused -dict=$dict"
}
grep -q "^Dictionary: $entries entries" "$dir/dict.log" ||
    fail "libFuzzer did not load the $entries entries: $(grep -m1 -i dictionary "$dir/dict.log")"
# ... and the op tokens are whole ops: one case with a one-packet header and every op token (a
# RestoreBytes token followed by its bytes), each followed by a sentinel op (RestoreBytes of "XYZ"),
# must decode as the token's op(s), the sentinel, and so on: a token a byte short or long shifts
# every later field and breaks the next sentinel.
python3 - "$dict" "$dir/tokens.case" "$dir/expected" <<'EOF'
import re, sys
sentinel, own = b"\x02\x00\x03XYZ", "restore from the case's own %d bytes (below)"
case, expected = bytearray(b"\x00\x04" + b"SEED"), []
for line in open(sys.argv[1]):
    m = re.match(r'^([a-z0-9_]+)="(.*)"$', line.strip())
    if not m or m.group(1).startswith(("header_", "varint_")):
        continue
    name, token = m.group(1), bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-f]{2})", m.group(2)))
    case += token
    if name == "kmcl_pair":
        expected += ["save packet", "save packet"]
    elif name.startswith("restore_bytes_"):
        case += b"\x5a" * token[-1]
        expected.append(own % token[-1])
    elif name.startswith("restore_"):
        expected.append("restore packet")
    else:
        expected.append("save packet")
    case += sentinel
    expected.append(own % 3)
open(sys.argv[2], "wb").write(case)
open(sys.argv[3], "w").write("\n".join(expected) + "\n")
EOF
"$vspconform" replay "$module" "$dir/tokens.case" --fuzzer-input --dump >"$dir/dump.log" 2>&1 || true
ops=$(wc -l <"$dir/expected")
grep -q "decoded: 1 packet(s), $ops op(s)" "$dir/dump.log" ||
    fail "the dictionary's op tokens and sentinels did not decode as $ops ops: $(grep -m1 decoded: "$dir/dump.log")"
i=0
while read -r want; do
    got=$(grep -m1 "^  op $i: " "$dir/dump.log" || true)
    [[ $got == "  op $i: $want"* ]] || fail "op token $i decodes as '${got#*: }', not '$want ...'"
    i=$((i + 1))
done <"$dir/expected"
echo "PASS: merge and set_cover_merge keep cov/ft $full_cov with fewer files; the dictionary's $entries" \
    "entries load and its op tokens decode as whole ops ($ops ops with the sentinels)"

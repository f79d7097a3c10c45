#!/usr/bin/python3
"""Validates JSON files against a JSON Schema (draft 4 or later), formats included.

Usage: validate_json.py SCHEMA FILE... [-- SCHEMA FILE...]...   Exit 0 when every file is valid; otherwise prints
each error as FILE: PATH: MESSAGE and exits 1 (2 when the validator itself cannot run).
Uses Debian's python3-jsonschema, with python3-rfc3987 for the uri/uri-reference formats.
"""
import json
import sys

try:
    import jsonschema
    import rfc3987  # noqa: F401  (makes FormatChecker check "uri" and "uri-reference")
except ImportError as e:
    print(f"validate_json: {e}: install python3-jsonschema and python3-rfc3987", file=sys.stderr)
    sys.exit(2)


def main():
    groups, group = [], []
    for arg in sys.argv[1:]:
        if arg == "--":
            groups.append(group)
            group = []
        else:
            group.append(arg)
    groups.append(group)
    if any(len(g) < 2 for g in groups):
        print("usage: validate_json.py SCHEMA FILE... [-- SCHEMA FILE...]...", file=sys.stderr)
        return 2
    bad = 0
    for g in groups:
        r = validate(g[0], g[1:])
        if r == 2:
            return 2
        bad += r
    return 1 if bad else 0


def validate(schema_path, paths):
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    # Every format jsonschema knows (SARIF's draft-04 schema uses draft-06's "uri-reference" too).
    checker = jsonschema.FormatChecker()
    for needed in ("uri", "uri-reference"):
        if needed not in checker.checkers:
            print(f"validate_json: the format checker cannot check '{needed}'", file=sys.stderr)
            return 2
    validator = cls(schema, format_checker=checker)
    bad = 0
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in err.absolute_path) or "(root)"
            print(f"{path}: {where}: {err.message}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

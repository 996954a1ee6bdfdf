#!/usr/bin/python3
"""Validates every line of a JSON Lines file against a JSON Schema (draft 2020-12), with Debian's python3-jsonschema."""
import json
import os
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is missing: apt-get install python3-jsonschema (listed in scripts/packages.txt)")
    sys.exit(3)


def main():
    if len(sys.argv) != 3:
        print("usage: validate_schema.py SCHEMA FILE.jsonl")
        return 2
    path = os.path.abspath(sys.argv[1])
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    # the schemas refer to common-v1.json next to them
    resolver = jsonschema.RefResolver(base_uri=pathlib.Path(path).as_uri(), referrer=schema)
    validator = cls(schema, resolver=resolver)
    bad = 0
    n = 0
    with open(sys.argv[2], encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            doc = json.loads(line)
            for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
                bad += 1
                where = "/".join(str(p) for p in err.path) or "(root)"
                print(f"{sys.argv[2]}:{lineno}: {where}: {err.message}")
    if n == 0:
        print(f"{sys.argv[2]}: no document")
        return 1
    return 1 if bad else 0


sys.exit(main())

#!/usr/bin/python3
"""Validates every line of a JSON Lines file against a JSON Schema (draft 2020-12), with Debian's python3-jsonschema."""
import json
import os
import pathlib
import re
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is missing: apt-get install python3-jsonschema (listed in scripts/packages.txt)")
    sys.exit(3)


def load_validator(path):
    path = os.path.abspath(path)
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    # the schemas refer to common-v1.json next to them
    resolver = jsonschema.RefResolver(base_uri=pathlib.Path(path).as_uri(), referrer=schema)
    return cls(schema, resolver=resolver)


SCHEMA_FILES = {"cjd.alert/1": "alert-v1.json", "cjd.metrics/1": "metrics-v1.json",
                "cjd.heartbeat/1": "heartbeat-v1.json"}


def check_docs(doc_path, schema_dir):
    """Every ```json block of the document that names a schema must validate against it."""
    text = open(doc_path, encoding="utf-8").read()
    blocks = re.findall(r"```json\n(.*?)```", text, re.S)
    seen = set()
    bad = 0
    for i, block in enumerate(blocks, 1):
        doc = json.loads(block)
        name = doc.get("schema")
        if name not in SCHEMA_FILES:
            continue
        seen.add(name)
        v = load_validator(os.path.join(schema_dir, SCHEMA_FILES[name]))
        for err in v.iter_errors(doc):
            bad += 1
            print(f"{doc_path}: json block {i} ({name}): {'/'.join(map(str, err.path))}: {err.message}")
    missing = set(SCHEMA_FILES) - seen
    if missing:
        print(f"{doc_path}: no example for {', '.join(sorted(missing))}")
        return 1
    return 1 if bad else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--docs":
        return check_docs(sys.argv[2], sys.argv[3])
    if len(sys.argv) != 3:
        print("usage: validate_schema.py SCHEMA FILE.jsonl | --docs DOC.md SCHEMA_DIR")
        return 2
    validator = load_validator(sys.argv[1])
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

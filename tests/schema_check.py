#!/usr/bin/env python3
"""Validates every scenario file given against scenarios/schema.json, so the
schema and the parser stay in step (the parser accepts all of them)."""
import json
import sys

import jsonschema

schema_path, files = sys.argv[1], sys.argv[2:]
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
passed = failed = 0
for f in files:
    errors = sorted(validator.iter_errors(json.load(open(f))), key=lambda e: list(e.path))
    if errors:
        failed += 1
        for e in errors[:3]:
            print("FAIL %s: %s: %s" % (f, "/".join(str(p) for p in e.path), e.message))
    else:
        passed += 1
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)

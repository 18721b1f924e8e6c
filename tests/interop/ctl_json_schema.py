#!/usr/bin/env python3
"""Checks `sekishoctl --json` output against the JSON Schema documented in docs/protocol/ctl.md.

Usage: ctl_json_schema.py DOC NAME < output
The schema NAME is the ```json block that follows the line `<!-- schema: NAME -->` in DOC.
Python's standard library has no JSON Schema validator; this checks the subset the document
uses: type (object, array, string, integer, boolean), required, properties,
additionalProperties (false), items, enum, minimum. Exit 0 when valid, 1 with a message when
not (or when the schema is missing: a test cannot pass against a schema that does not exist).
"""
import json
import re
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}
KNOWN = {"type", "required", "properties", "additionalProperties", "items", "enum", "minimum",
         "description", "$schema", "title"}


def load_schema(doc, name):
    text = open(doc, encoding="utf-8").read()
    m = re.search(r"<!-- schema: " + re.escape(name) + r" -->\s*```json\n(.*?)```", text, re.S)
    if not m:
        sys.exit(f"no schema '{name}' in {doc}")
    return json.loads(m.group(1))


def check(value, schema, path, errors):
    unknown = set(schema) - KNOWN
    if unknown:
        errors.append(f"{path}: schema uses unsupported keywords {sorted(unknown)}")
    t = schema.get("type")
    if t is not None and not TYPES[t](value):
        errors.append(f"{path}: expected {t}, got {type(value).__name__} {value!r}")
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not one of {schema['enum']}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value} below {schema['minimum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing required key '{key}'")
        if schema.get("additionalProperties") is False:
            for key in value:
                if key not in props:
                    errors.append(f"{path}: key '{key}' is not in the schema")
        for key, sub in props.items():
            if key in value:
                check(value[key], sub, f"{path}.{key}", errors)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(item, schema["items"], f"{path}[{i}]", errors)


def main():
    doc, name = sys.argv[1], sys.argv[2]
    schema = load_schema(doc, name)
    raw = sys.stdin.read()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as e:
        sys.exit(f"{name}: not JSON ({e}): {raw!r}")
    errors = []
    check(value, schema, "$", errors)
    if errors:
        sys.exit(f"{name}: " + "; ".join(errors) + f"\noutput: {raw}")
    print(f"{name}: valid")


if __name__ == "__main__":
    main()

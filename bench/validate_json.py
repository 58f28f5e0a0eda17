#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The schema test: runs `sanstls bench --smoke --json FILE` and validates FILE against
docs/bench-schema.json (JSON Schema draft 2020-12) with python3-jsonschema."""
import argparse
import json
import subprocess
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--cli", required=True)
parser.add_argument("--schema", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()

try:
    import jsonschema
except ImportError:
    sys.exit("python3-jsonschema is missing: run scripts/install-deps.sh")

run = subprocess.run([args.cli, "bench", "--smoke", "--json", args.out],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=100)
if run.returncode != 0:
    sys.stderr.write(run.stdout + run.stderr)
    sys.exit(f"sanstls bench --smoke exited with {run.returncode}")
for section in ("Full TLS 1.3 handshakes", "Full TLS 1.2 handshakes", "Resumed TLS 1.3 handshakes",
                "X.509 path validation"):
    if section not in run.stdout:
        sys.exit(f"the table's section '{section}' is missing from the output")

with open(args.schema) as f:
    schema = json.load(f)
with open(args.out) as f:
    report = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(report), key=str)
for error in errors:
    print(f"{'/'.join(map(str, error.absolute_path))}: {error.message}", file=sys.stderr)
if errors:
    sys.exit(f"{len(errors)} schema violations")
print(f"{args.out} validates against {args.schema}")

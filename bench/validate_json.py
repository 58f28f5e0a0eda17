#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The schema test: runs `sanstls bench --smoke --json FILE` and validates FILE against
docs/bench-schema.json (JSON Schema draft 2020-12) with python3-jsonschema; then the same for
a run of only the memory, threads and scale measurements (`--only`)."""
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

with open(args.schema) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)


def run_and_validate(extra, out, sections):
    """Runs the smoke bench with `extra` arguments into `out`; checks the table's sections and
    the JSON against the schema; returns the report."""
    run = subprocess.run([args.cli, "bench", "--smoke", *extra, "--json", out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=100)
    if run.returncode != 0:
        sys.stderr.write(run.stdout + run.stderr)
        sys.exit(f"sanstls bench --smoke {' '.join(extra)} exited with {run.returncode}")
    for section in sections:
        if section not in run.stdout:
            sys.exit(f"the table's section '{section}' is missing from the output of "
                     f"sanstls bench --smoke {' '.join(extra)}")
    with open(out) as f:
        report = json.load(f)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(report), key=str)
    for error in errors:
        print(f"{'/'.join(map(str, error.absolute_path))}: {error.message}", file=sys.stderr)
    if errors:
        sys.exit(f"{out}: {len(errors)} schema violations")
    print(f"{out} validates against {args.schema}")
    return report


full = run_and_validate([], args.out,
                 ["Full TLS 1.3 handshakes", "Full TLS 1.2 handshakes", "Resumed TLS 1.3 handshakes",
                  "X.509 path validation", "load average (1, 5, 15 min)",
                  "Parallel independent sessions", "Scale: sanstls/native"])

# --only: the selected rows alone, for the native engine and the raw loops.
only_out = args.out.replace(".json", "") + "-only.json"
report = run_and_validate(["--backend", "native", "--only", "scale", "--only", "threads"],
                          only_out, ["Scale: sanstls/native", "Parallel independent sessions"])
if "hardware" in report or "x509_validation" in report:
    sys.exit(f"{only_out}: --only scale --only threads measured the hardware ceiling too")
for impl in report["implementations"]:
    unexpected = set(impl) - {"name", "kind", "library", "version", "threads", "scale"}
    if unexpected or "threads" not in impl:
        sys.exit(f"{only_out}: {impl['name']} has {sorted(set(impl))}, expected threads (and scale)")
if not any("scale" in impl for impl in report["implementations"]):
    sys.exit(f"{only_out}: no scale row")

# The bulk / raw AEAD ratios divide by the reference measured between the bulk rows (drift
# cancels), one per cipher and record size.
for aead in full["hardware"]["aead"]:
    for figure in ("seal_open_with_bulk", "seal_open_inner_plaintext_with_bulk"):
        if figure not in aead:
            sys.exit(f"{args.out}: no raw AEAD reference ({figure}) measured with the bulk rows "
                     f"for {aead['cipher']} ({aead['record_bytes']} B records)")
    # The TLS 1.3 ceiling row divides the two references of the same cipher and record size.
    name = (f"raw AEAD: {aead['cipher']} over TLS 1.3 records of {aead['record_bytes']} B content "
            "(content + type byte) / over the content alone")
    ceiling = next((r for r in full["ratios"] if r["name"] == name), None)
    expected = (aead["seal_open_inner_plaintext_with_bulk"]["median"]
                / aead["seal_open_with_bulk"]["median"])
    if ceiling is None or abs(ceiling["value"] - expected) > 1e-9 * expected:
        sys.exit(f"{args.out}: '{name}' is {ceiling and ceiling['value']}, not the two "
                 f"references' medians divided ({expected})")
for ratio in full["ratios"]:
    if (not ratio["name"].startswith("sanstls/native: bulk AES-128-GCM client_to_server")
            or "receive into a vector" in ratio["name"]):
        continue
    small = "1 KiB writes" in ratio["name"]
    reference = next(a for a in full["hardware"]["aead"]
                     if a["cipher"] == "AES-128-GCM" and a["record_bytes"] == (1024 if small else 16384))
    native = next(i for i in full["implementations"] if i["name"] == "sanstls/native")
    row = next(b for b in native["bulk"] if b["cipher"] == "AES-128-GCM" and
               b["direction"] == "client_to_server" and b["write_bytes"] == (1024 if small else 16384))
    figure = ("seal_open_inner_plaintext_with_bulk" if "over TLSInnerPlaintext" in ratio["name"]
              else "seal_open_with_bulk")
    expected = row["total"]["median"] / reference[figure]["median"]
    if abs(ratio["value"] - expected) > 1e-9 * expected:
        sys.exit(f"{args.out}: '{ratio['name']}' is {ratio['value']}, not the bulk median over the "
                 f"interleaved raw AEAD median ({figure}: {expected})")

# The handshakes / crypto floor ratios divide by the floor measured between the repetitions of
# their own handshake section.
later = full["hardware"].get("handshake_floor_with_handshakes")
if not later:
    sys.exit(f"{args.out}: no crypto floor measured with the handshake rows")
native = next(i for i in full["implementations"] if i["name"] == "sanstls/native")
checked = 0
for ratio in full["ratios"]:
    for cert, section in (("ecdsa_p256", "handshakes"), ("rsa_2048", "tls12_handshakes")):
        prefix = "TLS 1.2 full" if section == "tls12_handshakes" else "full"
        if ratio["name"] != f"sanstls/native: {prefix} handshakes ({cert}) / crypto floor":
            continue
        floor_section = ("tls12_" if section == "tls12_handshakes" else "full_") + cert
        expected = native[section][cert]["total"]["median"] / later[floor_section][cert]["total"]
        if abs(ratio["value"] - expected) > 1e-9 * expected:
            sys.exit(f"{args.out}: '{ratio['name']}' is {ratio['value']}, not the handshakes' "
                     f"median over the floor measured with them ({expected})")
        checked += 1
if checked != 2:
    sys.exit(f"{args.out}: {checked} of the 2 native handshakes / crypto floor ratios found")

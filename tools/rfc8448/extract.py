#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Extracts every hex value of the RFC 8448 traces into a line-based data file.

Usage: /usr/bin/python3 tools/rfc8448/extract.py /work/shared/rfc/rfc8448.txt \
           tests/native/data/rfc8448.tsv

Output: one line per field, tab-separated:
    section  step  actor  step-title  label  hex
`section` is the RFC section number (3 = simple 1-RTT, 4 = resumed 0-RTT, 5 =
HelloRetryRequest, 6 = client authentication, 7 = compatibility mode); `step` numbers the
"{client}/{server} ..." paragraphs of a section from 0; `hex` is lower-case without spaces
(empty for "(empty)"). Every field's byte count is checked against its "(N octets)".
"""

import re
import sys

PAGE_FOOTER = re.compile(r"^Thomson\s+Informational\s+\[Page \d+\]$")
PAGE_HEADER = re.compile(r"^RFC 8448\s+TLS 1.3 Traces\s+January 2019$")
SECTION = re.compile(r"^(\d+)\.  (\S.*)$")
STEP = re.compile(r"^   \{(client|server)\}  (.*)$")
FIELD = re.compile(r"^      (\S[^:(]*?) \((\d+) octets?\):\s*(.*)$")
HEX_CONTINUATION = re.compile(r"^         ((?:[0-9a-f]{2} ?)+)$")
STEP_CONTINUATION = re.compile(r"^      (\S.*)$")


def clean_lines(text):
    for line in text.replace("\f", "\n").split("\n"):
        line = line.rstrip()
        if PAGE_FOOTER.match(line) or PAGE_HEADER.match(line):
            continue
        yield line


def parse(text):
    section = None
    step_index = -1
    actor = title = None
    field = None  # [label, expected_length, hex list]
    title_open = False
    out = []

    def close_field():
        nonlocal field
        if field is None:
            return
        label, expected, parts = field
        hexstr = "".join(parts)
        if len(hexstr) != 2 * expected:
            raise SystemExit(f"section {section} step {step_index} {label}: "
                             f"{len(hexstr) // 2} bytes, RFC says {expected}")
        out.append((section, step_index, actor, title, label, hexstr))
        field = None

    for line in clean_lines(text):
        m = SECTION.match(line)
        if m:
            close_field()
            number = int(m.group(1))
            section = number if 3 <= number <= 7 else None
            step_index = -1
            continue
        if section is None:
            continue
        m = STEP.match(line)
        if m:
            close_field()
            step_index += 1
            actor, title = m.group(1), m.group(2).strip()
            title_open = not title.endswith(":")
            continue
        if title_open:
            m = STEP_CONTINUATION.match(line)
            if m and not FIELD.match(line):
                title += " " + m.group(1).strip()
                title_open = not title.endswith(":") and not title.endswith(")")
                continue
            title_open = False
        m = FIELD.match(line)
        if m:
            close_field()
            label, expected, rest = m.group(1), int(m.group(2)), m.group(3).strip()
            if rest == "(empty)" or (rest.startswith("0 (all zero") and expected == 0):
                rest = ""
            if rest.startswith("0 (all zero octets)"):
                rest = ""
            field = [label, expected, [rest.replace(" ", "")]]
            continue
        m = HEX_CONTINUATION.match(line)
        if m and field is not None:
            field[2].append(m.group(1).replace(" ", ""))
            continue
        if line == "":
            continue
        close_field()
    close_field()
    return out


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1], encoding="ascii") as f:
        rows = parse(f.read())
    with open(sys.argv[2], "w", encoding="ascii") as f:
        f.write("# RFC 8448 trace values, extracted by tools/rfc8448/extract.py; do not edit.\n")
        f.write("# section\tstep\tactor\tstep-title\tlabel\thex\n")
        for row in rows:
            f.write("\t".join(str(v) for v in row) + "\n")
    print(f"{len(rows)} fields written to {sys.argv[2]}")


if __name__ == "__main__":
    main()

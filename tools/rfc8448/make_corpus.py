#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Writes the fuzz seed corpora (fuzz/corpus/<target>/) from the extracted RFC 8448 data.

Usage: /usr/bin/python3 tools/rfc8448/make_corpus.py tests/native/data/rfc8448.tsv fuzz/corpus
"""

import os
import sys

MESSAGE_TARGETS = {
    1: "client_hello", 2: "server_hello", 8: "encrypted_extensions", 11: "certificate",
    13: "certificate_request", 15: "certificate_verify", 20: "finished",
    4: "new_session_ticket", 24: "key_update",
}


def split_messages(payload):
    out = []
    while len(payload) >= 4:
        length = int.from_bytes(payload[1:4], "big")
        out.append(payload[:4 + length])
        payload = payload[4 + length:]
    return out


def main():
    tsv, root = sys.argv[1], sys.argv[2]
    steps = {}
    for line in open(tsv, encoding="ascii"):
        if line.startswith("#"):
            continue
        section, step, actor, title, label, hexstr = line.rstrip("\n").split("\t")
        steps.setdefault((int(section), int(step)), (actor, title, {}))[2][label] = bytes.fromhex(hexstr)

    corpora = {}

    def add(target, name, data):
        corpora.setdefault(target, {})[name] = data

    streams = {}
    for (section, step), (actor, title, fields) in sorted(steps.items()):
        if title.startswith("send ") and "complete record" in fields:
            streams.setdefault((section, actor), b"")
            streams[(section, actor)] += fields["complete record"]
            if title.startswith("send handshake record") and fields["complete record"][0] == 0x16:
                for i, msg in enumerate(split_messages(fields["payload"])):
                    add("handshake_message", f"s{section}-{step}-{i}", msg)
        if title.startswith("send handshake record"):
            for i, msg in enumerate(split_messages(fields["payload"])):
                target = MESSAGE_TARGETS.get(msg[0])
                name = f"s{section}-{step}-{i}"
                add("handshake_message", name, msg)
                add("reader", name, bytes([min(255, len(msg) // 4)]) + msg)
                if target == "finished":
                    add(target, name, b"\x00" + msg[4:])
                elif target:
                    add(target, name, msg[4:])
    for (section, actor), stream in streams.items():
        for mode in (0x00, 0x05, 0x3f, 0x80, 0x81):
            add("record", f"s{section}-{actor}-{mode:02x}", bytes([mode]) + stream)
    add("key_update", "not-requested", b"\x00")
    add("key_update", "requested", b"\x01")
    add("handshake_message", "end-of-early-data", b"\x05\x00\x00\x00")
    add("handshake_message", "key-update", b"\x18\x00\x00\x01\x01")
    for target, files in corpora.items():
        os.makedirs(os.path.join(root, target), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(root, target, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(files)} seeds")


if __name__ == "__main__":
    main()

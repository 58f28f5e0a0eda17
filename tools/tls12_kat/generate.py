#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Known-answer data for the native TLS 1.2 key schedule and record protection.

Runs TLS 1.2 handshakes between two OpenSSL endpoints (Python's ssl module over memory BIOs),
with the client's NSS key log, and records every byte. Then, independently of sanstls, with
Python's hmac/hashlib and the `cryptography` package:
  - the session hash (RFC 7627 §3) over the plaintext handshake messages through
    ClientKeyExchange; the master secret comes from OpenSSL's key log (CLIENT_RANDOM);
  - the key block (RFC 5246 §6.3) from the master secret, checked by decrypting both Finished
    records OpenSSL sent (the AEAD tag authenticates key, IV and additional data);
  - both Finished verify_data (RFC 5246 §7.4.9), checked against the decrypted messages;
  - the first application-data record each way (sequence number 1), decrypted;
  - what a sender that uses the sequence number as GCM explicit nonce (RFC 5288 §3) writes for
    the client's Finished, computed with `cryptography`'s AESGCM;
  - an extended master secret (RFC 7627 §4) and RFC 5705 exporters from the recorded randoms.
Writes tests/native/data/tls12_kat.tsv (key<TAB>hex value, one block per handshake).

Run: /usr/bin/python3 tools/tls12_kat/generate.py > tests/native/data/tls12_kat.tsv
"""
import hashlib
import os
import ssl
import sys
import tempfile

from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tls12_common"))
import tls12  # noqa: E402  (tools/tls12_common/tls12.py: PRF, key block, records, credentials)

SUITES = {
    # name: (code, hash, key length, AEAD, key type)
    "ECDHE-ECDSA-AES128-GCM-SHA256": (0xC02B, hashlib.sha256, 16, "gcm", "ec"),
    "ECDHE-RSA-AES256-GCM-SHA384": (0xC030, hashlib.sha384, 32, "gcm", "rsa"),
    "ECDHE-RSA-CHACHA20-POLY1305": (0xCCA8, hashlib.sha256, 32, "chacha", "rsa"),
}


def handshake(cipher, directory):
    cert, key = tls12.make_credentials(directory, "tls12-kat.example", SUITES[cipher][4])
    keylog = os.path.join(directory, cipher + ".keylog")
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.minimum_version = server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server_ctx.set_ciphers(cipher)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.minimum_version = client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    client_ctx.set_ciphers(cipher)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    client_ctx.keylog_filename = keylog
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_side=False)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    flow = []  # (from_client, bytes) in the order sent

    def pump():
        moved = False
        for src, dst, from_client in ((c_out, s_in, True), (s_out, c_in, False)):
            data = src.read()
            if data:
                flow.append((from_client, data))
                dst.write(data)
                moved = True
        return moved

    done = {"c": False, "s": False}
    for _ in range(20):
        for name, end in (("c", client), ("s", server)):
            if not done[name]:
                try:
                    end.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        if not pump() and all(done.values()):
            break
    client.write(b"ping from the client")
    pump()
    assert server.read() == b"ping from the client"
    server.write(b"pong from the server")
    pump()
    assert client.read() == b"pong from the server"
    client_random, master = tls12.last_client_random_and_master(keylog)
    return flow, master, client_random


def aead_seal_seq_nonce(kind, key, iv, seq, rtype, plaintext):
    aad = tls12.additional_data(seq, rtype, len(plaintext))
    if kind == "gcm":
        explicit = seq.to_bytes(8, "big")
        body = explicit + AESGCM(key).encrypt(iv + explicit, plaintext, aad)
    else:
        body = ChaCha20Poly1305(key).encrypt(tls12.chacha_nonce(iv, seq), plaintext, aad)
    return tls12.wire_record(rtype, body)


def emit(out, key, value):
    out.append(f"{key}\t{value.hex() if isinstance(value, bytes) else value}")


def analyse(cipher, flow, master, client_random_log):
    code, h, key_length, kind, _ = SUITES[cipher]
    transcript = []  # plaintext handshake messages in order, with direction
    encrypted = {True: [], False: []}
    after_ccs = {True: False, False: False}
    for from_client, data in flow:
        for rtype, _, fragment in tls12.parse_records(data):
            if rtype == 20:
                after_ccs[from_client] = True
            elif after_ccs[from_client]:
                encrypted[from_client].append((rtype, fragment))
            elif rtype == 22:
                transcript.extend((from_client, m) for m in tls12.messages(fragment))
    ch, sh = transcript[0][1], transcript[1][1]
    client_random, server_random = ch[6:38], sh[6:38]
    assert client_random == client_random_log
    assert ch[0] == 1 and sh[0] == 2
    # Both hellos carry extended_master_secret (type 23, empty).
    assert b"\x00\x17\x00\x00" in ch and b"\x00\x17\x00\x00" in sh
    cke = [i for i, (_, m) in enumerate(transcript) if m[0] == 16][0]
    through_cke = [m for _, m in transcript[:cke + 1]]
    # After ClientKeyExchange in plaintext: only the server's NewSessionTicket (RFC 5077 §3.3).
    later = [m for _, m in transcript[cke + 1:]]
    assert all(m[0] == 4 for m in later)
    session_hash = h(b"".join(through_cke)).digest()

    block, ck, sk, civ, siv = tls12.key_block(h, master, client_random, server_random, key_length,
                                              kind)

    # The client's Finished: hash of everything through ClientKeyExchange.
    c_fin_type, c_fin_record = encrypted[True][0]
    client_finished = tls12.aead_open(kind, ck, civ, 0, c_fin_type, c_fin_record)
    expected = tls12.finished_message(h, master, b"client finished", session_hash)
    assert client_finished == expected, "client Finished differs"
    c_verify = expected[4:]
    # The server's Finished: everything through the client's Finished and any NewSessionTicket.
    server_messages = through_cke + [client_finished] + later
    server_hash = h(b"".join(server_messages)).digest()
    s_fin_type, s_fin_record = encrypted[False][0]
    server_finished = tls12.aead_open(kind, sk, siv, 0, s_fin_type, s_fin_record)
    expected = tls12.finished_message(h, master, b"server finished", server_hash)
    assert server_finished == expected, "server Finished differs"
    s_verify = expected[4:]
    c_app_type, c_app = encrypted[True][1]
    s_app_type, s_app = encrypted[False][1]
    assert tls12.aead_open(kind, ck, civ, 1, c_app_type, c_app) == b"ping from the client"
    assert tls12.aead_open(kind, sk, siv, 1, s_app_type, s_app) == b"pong from the server"

    pre_master = hashlib.sha256(b"sanstls tls12 kat " + cipher.encode()).digest()
    out = []
    emit(out, "suite", f"{code:04x}")
    emit(out, "client_random", client_random)
    emit(out, "server_random", server_random)
    emit(out, "master_secret", master)
    emit(out, "session_hash", session_hash)
    emit(out, "key_block", block)
    emit(out, "client_finished_hash", session_hash)
    emit(out, "client_verify_data", c_verify)
    emit(out, "client_finished_record", tls12.wire_record(c_fin_type, c_fin_record))
    emit(out, "client_finished_record_seq_nonce",
         aead_seal_seq_nonce(kind, ck, civ, 0, 22, client_finished))
    emit(out, "server_finished_hash", server_hash)
    emit(out, "server_verify_data", s_verify)
    emit(out, "server_finished_record", tls12.wire_record(s_fin_type, s_fin_record))
    emit(out, "client_app_record", tls12.wire_record(c_app_type, c_app))
    emit(out, "server_app_record", tls12.wire_record(s_app_type, s_app))
    emit(out, "ems_pre_master_secret", pre_master)
    emit(out, "ems_master_secret",
         tls12.prf(h, pre_master, b"extended master secret", session_hash, 48))
    seed = client_random + server_random
    emit(out, "exporter_no_context",
         tls12.prf(h, master, b"EXPERIMENTAL sanstls", seed, 40))
    emit(out, "exporter_empty_context",
         tls12.prf(h, master, b"EXPERIMENTAL sanstls", seed + b"\x00\x00", 40))
    emit(out, "exporter_context",
         tls12.prf(h, master, b"EXPERIMENTAL sanstls", seed + b"\x00\x03abc", 40))
    return out


def main():
    print("# SPDX-License-Identifier: Apache-2.0 OR MIT")
    print("# Generated by tools/tls12_kat/generate.py from TLS 1.2 handshakes between two OpenSSL")
    print(f"# {ssl.OPENSSL_VERSION} endpoints; see the script for what each value is checked against.")
    with tempfile.TemporaryDirectory() as directory:
        for cipher in SUITES:
            flow, master, client_random = handshake(cipher, directory)
            print("begin\t" + cipher)
            for line in analyse(cipher, flow, master, client_random):
                print(line)
            print("end")
    return 0


if __name__ == "__main__":
    sys.exit(main())

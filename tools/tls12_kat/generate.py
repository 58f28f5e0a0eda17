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
import datetime
import hashlib
import hmac
import os
import ssl
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.x509.oid import NameOID

SUITES = {
    # name: (code, hash, key length, AEAD, key type)
    "ECDHE-ECDSA-AES128-GCM-SHA256": (0xC02B, hashlib.sha256, 16, "gcm", "ec"),
    "ECDHE-RSA-AES256-GCM-SHA384": (0xC030, hashlib.sha384, 32, "gcm", "rsa"),
    "ECDHE-RSA-CHACHA20-POLY1305": (0xCCA8, hashlib.sha256, 32, "chacha", "rsa"),
}


def prf(h, secret, label, seed, n):
    # RFC 5246 §5: P_hash(secret, label + seed).
    seed = label + seed
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, h).digest()
        out += hmac.new(secret, a + seed, h).digest()
    return out[:n]


def make_credentials(directory, kind):
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(
        public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tls12-kat.example")])
    now = datetime.datetime(2026, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, kind + ".crt")
    key_path = os.path.join(directory, kind + ".key")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


def records(data):
    out, i = [], 0
    while i < len(data):
        t, length = data[i], int.from_bytes(data[i + 3:i + 5], "big")
        out.append((t, data[i + 5:i + 5 + length]))
        i += 5 + length
    assert i == len(data)
    return out


def handshake(cipher, directory):
    cert, key = make_credentials(directory, SUITES[cipher][4])
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
    with open(keylog) as f:
        lines = [l.split() for l in f if l.startswith("CLIENT_RANDOM")]
    return flow, bytes.fromhex(lines[-1][2]), bytes.fromhex(lines[-1][1])


def messages(fragment):
    out, i = [], 0
    while i < len(fragment):
        length = int.from_bytes(fragment[i + 1:i + 4], "big")
        out.append(fragment[i:i + 4 + length])
        i += 4 + length
    return out


def aead_open(kind, key, iv, seq, rtype, fragment):
    if kind == "gcm":
        nonce, ct = iv + fragment[:8], fragment[8:]
        cipher = AESGCM(key)
    else:
        nonce = bytes(a ^ b for a, b in zip(iv, bytes(4) + seq.to_bytes(8, "big")))
        ct = fragment
        cipher = ChaCha20Poly1305(key)
    aad = seq.to_bytes(8, "big") + bytes([rtype]) + b"\x03\x03" + (len(ct) - 16).to_bytes(2, "big")
    return cipher.decrypt(nonce, ct, aad)


def aead_seal_seq_nonce(kind, key, iv, seq, rtype, plaintext):
    aad = seq.to_bytes(8, "big") + bytes([rtype]) + b"\x03\x03" + len(plaintext).to_bytes(2, "big")
    if kind == "gcm":
        explicit = seq.to_bytes(8, "big")
        body = explicit + AESGCM(key).encrypt(iv + explicit, plaintext, aad)
    else:
        nonce = bytes(a ^ b for a, b in zip(iv, bytes(4) + seq.to_bytes(8, "big")))
        body = ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad)
    return bytes([rtype]) + b"\x03\x03" + len(body).to_bytes(2, "big") + body


def emit(out, key, value):
    out.append(f"{key}\t{value.hex() if isinstance(value, bytes) else value}")


def analyse(cipher, flow, master, client_random_log):
    code, h, key_length, kind, _ = SUITES[cipher]
    transcript = []  # plaintext handshake messages in order, with direction
    encrypted = {True: [], False: []}
    after_ccs = {True: False, False: False}
    for from_client, data in flow:
        for rtype, fragment in records(data):
            if rtype == 20:
                after_ccs[from_client] = True
            elif after_ccs[from_client]:
                encrypted[from_client].append((rtype, fragment))
            elif rtype == 22:
                transcript.extend((from_client, m) for m in messages(fragment))
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

    block = prf(h, master, b"key expansion", server_random + client_random,
                2 * key_length + 2 * (12 if kind == "chacha" else 4))
    iv_length = 12 if kind == "chacha" else 4
    ck, sk = block[:key_length], block[key_length:2 * key_length]
    civ = block[2 * key_length:2 * key_length + iv_length]
    siv = block[2 * key_length + iv_length:]

    # The client's Finished: hash of everything through ClientKeyExchange.
    c_fin_type, c_fin_record = encrypted[True][0]
    client_finished = aead_open(kind, ck, civ, 0, c_fin_type, c_fin_record)
    c_verify = prf(h, master, b"client finished", session_hash, 12)
    assert client_finished == b"\x14\x00\x00\x0c" + c_verify, "client Finished differs"
    # The server's Finished: everything through the client's Finished and any NewSessionTicket.
    server_messages = through_cke + [client_finished] + later
    server_hash = h(b"".join(server_messages)).digest()
    s_fin_type, s_fin_record = encrypted[False][0]
    server_finished = aead_open(kind, sk, siv, 0, s_fin_type, s_fin_record)
    s_verify = prf(h, master, b"server finished", server_hash, 12)
    assert server_finished == b"\x14\x00\x00\x0c" + s_verify, "server Finished differs"
    c_app_type, c_app = encrypted[True][1]
    s_app_type, s_app = encrypted[False][1]
    assert aead_open(kind, ck, civ, 1, c_app_type, c_app) == b"ping from the client"
    assert aead_open(kind, sk, siv, 1, s_app_type, s_app) == b"pong from the server"

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
    emit(out, "client_finished_record",
         bytes([c_fin_type]) + b"\x03\x03" + len(c_fin_record).to_bytes(2, "big") + c_fin_record)
    emit(out, "client_finished_record_seq_nonce",
         aead_seal_seq_nonce(kind, ck, civ, 0, 22, client_finished))
    emit(out, "server_finished_hash", server_hash)
    emit(out, "server_verify_data", s_verify)
    emit(out, "server_finished_record",
         bytes([s_fin_type]) + b"\x03\x03" + len(s_fin_record).to_bytes(2, "big") + s_fin_record)
    emit(out, "client_app_record",
         bytes([c_app_type]) + b"\x03\x03" + len(c_app).to_bytes(2, "big") + c_app)
    emit(out, "server_app_record",
         bytes([s_app_type]) + b"\x03\x03" + len(s_app).to_bytes(2, "big") + s_app)
    emit(out, "ems_pre_master_secret", pre_master)
    emit(out, "ems_master_secret", prf(h, pre_master, b"extended master secret", session_hash, 48))
    seed = client_random + server_random
    emit(out, "exporter_no_context",
         prf(h, master, b"EXPERIMENTAL sanstls", seed, 40))
    emit(out, "exporter_empty_context",
         prf(h, master, b"EXPERIMENTAL sanstls", seed + b"\x00\x00", 40))
    emit(out, "exporter_context",
         prf(h, master, b"EXPERIMENTAL sanstls", seed + b"\x00\x03abc", 40))
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

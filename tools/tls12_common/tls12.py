# SPDX-License-Identifier: Apache-2.0 OR MIT
"""TLS 1.2 helpers shared by the known-answer and replay generators.

tools/tls12_kat/generate.py and tools/tls12_replay/generate.py check OpenSSL's and our TLS 1.2
handshakes independently of sanstls, with hmac/hashlib and the `cryptography` package: the PRF
and key block (RFC 5246 §5, §6.3), Finished verify_data (§7.4.9), AEAD record opening (RFC 5288
§3 GCM with an explicit nonce, RFC 7905 §2 ChaCha20-Poly1305 with IV xor sequence number), record
and handshake-message splitting, the NSS key log and a self-signed test certificate. Each
generator puts this directory on sys.path (they run as scripts, e.g. by ctest through
/usr/bin/python3) and imports this module.
"""
import datetime
import hmac
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.x509.oid import NameOID


def prf(h, secret, label, seed, n):
    # RFC 5246 §5: P_hash(secret, label + seed).
    seed = label + seed
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, h).digest()
        out += hmac.new(secret, a + seed, h).digest()
    return out[:n]


def fixed_iv_length(kind):
    """The key block's IV bytes per direction: 4 (GCM salt, RFC 5288 §3), 12 (ChaCha20)."""
    return 12 if kind == "chacha" else 4


def key_block(h, master, client_random, server_random, key_length, kind):
    """RFC 5246 §6.3 for an AEAD suite: (block, client key, server key, client IV, server IV)."""
    iv_length = fixed_iv_length(kind)
    block = prf(h, master, b"key expansion", server_random + client_random,
                2 * key_length + 2 * iv_length)
    ck, sk = block[:key_length], block[key_length:2 * key_length]
    civ = block[2 * key_length:2 * key_length + iv_length]
    siv = block[2 * key_length + iv_length:]
    return block, ck, sk, civ, siv


def finished_message(h, master, label, handshake_hash):
    """A Finished handshake message (RFC 5246 §7.4.9): header and 12 bytes of verify_data."""
    return b"\x14\x00\x00\x0c" + prf(h, master, label, handshake_hash, 12)


def make_credentials(directory, common_name, kind="ec"):
    """A self-signed P-256 ("ec") or RSA-2048 ("rsa") certificate and key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(
        public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
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


def last_client_random_and_master(keylog):
    """The last CLIENT_RANDOM line of an NSS key log: (client_random, master_secret)."""
    with open(keylog) as f:
        lines = [l.split() for l in f if l.startswith("CLIENT_RANDOM")]
    return bytes.fromhex(lines[-1][1]), bytes.fromhex(lines[-1][2])


def parse_records(data):
    """The TLSPlaintext/TLSCiphertext records of a byte stream: (type, version, fragment)."""
    out, i = [], 0
    while i < len(data):
        t, length = data[i], int.from_bytes(data[i + 3:i + 5], "big")
        out.append((t, data[i + 1:i + 3], data[i + 5:i + 5 + length]))
        i += 5 + length
    assert i == len(data), "a recorded flight ends inside a record"
    return out


def messages(fragment):
    """The handshake messages (header included) of a handshake record's fragment."""
    out, i = [], 0
    while i < len(fragment):
        length = int.from_bytes(fragment[i + 1:i + 4], "big")
        out.append(fragment[i:i + 4 + length])
        i += 4 + length
    return out


def wire_record(rtype, fragment):
    """A TLS 1.2 record: type, version 3,3, length, fragment."""
    return bytes([rtype]) + b"\x03\x03" + len(fragment).to_bytes(2, "big") + fragment


def chacha_nonce(iv, seq):
    """RFC 7905 §2: the 12-byte IV xor the left-padded sequence number."""
    return bytes(a ^ b for a, b in zip(iv, bytes(4) + seq.to_bytes(8, "big")))


def additional_data(seq, rtype, length):
    """RFC 5246 §6.2.3.3: seq_num + type + version + length (of the plaintext)."""
    return seq.to_bytes(8, "big") + bytes([rtype]) + b"\x03\x03" + length.to_bytes(2, "big")


def aead_open(kind, key, iv, seq, rtype, fragment):
    """Decrypts a TLS 1.2 AEAD record's fragment at sequence number `seq`."""
    if kind == "gcm":
        nonce, ct, cipher = iv + fragment[:8], fragment[8:], AESGCM(key)
    else:
        nonce, ct, cipher = chacha_nonce(iv, seq), fragment, ChaCha20Poly1305(key)
    return cipher.decrypt(nonce, ct, additional_data(seq, rtype, len(ct) - 16))

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Records TLS 1.2 handshakes of the native engine with OpenSSL for byte-for-byte replay.

Our side runs with a deterministic provider (tests/native/tls12_replay.hpp), so given the peer's
bytes it always answers with the same bytes; the peer is a real OpenSSL command on 127.0.0.1:
  - our client against `openssl s_server -tls1_2 -rev` (it answers our line reversed);
  - our server (fixed Ed25519 certificate) against `openssl s_client -tls1_2`;
each with ECDHE X25519 + AES-128-GCM and P-256 + ChaCha20-Poly1305, extended master secret
(OpenSSL's default, and our requirement), ALPN, a line of application data each way and
close_notify both ways. The recorder (build/tests/native/record_tls12_replay) prints the steps
and our key log; OpenSSL writes its own key log.

Then, independently of sanstls, with hmac/hashlib and the `cryptography` package, from OpenSSL's
key log (CLIENT_RANDOM <client_random> <master_secret>):
  - our master secret equals OpenSSL's (two implementations, one EMS computation);
  - both hellos carry extended_master_secret; the suite is the one asked for;
  - the key block (RFC 5246 §6.3) decrypts every protected record, both directions, at its
    sequence number (GCM with the explicit nonce on the wire, ChaCha20 with IV xor seq);
  - both Finished verify_data (RFC 5246 §7.4.9) over the recorded handshake messages;
  - the peer's application data is what our driver reported receiving, its alert close_notify.
Writes tests/native/data/tls12_replay.tsv (tls12_replay.hpp says the format).

Run from the source tree after building the recorder:
  cmake --build build --target record_tls12_replay
  /usr/bin/python3 tools/tls12_replay/generate.py build > tests/native/data/tls12_replay.tsv
With --check BUILD REPLAY_TEST (ctest native_tls12_replay_generator, label interop): records
and verifies fresh handshakes into a temporary file and runs the replay test's byte-for-byte
case on them (SANSTLS_TLS12_REPLAY_DATA). Exits 77 when openssl or `cryptography` is missing
(failing instead when CI=true).
"""
import hashlib
import importlib.util
import shutil
import os
import socket
import subprocess
import sys
import tempfile
import time

if importlib.util.find_spec("cryptography") is None:  # tools/tls12_common/tls12.py needs it
    print("tls12_replay: the Python `cryptography` package is missing (python3-cryptography)",
          file=sys.stderr)
    sys.exit(1 if os.environ.get("CI") == "true" else 77)

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tls12_common"))
import tls12  # noqa: E402  (tools/tls12_common/tls12.py: PRF, key block, records, credentials)

# name: (our role, OpenSSL cipher, OpenSSL group, suite code, hash, key length, AEAD)
RECORDINGS = {
    "client_x25519_aes128gcm": ("client", "ECDHE-ECDSA-AES128-GCM-SHA256", "X25519", 0xC02B,
                                hashlib.sha256, 16, "gcm"),
    "client_p256_chacha20": ("client", "ECDHE-ECDSA-CHACHA20-POLY1305", "P-256", 0xCCA9,
                             hashlib.sha256, 32, "chacha"),
    "server_x25519_aes128gcm": ("server", "ECDHE-ECDSA-AES128-GCM-SHA256", "X25519", 0xC02B,
                                hashlib.sha256, 16, "gcm"),
    "server_p256_chacha20": ("server", "ECDHE-ECDSA-CHACHA20-POLY1305", "P-256", 0xCCA9,
                             hashlib.sha256, 32, "chacha"),
}
CLIENT_LINE = b"ping from openssl s_client\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def record(build, name, directory, cert, key):
    role, cipher, group = RECORDINGS[name][:3]
    recorder = os.path.join(build, "tests", "native", "record_tls12_replay")
    keylog = os.path.join(directory, name + ".keylog")
    port = free_port()
    common = ["-tls1_2", "-cipher", cipher, "-groups", group, "-keylogfile", keylog]
    if role == "client":
        server = subprocess.Popen(
            ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", cert, "-key", key,
             "-rev", "-naccept", "1", "-no_ticket", "-alpn", "http/1.1"] + common,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # The recorder connects as soon as the port answers; a probe connection would be
            # s_server's one accepted connection, so wait a moment instead.
            time.sleep(0.5)
            out = subprocess.run([recorder, "client", str(port)], check=True, capture_output=True,
                                 timeout=30).stdout.decode()
        finally:
            server.wait(timeout=10)
    else:
        ours = subprocess.Popen([recorder, "server", str(port)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        time.sleep(0.5)
        client = subprocess.Popen(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "tls12.test",
             "-alpn", "http/1.1", "-quiet"] + common,
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client.stdin.write(CLIENT_LINE)
        client.stdin.flush()
        stdout, stderr = ours.communicate(timeout=30)
        client.stdin.close()
        client.wait(timeout=10)
        if ours.returncode != 0:
            raise RuntimeError(f"recorder failed: {stderr.decode()}")
        out = stdout.decode()
    client_random, master = tls12.last_client_random_and_master(keylog)
    return out, client_random, master


def has_extension(hello, ext_type):
    # ClientHello/ServerHello: skip version, random, session id, (suites|suite), compression.
    i = 4 + 2 + 32
    i += 1 + hello[i]
    if hello[0] == 1:
        i += 2 + int.from_bytes(hello[i:i + 2], "big")
        i += 1 + hello[i]
    else:
        i += 3
    end = i + 2 + int.from_bytes(hello[i:i + 2], "big")
    i += 2
    while i < end:
        t, n = int.from_bytes(hello[i:i + 2], "big"), int.from_bytes(hello[i + 2:i + 4], "big")
        if t == ext_type:
            return True
        i += 4 + n
    return False


def verify(name, text, openssl_client_random, openssl_master):
    role, _, _, code, h, key_length, kind = RECORDINGS[name]
    values, steps = {}, []
    for line in text.splitlines():
        fields = line.split("\t")
        if fields[0] == "step":
            steps.append((fields[1], *(b"" if f == "-" else bytes.fromhex(f) for f in fields[2:])))
        elif fields[0] != "role":
            values[fields[0]] = bytes.fromhex(fields[1])
    assert values["native_client_random"] == openssl_client_random, "client randoms differ"
    assert values["native_master_secret"] == openssl_master, \
        "our master secret differs from OpenSSL's"
    # The byte streams, each direction, and what our driver reported receiving.
    client_bytes, server_bytes, app_reported = b"", b"", b""
    for kind_, data_in, out, app in steps:
        ours, theirs = out, data_in if kind_ == "receive" else b""
        if role == "client":
            client_bytes, server_bytes = client_bytes + ours, server_bytes + theirs
        else:
            client_bytes, server_bytes = client_bytes + theirs, server_bytes + ours
        app_reported += app
    # Plaintext handshake messages in wire order: ClientHello, the server's flight, then the
    # client's ClientKeyExchange (all before either side's ChangeCipherSpec).
    plain = {}
    protected = {}
    for from_client, stream in ((True, client_bytes), (False, server_bytes)):
        after_ccs, plain[from_client], protected[from_client] = False, [], []
        for rtype, version, fragment in tls12.parse_records(stream):
            if rtype == 20:
                assert fragment == b"\x01"
                after_ccs = True
            elif after_ccs:
                protected[from_client].append((rtype, fragment))
            else:
                assert rtype == 22, "plaintext non-handshake record"
                plain[from_client].extend(tls12.messages(fragment))
    ch = plain[True][0]
    sh = plain[False][0]
    assert ch[0] == 1 and sh[0] == 2
    assert int.from_bytes(sh[4 + 2 + 32 + 1 + sh[4 + 2 + 32]:][:2], "big") == code, "suite"
    assert has_extension(ch, 0x17) and has_extension(sh, 0x17), "no extended_master_secret"
    client_random, server_random = ch[6:38], sh[6:38]
    assert client_random == openssl_client_random
    through_cke = [ch] + plain[False] + plain[True][1:]
    assert through_cke[-1][0] == 16, "ClientKeyExchange is not the last plaintext message"
    _, ck, sk, civ, siv = tls12.key_block(h, openssl_master, client_random, server_random,
                                          key_length, kind)
    opened = {}
    for from_client, (key, iv) in ((True, (ck, civ)), (False, (sk, siv))):
        opened[from_client] = [(rtype, tls12.aead_open(kind, key, iv, seq, rtype, fragment))
                               for seq, (rtype, fragment) in enumerate(protected[from_client])]
    c_fin, s_fin = opened[True][0], opened[False][0]
    assert c_fin[0] == 22 and s_fin[0] == 22
    c_hash = h(b"".join(through_cke)).digest()
    assert c_fin[1] == tls12.finished_message(h, openssl_master, b"client finished", c_hash)
    s_hash = h(b"".join(through_cke + [c_fin[1]])).digest()
    assert s_fin[1] == tls12.finished_message(h, openssl_master, b"server finished", s_hash)
    peer = role == "server"  # True: the peer is the client
    peer_app = b"".join(p for t, p in opened[peer][1:] if t == 23)
    assert peer_app == app_reported and peer_app.endswith(b"\n"), "application data differs"
    assert opened[peer][-1] == (21, b"\x01\x00"), "the peer did not end with close_notify"
    assert opened[not peer][-1] == (21, b"\x01\x00"), "we did not end with close_notify"
    out = [f"begin\t{name}", f"role\t{role}", f"suite\t{code:04x}",
           f"client_random\t{client_random.hex()}", f"server_random\t{server_random.hex()}",
           f"master_secret\t{openssl_master.hex()}",
           f"peer_application_data\t{peer_app.hex()}"]
    out += [line for line in text.splitlines() if line.startswith("step\t")]
    out.append("end")
    return out


def generate(build, out):
    print("# SPDX-License-Identifier: Apache-2.0 OR MIT", file=out)
    print("# Generated by tools/tls12_replay/generate.py: TLS 1.2 handshakes of the native engine",
          file=out)
    version = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    print(f"# (deterministic provider) with {version}; see the script for the checks.", file=out)
    with tempfile.TemporaryDirectory() as directory:
        cert, key = tls12.make_credentials(directory, "tls12.test")
        for name in RECORDINGS:
            text, client_random, master = record(build, name, directory, cert, key)
            for line in verify(name, text, client_random, master):
                print(line, file=out)


def main():
    if shutil.which("openssl") is None:
        print("tls12_replay: no openssl command", file=sys.stderr)
        return 1 if os.environ.get("CI") == "true" else 77
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        build, replay_test = sys.argv[2], sys.argv[3]
        with tempfile.TemporaryDirectory() as directory:
            data = os.path.join(directory, "tls12_replay.tsv")
            with open(data, "w") as out:
                generate(build, out)
            env = dict(os.environ, SANSTLS_TLS12_REPLAY_DATA=data)
            return subprocess.run(
                [replay_test, "--gtest_filter=tls12_replay.the_data*:tls12_replay.our_flights*"],
                env=env).returncode
    generate(sys.argv[1] if len(sys.argv) > 1 else "build", sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

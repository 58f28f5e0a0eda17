#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`sanstls server` on 127.0.0.1 against Python's ssl module, for every available engine.

The Python client runs in this process (Debian's /usr/bin/python3, linked to the system
OpenSSL), with a socket timeout on every operation.
"""

import socket
import ssl
import unittest

import interop_lib as lib

lib.init()
lib.require_peers("openssl")

TIMEOUT = 10
GET = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def body_fields(response):
    head, _, body = response.partition(b"\r\n\r\n")
    fields = {}
    for line in body.decode().splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value
    return head.decode(), fields


@lib.per_engine
class PythonClientAgainstServer(lib.InteropTest):

    def context(self, alpn=None, cert=None, maximum=None):
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.pki.ca)
        if alpn:
            context.set_alpn_protocols(alpn)
        if cert:
            context.load_cert_chain(cert.cert, cert.key)
        if maximum:
            context.maximum_version = maximum
        return context

    def get(self, port, context):
        """One HTTP request over a verified connection; returns (ssl socket info, response)."""
        with socket.create_connection((lib.LOOPBACK, port), timeout=TIMEOUT) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                info = {"version": tls.version(), "cipher": tls.cipher()[0],
                        "alpn": tls.selected_alpn_protocol()}
                tls.sendall(GET)
                response = b""
                while True:
                    try:
                        chunk = tls.recv(65536)
                    except ssl.SSLZeroReturnError:
                        break
                    if not chunk:
                        break
                    response += chunk
                return info, response

    def tls12_unsupported(self, engine, *server_args, cert=None):
        """For a TLS 1.2 case: False when the engine speaks TLS 1.2. Otherwise True (the case
        ends) after checking that the engine's server refuses a client capped at TLS 1.2 with a
        protocol_version alert and logs its limit (lacks_tls12_as_server)."""
        def connect(port):
            with self.assertRaises(ssl.SSLError) as caught:
                self.get(port, self.context(cert=cert, maximum=ssl.TLSVersion.TLSv1_2))
            self.assertIn("TLSV1_ALERT_PROTOCOL_VERSION", str(caught.exception))
        return self.lacks_tls12_as_server(engine, connect, *server_args) is not None

    def engine_http_tls13(self, engine):
        server, port = self.sanstls_server(engine)
        info, response = self.get(port, self.context())
        head, fields = body_fields(response)
        self.assertTrue(head.startswith("HTTP/1.1 200 OK"), head)
        self.assertEqual(info["version"], "TLSv1.3")
        self.assertEqual(fields["engine"], engine)
        self.assertEqual(fields["version"], "TLS 1.3")
        self.assertEqual(fields["cipher_suite"], info["cipher"])
        self.assertEqual(fields["server_name"], "localhost")
        self.assertEqual(fields["client_certificate"], "none")

    def engine_http_tls12(self, engine):
        if self.tls12_unsupported(engine):
            return
        server, port = self.sanstls_server(engine)
        info, response = self.get(port, self.context(maximum=ssl.TLSVersion.TLSv1_2))
        _, fields = body_fields(response)
        self.assertEqual(info["version"], "TLSv1.2")
        self.assertEqual(fields["version"], "TLS 1.2")
        self.assertRegex(fields["cipher_suite"], r"^TLS_ECDHE_ECDSA_WITH_")

    def engine_alpn(self, engine):
        server, port = self.sanstls_server(engine, "--alpn", "h2,http/1.1")
        info, response = self.get(port, self.context(alpn=["http/1.1", "spdy/3"]))
        _, fields = body_fields(response)
        self.assertEqual(info["alpn"], "http/1.1")
        self.assertEqual(fields["alpn"], "http/1.1")

    def engine_alpn_server_preference(self, engine):
        """The server's order wins: it prefers h2, the client lists http/1.1 first."""
        server, port = self.sanstls_server(engine, "--alpn", "h2,http/1.1")
        info, response = self.get(port, self.context(alpn=["http/1.1", "h2"]))
        self.assertEqual(info["alpn"], "h2")
        self.assertEqual(body_fields(response)[1]["alpn"], "h2")

    def engine_alpn_mismatch(self, engine):
        server, port = self.sanstls_server(engine, "--alpn", "http/1.1")
        with self.assertRaises(ssl.SSLError) as caught:
            self.get(port, self.context(alpn=["foo"]))
        self.assertIn("NO APPLICATION PROTOCOL", str(caught.exception).upper())
        self.server_log(server, r"handshake failed: the client's ALPN protocols have none in "
                                r"common")

    def engine_client_certificate(self, engine):
        for maximum in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            with self.subTest(maximum=maximum.name):
                server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
                if maximum == ssl.TLSVersion.TLSv1_2 and self.tls12_unsupported(
                        engine, *server_args, cert=self.pki.client):
                    continue
                server, port = self.sanstls_server(engine, *server_args)
                _, response = self.get(port, self.context(cert=self.pki.client, maximum=maximum))
                self.assertEqual(body_fields(response)[1]["client_certificate"],
                                 "CN=client.example")

    def engine_client_certificate_optional(self, engine):
        """--client-ca without --require: with a certificate it is named, without it is none."""
        server, port = self.sanstls_server(engine, "--client-ca", self.pki.ca)
        _, with_cert = self.get(port, self.context(cert=self.pki.client))
        _, without = self.get(port, self.context())
        self.assertEqual(body_fields(with_cert)[1]["client_certificate"], "CN=client.example")
        self.assertEqual(body_fields(without)[1]["client_certificate"], "none")

    def engine_client_certificate_missing(self, engine):
        server, port = self.sanstls_server(engine, "--client-ca", self.pki.ca,
                                           "--require-client-cert")
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            self.get(port, self.context())
        self.server_log(server, r"handshake failed: the client sent no certificate, but this "
                                r"server requires one")

    def engine_client_certificate_refused(self, engine):
        """Untrusted, expired and serverAuth-only client certificates (REFUSED_CLIENT_CERTIFICATES)
        in TLS 1.3 and TLS 1.2: Python's SSLError names the server's alert."""
        server_args = ["--client-ca", self.pki.ca, "--require-client-cert"]
        for bad in lib.REFUSED_CLIENT_CERTIFICATES:
            cred = bad.credential(self.pki)
            for maximum in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
                with self.subTest(certificate=bad.name, maximum=maximum.name):
                    if maximum == ssl.TLSVersion.TLSv1_2 and self.tls12_unsupported(
                            engine, *server_args, cert=cred):
                        continue
                    server, port = self.sanstls_server(engine, *server_args)
                    context = self.context(cert=cred, maximum=maximum)
                    context.minimum_version = maximum
                    with self.assertRaises(ssl.SSLError) as caught:
                        self.get(port, context)
                    self.assertIn(bad.python_text, str(caught.exception))
                    self.server_log(server, bad.server_log)

    def engine_wrong_name_seen_by_python(self, engine):
        """Python verifies the sanstls server's certificate like any other."""
        server, port = self.sanstls_server(engine)
        context = self.context()
        with socket.create_connection((lib.LOOPBACK, port), timeout=TIMEOUT) as raw:
            with self.assertRaises(ssl.SSLCertVerificationError):
                context.wrap_socket(raw, server_hostname="other.example")

    # -- data sent in the same segment as the Finished must not be lost (a fixed bug) --

    def eager(self, engine, mode, payload):
        """TLS 1.3 over memory BIOs: the client's Finished and its first application data leave
        in ONE send(), so the server's first read holds both (as curl often does by chance)."""
        server, port = self.sanstls_server(engine, mode=mode)
        context = self.context(maximum=ssl.TLSVersion.TLSv1_3)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
        with socket.create_connection((lib.LOOPBACK, port), timeout=TIMEOUT) as raw:
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    if outgoing.pending:
                        raw.sendall(outgoing.read())
                    data = raw.recv(65536)
                    self.check(data, "the server closed during the handshake")
                    incoming.write(data)
            tls.write(payload)
            raw.sendall(outgoing.read())  # Finished + application data together
            received = b""
            while True:
                try:
                    chunk = tls.read(65536)
                    if not chunk:  # after close_notify, SSLObject.read() returns b""
                        return server, received
                    received += chunk
                    if mode == "--echo" and len(received) >= len(payload):
                        return server, received
                    continue
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLZeroReturnError:
                    return server, received
                try:
                    data = raw.recv(65536)
                except socket.timeout:
                    return server, received
                if not data:
                    return server, received
                incoming.write(data)

    def engine_eager_http(self, engine):
        _, response = self.eager(engine, "--http", GET)
        self.assertTrue(response.startswith(b"HTTP/1.1 200 OK"), response)

    def engine_eager_echo(self, engine):
        _, echoed = self.eager(engine, "--echo", b"first bytes after the handshake\n")
        self.assertEqual(echoed, b"first bytes after the handshake\n")


if __name__ == "__main__":
    lib.main()

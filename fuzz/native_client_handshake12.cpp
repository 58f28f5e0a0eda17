// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the TLS 1.2 client state machine (ClientHandshake offering TLS 1.2, handing a
// TLS 1.2 ServerHello to ClientHandshake12) against a server the fuzzer plays: its input is the
// server's records and our actions (see native_peer.hpp). Config bits 0-2 as the TLS 1.3 client
// target (certificate selection); bit 3: a TLS 1.2-only hello. Sealed chunks are sealed under the
// server's TLS 1.2 write key (PeerProtection12: the key block from the master secret we log and
// the ServerHello's random), so the fuzzer mutates the plaintext of the Finished and of the
// application data and alerts after it. Oracle besides the sanitizers: a TLS 1.2 connection only
// with extended_master_secret and renegotiation_info in the ServerHello.
#include "native_peer.hpp"

using namespace sanstls::fuzz::native_peer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // One provider and identity for the whole run (harness state, not library state).
  static DeterministicProvider fixture = make_provider(kClientSeed);
  static const auto identity = std::make_shared<const Identity>(make_identity(*fixture.provider));
  fixture.random->reset();
  Harness harness;
  harness.provider = fixture.provider.get();
  harness.select.identity = identity;
  ByteVec hello;
  auto client = start_client12(data[0], harness, hello);
  check(client.has_value(), "ClientHandshake::start");
  PeerProtection12 server(harness.log, /*peer_is_server=*/true);
  const bool connected = run_chunks(*client, Bytes(data + 1, size - 1), server, *harness.provider);
  // RFC 7627 §5.2 lets a client abort without extended_master_secret and our policy does;
  // RFC 5746 §3.4: we require renegotiation_info of servers. So a TLS 1.2 connection only with
  // both in the ServerHello — checked when the harness saw that ServerHello whole.
  if (connected && client->info().tls12 && !server.first_server_hello().empty()) {
    const Bytes server_hello(server.first_server_hello());
    check(server_hello_has_extension(server_hello, ExtensionType::extended_master_secret),
          "TLS 1.2 connected without extended_master_secret in the ServerHello");
    check(server_hello_has_extension(server_hello, ExtensionType::renegotiation_info),
          "TLS 1.2 connected without renegotiation_info in the ServerHello");
  }
  return 0;
}

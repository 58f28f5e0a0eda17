// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the server with TLS 1.2 allowed (ServerHandshake handing TLS 1.2 hellos to
// ServerHandshake12, serving the fixed Ed25519 test certificate) against a peer the fuzzer
// plays: its input is the client's records and our actions (see native_peer.hpp). The peer has
// no TLS 1.2 keys, so sealed chunks go out in plaintext: the target covers version negotiation,
// the TLS 1.2 hello negotiation, our flight, ClientKeyExchange, ChangeCipherSpec placement and
// every refusal up to the client's encrypted Finished (the TLS 1.3 path as well).
#include "native_peer.hpp"

using namespace sanstls::fuzz::native_peer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // One provider and identity for the whole run (harness state, not library state).
  static DeterministicProvider fixture = make_provider(kServerSeed);
  static const auto identity = std::make_shared<const Identity>(make_identity(*fixture.provider));
  fixture.random->reset();
  Harness harness;
  harness.provider = fixture.provider.get();
  harness.select.identity = identity;
  harness.select.pending = data[0] & 3;
  harness.select.choose = (data[0] & 0x80U) == 0;
  sanstls::native::handshake::ServerHandshakeEnvironment env;
  env.provider = harness.provider;
  env.select_certificate = [&harness](const sanstls::native::handshake::CertificateQuery&) {
    return harness.select.answer();
  };
  env.key_log = key_logger(harness.log);
  auto params = server_parameters(data[0] & 0x70U);  // no client authentication
  params.tls12 = true;
  params.tls13 = (data[0] & 0x08U) == 0;
  sanstls::native::handshake::ServerHandshake server(std::move(params), std::move(env));
  PeerProtection client(harness.log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0");
  (void)run_chunks(server, Bytes(data + 1, size - 1), client, *harness.provider);
  return 0;
}

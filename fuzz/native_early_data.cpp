// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the 0-RTT path (RFC 8446 §2.3, §4.2.10) in both roles, on a resumable session
// with max_early_data that a full handshake of our client and server made (EarlyFixture in
// native_peer.hpp, built once per process from deterministic providers).
//   config bit 7 clear: our ServerHandshake (ticket keys, early data allowed; bits 0-5 as
//     make_early_server() says: 0-RTT declined, resumption declined, HelloRetryRequest, a 16-byte
//     max_early_data, certificate selection pending) is first fed the resuming client's valid
//     ClientHello offering early_data, then the fuzzer plays that client: early records and
//     EndOfEarlyData sealed under the client's early traffic keys (EarlyPeer), then its Finished
//     and application data. Oracles besides the sanitizers: early data reaches the callback only
//     when accepted, never more than max_early_data bytes, and never once the resumption or
//     the 0-RTT was declined.
//   config bit 7 set: our resuming ClientHandshake, which sent that ClientHello and its early
//     data, against a server the fuzzer plays (ServerHello, EncryptedExtensions accepting or
//     rejecting early data, Finished...), as in native_client_handshake; bits 0-2 its
//     certificate selection.
// Chunks after the config byte as native_peer.hpp describes.
#include "native_peer.hpp"

using namespace sanstls::fuzz::native_peer;

namespace {

void run_server(std::uint8_t config, Bytes chunks) {
  static DeterministicProvider fixture = make_provider(kServerSeed);
  static const auto identity = std::make_shared<const Identity>(make_identity(*fixture.provider));
  static const EarlyFixture early = make_early_fixture();
  fixture.random->reset();
  Harness harness;
  harness.provider = fixture.provider.get();
  harness.select.identity = identity;
  EarlyScript script;
  auto server = make_early_server(config, harness, script);
  ByteVec out;
  ByteVec app;
  check(server.receive(early.client_hello_record, out, app).has_value(),
        "the resumption ClientHello was refused");
  const std::size_t limit = (config & 8U) != 0 ? 16 : kEarlyDataLimit;
  EarlyPeer client(harness.log, early.early_secret, early.session.suite);
  (void)run_chunks(server, chunks, client, *harness.provider);
  // RFC 8446 §4.2.10: early data only when the server accepted it, at most max_early_data bytes.
  check(script.early_bytes <= limit, "more early data than max_early_data was accepted");
  if (script.early_calls > 0) {
    check(script.accept_resumption && script.accept_early_data && (config & 4U) == 0,
          "early data was handed over although 0-RTT was rejected");
    check(server.info().early_data_accepted, "early data was handed over, not accepted");
  }
}

void run_client(std::uint8_t config, Bytes chunks) {
  static DeterministicProvider fixture = make_provider(kClientSeed);
  static const auto identity = std::make_shared<const Identity>(make_identity(*fixture.provider));
  static const EarlyFixture early = make_early_fixture();
  fixture.random->reset();
  Harness harness;
  harness.provider = fixture.provider.get();
  harness.select.identity = identity;
  ByteVec flight;
  auto client = start_early_client(config, early.session, harness, flight);
  check(client.has_value(), "ClientHandshake::start");
  PeerProtection server(harness.log, "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0");
  (void)run_chunks(*client, chunks, server, *harness.provider);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Bytes chunks(data + 1, size - 1);
  if ((data[0] & 0x80U) != 0) {
    run_client(data[0], chunks);
  } else {
    run_server(data[0], chunks);
  }
  return 0;
}

// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the TLS 1.2 client state machine (ClientHandshake offering TLS 1.2, handing a
// TLS 1.2 ServerHello to ClientHandshake12) against a server the fuzzer plays: its input is the
// server's records and our actions (see native_peer.hpp). Config bits 0-2 as the TLS 1.3 client
// target (certificate selection); bit 3: a TLS 1.2-only hello. Sealed chunks are sealed under the
// server's TLS 1.2 write key (PeerProtection12: the key block from the master secret we log and
// the ServerHello's random), so the fuzzer mutates the plaintext of the Finished and of the
// application data and alerts after it.
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
  (void)run_chunks(*client, Bytes(data + 1, size - 1), server, *harness.provider);
  return 0;
}

// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the server state machine (ServerHandshake serving a fixed Ed25519 test
// certificate) against a peer the fuzzer plays: its input is the client's records and our
// actions (see native_peer.hpp).
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
  auto server = make_server(data[0], harness);
  PeerProtection client(harness.log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0");
  (void)run_chunks(server, Bytes(data + 1, size - 1), client, *harness.provider);
  return 0;
}

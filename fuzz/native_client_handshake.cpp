// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the client state machine (ClientHandshake with SNI and ALPN) against a peer
// the fuzzer plays: its input is the server's records and our actions (see native_peer.hpp).
#include "native_peer.hpp"

using namespace sanstls::fuzz::native_peer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // One provider and identity for the whole run (harness state, not library state): a library
  // context per input would make the target a benchmark of OSSL_LIB_CTX_new.
  static DeterministicProvider fixture = make_provider(kClientSeed);
  static const auto identity = std::make_shared<const Identity>(make_identity(*fixture.provider));
  fixture.random->reset();
  Harness harness;
  harness.provider = fixture.provider.get();
  harness.select.identity = identity;
  ByteVec hello;
  auto client = start_client(data[0], harness, hello);
  check(client.has_value(), "ClientHandshake::start");
  PeerProtection server(harness.log, "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0");
  (void)run_chunks(*client, Bytes(data + 1, size - 1), server, *harness.provider);
  return 0;
}

// SPDX-License-Identifier: Apache-2.0 OR MIT
// Records the seed corpora of the state-machine fuzz targets from real handshakes:
//   record_native_fuzz_corpus <fuzz/corpus dir>   (make fuzz-corpus)
// Our ClientHandshake and ServerHandshake, built exactly as the targets build them
// (native_peer.hpp: deterministic providers, the fixed Ed25519 identity), run a handshake,
// application data, KeyUpdate and close_notify in memory, one record at a time. What the server
// sends becomes a seed of native_client_handshake and what the client sends one of
// native_server_handshake, in the targets' chunk format: plaintext records as framed chunks,
// protected records decrypted (with the sender's logged secrets) into sealed chunks, plus our
// resume() calls and actions. Each seed is written whole and with every record fed in 3-byte
// pieces, and is checked to replay to a connected driver.
#include "native_peer.hpp"

#include <filesystem>
#include <fstream>

namespace {

using namespace sanstls::fuzz::native_peer;
namespace hs = sanstls::native::handshake;

void write_file(const std::filesystem::path& path, const ByteVec& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

/// The sending side of one direction: its logged secrets and which epoch it writes in.
struct Sender {
  PeerProtection protection;
  Epoch epoch = Epoch::handshake;
  const sanstls::native::crypto::CryptoProvider* provider;
};

/// One endpoint under recording: the driver and the seed of the target that plays it.
template <class Driver>
struct Recorded {
  Driver driver;
  ByteVec seed;  // config byte, then the chunks the peer sent and our own actions
  ByteVec outbox;
  ByteVec app;
};

template <class Driver>
void act(Recorded<Driver>& r, Action action, std::string_view text = {}) {
  const Bytes payload(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  append_chunk(r.seed, static_cast<std::uint8_t>(0x80U | action), payload);
  sanstls::wire::Status done;
  switch (action) {
    case Action::write:
      done = r.driver.write(payload, r.outbox);
      break;
    case Action::key_update:
    case Action::key_update_requested:
      done = r.driver.key_update(action == Action::key_update_requested, r.outbox);
      break;
    case Action::close_notify:
      done = r.driver.close_notify(r.outbox);
      break;
    default:
      done = r.driver.resume(r.outbox, r.app);
      break;
  }
  check(done.has_value(), "recorded action failed");
}

/// Moves everything `from_outbox` holds to `to`, one record at a time, recording each as a chunk
/// of `to`'s seed.
template <class Driver>
void deliver(ByteVec& from_outbox, Sender& sender, std::optional<CipherSuite> suite,
             Recorded<Driver>& to) {
  const ByteVec bytes = std::move(from_outbox);
  from_outbox.clear();
  std::size_t off = 0;
  while (off + 5 <= bytes.size()) {
    const auto type = static_cast<ContentType>(bytes[off]);
    const std::size_t length = (std::size_t{bytes[off + 3]} << 8U) | bytes[off + 4];
    check(off + 5 + length <= bytes.size(), "truncated record");
    const Bytes record(bytes.data() + off, 5 + length);
    const ByteVec fragment(record.begin() + 5, record.end());
    off += record.size();
    if (type == ContentType::application_data) {
      auto* protection = sender.protection.get(sender.epoch, suite, *sender.provider);
      check(protection != nullptr, "no keys for a protected record");
      auto opened = protection->open(
          sanstls::native::record::Record{ContentType::application_data, 0x0303, fragment});
      check(opened.has_value(), "cannot open a recorded record");
      const bool handshake_epoch = sender.epoch == Epoch::handshake;
      append_chunk(
          to.seed,
          static_cast<std::uint8_t>((handshake_epoch ? sealed_handshake : sealed_application) |
                                    type_bits(opened->type)),
          opened->content);
      if (opened->type == ContentType::handshake) {
        if (handshake_epoch && contains_message(opened->content, HandshakeType::finished)) {
          sender.epoch = Epoch::application;
        } else if (!handshake_epoch &&
                   contains_message(opened->content, HandshakeType::key_update)) {
          sender.protection.advance_application(*sender.provider);
        }
      }
    } else {
      append_chunk(to.seed, static_cast<std::uint8_t>(plaintext | type_bits(type)), fragment);
    }
    check(to.driver.receive(record, to.outbox, to.app).has_value(), "recorded receive failed");
    for (int i = 0; i < 4 && to.driver.waiting_for_certificate(); ++i) act(to, Action::resume);
  }
}

/// `seed` with every record chunk fed in pieces of kPieceSizes[piece_index].
ByteVec with_pieces(ByteVec seed, std::uint8_t piece_index) {
  std::size_t off = 1;
  while (off + 3 <= seed.size()) {
    if ((seed[off] & 0x80U) == 0) {
      seed[off] = static_cast<std::uint8_t>((seed[off] & 0x8fU) | (piece_index << 4U));
    }
    off += 3 + ((std::size_t{seed[off + 1]} << 8U) | seed[off + 2]);
  }
  return seed;
}

struct Scenario {
  const char* name;
  std::uint8_t client_config;
  std::uint8_t server_config;
};

/// The two seeds of one scenario: (client target, server target).
std::pair<ByteVec, ByteVec> record_scenario(const Scenario& scenario) {
  auto client_provider = make_provider(kClientSeed);
  auto server_provider = make_provider(kServerSeed);
  Harness client_harness;
  client_harness.provider = client_provider.provider.get();
  client_harness.select.identity =
      std::make_shared<const Identity>(make_identity(*client_provider.provider));
  Harness server_harness;
  server_harness.provider = server_provider.provider.get();
  server_harness.select.identity =
      std::make_shared<const Identity>(make_identity(*server_provider.provider));

  ByteVec hello;
  auto started = start_client(scenario.client_config, client_harness, hello);
  check(started.has_value(), "client start");
  Recorded<hs::ClientHandshake> client{std::move(*started), {scenario.client_config}, hello, {}};
  Recorded<hs::ServerHandshake> server{
      make_server(scenario.server_config, server_harness), {scenario.server_config}, {}, {}};
  Sender from_client{PeerProtection(client_harness.log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                    "CLIENT_TRAFFIC_SECRET_0"),
                     Epoch::handshake, client_harness.provider};
  Sender from_server{PeerProtection(server_harness.log, "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                    "SERVER_TRAFFIC_SECRET_0"),
                     Epoch::handshake, server_harness.provider};
  auto pump = [&] {
    for (int i = 0; i < 20 && (!client.outbox.empty() || !server.outbox.empty()); ++i) {
      deliver(client.outbox, from_client, suite_of(client.driver), server);
      deliver(server.outbox, from_server, suite_of(server.driver), client);
    }
  };
  pump();
  check(is_connected(client.driver) && is_connected(server.driver), "handshake did not complete");
  act(server, Action::write, "hello from the server");
  act(server, Action::key_update_requested);
  pump();
  act(client, Action::write, "hello from the client");
  act(client, Action::key_update);
  act(client, Action::write, "after our key update");
  pump();
  act(server, Action::close_notify);
  pump();
  act(client, Action::close_notify);
  pump();
  return {std::move(client.seed), std::move(server.seed)};
}

/// Replays `seed` the way the target does and checks that it ends connected.
template <bool kClient>
void check_replay(const ByteVec& seed, const char* name) {
  auto fixture = make_provider(kClient ? kClientSeed : kServerSeed);
  Harness harness;
  harness.provider = fixture.provider.get();
  harness.select.identity = std::make_shared<const Identity>(make_identity(*fixture.provider));
  const Bytes chunks(seed.data() + 1, seed.size() - 1);
  bool connected = false;
  if constexpr (kClient) {
    ByteVec hello;
    auto client = start_client(seed[0], harness, hello);
    check(client.has_value(), "client start");
    PeerProtection peer(harness.log, "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0");
    connected = run_chunks(*client, chunks, peer, *harness.provider);
  } else {
    auto server = make_server(seed[0], harness);
    PeerProtection peer(harness.log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0");
    connected = run_chunks(server, chunks, peer, *harness.provider);
  }
  if (!connected) {
    std::fprintf(stderr, "record_native_fuzz_corpus: %s (%s target) does not replay\n", name,
                 kClient ? "client" : "server");
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: record_native_fuzz_corpus <fuzz/corpus dir>\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  // Client config: pending count | 4 choose. Server config: pending count | auth << 2 |
  // suites << 4 | 0x40 HelloRetryRequest groups (native_peer.hpp).
  const Scenario scenarios[] = {
      {"default", 0x00, 0x00},
      {"aes256", 0x00, 0x10},
      {"chacha20", 0x00, 0x20},
      {"hello_retry", 0x00, 0x40},
      {"client_auth_chosen", 0x04, 0x04},
      {"client_auth_declined", 0x00, 0x04},
      {"client_auth_pending", 0x05, 0x05},
      {"client_auth_required_hrr_aes256", 0x06, 0x40 | 0x10 | 0x08 | 0x02},
  };
  int written = 0;
  for (const auto& scenario : scenarios) {
    const auto [client_seed, server_seed] = record_scenario(scenario);
    check_replay<true>(client_seed, scenario.name);
    check_replay<false>(server_seed, scenario.name);
    const std::string name = scenario.name;
    write_file(out / "native_client_handshake" / ("seed_" + name), client_seed);
    write_file(out / "native_server_handshake" / ("seed_" + name), server_seed);
    write_file(out / "native_client_handshake" / ("seed_" + name + "_pieces3"),
               with_pieces(client_seed, 3));
    write_file(out / "native_server_handshake" / ("seed_" + name + "_pieces3"),
               with_pieces(server_seed, 3));
    written += 4;
  }
  std::printf("record_native_fuzz_corpus: %d seeds written under %s\n", written,
              out.string().c_str());
  return 0;
}

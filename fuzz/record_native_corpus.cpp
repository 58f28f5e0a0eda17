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

/// A deterministic provider and the harness around it with the fixed Ed25519 identity, built as
/// the targets build theirs. Neither copied nor moved: drivers keep pointers into the harness.
struct Endpoint {
  explicit Endpoint(std::uint64_t seed) : fixture(make_provider(seed)) {
    harness.provider = fixture.provider.get();
    harness.select.identity = std::make_shared<const Identity>(make_identity(*fixture.provider));
  }
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  DeterministicProvider fixture;
  Harness harness;
};

enum class Role : std::uint8_t { client, server };

/// The protection of what `role` sends (TLS 1.3), keyed from the secrets it logged in `log`.
PeerProtection logged_protection(const KeyLog& log, Role role) {
  return role == Role::client
             ? PeerProtection(log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0")
             : PeerProtection(log, "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0");
}

/// Ends the recorder: the seed `name` of `target` does not replay to a connected driver.
[[noreturn]] void replay_failed(const char* name, const char* target) {
  std::fprintf(stderr, "record_native_fuzz_corpus: %s (%s target) does not replay\n", name, target);
  std::exit(1);
}

/// Empties `from_outbox` and calls `on_record(type, record, fragment)` for each record it held.
template <class OnRecord>
void for_each_record(ByteVec& from_outbox, OnRecord&& on_record) {
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
    on_record(type, record, fragment);
  }
}

/// The sending side of one direction: its logged secrets and which epoch it writes in.
struct Sender {
  PeerProtection protection;
  Epoch epoch = Epoch::handshake;
  const sanstls::native::crypto::CryptoProvider* provider;
};

/// The two endpoints of one recorded connection, and what each sends (TLS 1.3 records, keyed
/// from the secrets it logs).
struct Endpoints {
  Endpoint client{kClientSeed};
  Endpoint server{kServerSeed};
  Sender from_client{logged_protection(client.harness.log, Role::client), Epoch::handshake,
                     client.harness.provider};
  Sender from_server{logged_protection(server.harness.log, Role::server), Epoch::handshake,
                     server.harness.provider};
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

/// `to` receives one recorded record and answers a pending certificate selection (up to 4).
template <class Driver>
void receive_recorded(Recorded<Driver>& to, Bytes record) {
  check(to.driver.receive(record, to.outbox, to.app).has_value(), "recorded receive failed");
  for (int i = 0; i < 4 && to.driver.waiting_for_certificate(); ++i) act(to, Action::resume);
}

/// Moves everything `from_outbox` holds to `to`, one record at a time, recording each as a chunk
/// of `to`'s seed.
template <class Driver>
void deliver(ByteVec& from_outbox, Sender& sender, std::optional<CipherSuite> suite,
             Recorded<Driver>& to) {
  for_each_record(from_outbox, [&](ContentType type, Bytes record, const ByteVec& fragment) {
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
    receive_recorded(to, record);
  });
}

/// `seed` with every record chunk fed in pieces of kPieceSizes[piece_index].
ByteVec with_pieces(ByteVec seed, std::uint8_t piece_index) {
  std::size_t off = 1;
  while (off + 3 <= seed.size()) {
    if ((seed[off] & 0x80U) == 0) {
      seed[off] = static_cast<std::uint8_t>((seed[off] & 0x8fU) | (unsigned{piece_index} << 4U));
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
  Endpoints ends;
  ByteVec hello;
  auto started = start_client(scenario.client_config, ends.client.harness, hello);
  check(started.has_value(), "client start");
  Recorded<hs::ClientHandshake> client{std::move(*started), {scenario.client_config}, hello, {}};
  Recorded<hs::ServerHandshake> server{
      make_server(scenario.server_config, ends.server.harness), {scenario.server_config}, {}, {}};
  auto pump = [&] {
    for (int i = 0; i < 20 && (!client.outbox.empty() || !server.outbox.empty()); ++i) {
      deliver(client.outbox, ends.from_client, suite_of(client.driver), server);
      deliver(server.outbox, ends.from_server, suite_of(server.driver), client);
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
  Endpoint end(kClient ? kClientSeed : kServerSeed);
  Harness& harness = end.harness;
  const Bytes chunks(seed.data() + 1, seed.size() - 1);
  bool connected = false;
  if constexpr (kClient) {
    ByteVec hello;
    auto client = start_client(seed[0], harness, hello);
    check(client.has_value(), "client start");
    PeerProtection peer = logged_protection(harness.log, Role::server);
    connected = run_chunks(*client, chunks, peer, *harness.provider);
  } else {
    auto server = make_server(seed[0], harness);
    PeerProtection peer = logged_protection(harness.log, Role::client);
    connected = run_chunks(server, chunks, peer, *harness.provider);
  }
  if (!connected) replay_failed(name, kClient ? "client" : "server");
}

// ---------------------------------------------------------------------------------------------
// TLS 1.2: native_client_handshake12's seeds (what our TLS 1.2 server sends)

/// Moves a TLS 1.2 server's records to `to`: plaintext chunks up to its ChangeCipherSpec, then
/// sealed chunks of the decrypted records (sealed under PeerProtection12 on replay).
template <class Driver>
void deliver12(ByteVec& from_outbox, PeerProtection12& sender, bool& after_ccs,
               std::optional<CipherSuite> suite, const sanstls::native::crypto::CryptoProvider& p,
               Recorded<Driver>& to) {
  for_each_record(from_outbox, [&](ContentType type, Bytes record, const ByteVec& fragment) {
    if (after_ccs) {
      auto* protection = sender.get(Epoch::handshake, suite, p);
      check(protection != nullptr, "no TLS 1.2 keys for a protected record");
      auto opened = protection->open(sanstls::native::record::Record{type, 0x0303, fragment});
      check(opened.has_value(), "cannot open a recorded TLS 1.2 record");
      const bool handshake = opened->type == ContentType::handshake;
      append_chunk(to.seed,
                   static_cast<std::uint8_t>((handshake ? sealed_handshake : sealed_application) |
                                             type_bits(opened->type)),
                   opened->content);
    } else {
      sender.observe(plaintext, record);
      append_chunk(to.seed, static_cast<std::uint8_t>(plaintext | type_bits(type)), fragment);
      if (type == ContentType::change_cipher_spec) after_ccs = true;
    }
    receive_recorded(to, record);
  });
}

/// Moves records to a driver whose seed is not recorded.
template <class Driver>
void pass(ByteVec& from_outbox, Driver& to, ByteVec& to_outbox) {
  const ByteVec bytes = std::move(from_outbox);
  from_outbox.clear();
  ByteVec app;
  check(to.receive(bytes, to_outbox, app).has_value(), "recorded receive failed");
  for (int i = 0; i < 4 && to.waiting_for_certificate(); ++i) {
    check(to.resume(to_outbox, app).has_value(), "recorded resume failed");
  }
}

struct Scenario12 {
  const char* name;
  std::uint8_t client_config;  // native_client_handshake12's config byte
  std::uint8_t server_config;  // server_parameters(), then TLS 1.2 only
  CipherSuite suite;
};

ByteVec record_scenario12(const Scenario12& scenario) {
  Endpoints ends;
  Harness& client_harness = ends.client.harness;
  Harness& server_harness = ends.server.harness;
  ByteVec hello;
  auto started = start_client12(scenario.client_config, client_harness, hello);
  check(started.has_value(), "client start");
  Recorded<hs::ClientHandshake> client{std::move(*started), {scenario.client_config}, hello, {}};
  auto params = server_parameters(scenario.server_config);
  params.tls12 = true;
  params.tls13 = false;
  params.tls12_cipher_suites = {scenario.suite};
  hs::ServerHandshakeEnvironment env;
  env.provider = server_harness.provider;
  env.select_certificate = [&server_harness](const hs::CertificateQuery&) {
    return server_harness.select.answer();
  };
  env.verify_client_chain = [](std::span<const ByteVec>) { return sanstls::wire::Status{}; };
  env.key_log = key_logger(server_harness.log);
  server_harness.select.pending = scenario.server_config & 3;
  Recorded<hs::ServerHandshake> server{
      hs::ServerHandshake(std::move(params), std::move(env)), {}, {}, {}};
  PeerProtection12 from_server(server_harness.log, /*peer_is_server=*/true);
  bool server_after_ccs = false;
  auto pump = [&] {
    for (int i = 0; i < 20 && (!client.outbox.empty() || !server.outbox.empty()); ++i) {
      pass(client.outbox, server.driver, server.outbox);
      deliver12(server.outbox, from_server, server_after_ccs, suite_of(server.driver),
                *server_harness.provider, client);
    }
  };
  pump();
  check(is_connected(client.driver) && is_connected(server.driver),
        "TLS 1.2 handshake did not complete");
  check(client.driver.info().tls12, "not TLS 1.2");
  check(server.driver.write(ByteVec{'h', 'e', 'l', 'l', 'o', ' ', '1', '.', '2'}, server.outbox)
            .has_value(),
        "server write");
  pump();
  act(client, Action::write, "hello from the TLS 1.2 client");
  pump();
  check(server.driver.close_notify(server.outbox).has_value(), "server close_notify");
  pump();
  act(client, Action::close_notify);
  pump();
  return std::move(client.seed);
}

void check_replay12(const ByteVec& seed, const char* name) {
  Endpoint end(kClientSeed);
  Harness& harness = end.harness;
  ByteVec hello;
  auto client = start_client12(seed[0], harness, hello);
  check(client.has_value(), "client start");
  PeerProtection12 peer(harness.log, true);
  if (!run_chunks(*client, Bytes(seed.data() + 1, seed.size() - 1), peer, *harness.provider)) {
    replay_failed(name, "TLS 1.2 client");
  }
}

// ---------------------------------------------------------------------------------------------
// 0-RTT: native_early_data's seeds (both roles)

/// Moves the resuming client's records to the server, recording them for the server role:
/// protected records while `early` go under the client's early keys (0-RTT data, EndOfEarlyData).
template <class Driver>
void deliver_early(ByteVec& from_outbox, Sender& sender, sanstls::native::record::Protection& early,
                   bool& early_open, std::optional<CipherSuite> suite, Recorded<Driver>& to) {
  for_each_record(from_outbox, [&](ContentType type, Bytes record, const ByteVec& fragment) {
    if (type == ContentType::application_data && early_open) {
      auto opened = early.open(
          sanstls::native::record::Record{ContentType::application_data, 0x0303, fragment});
      check(opened.has_value(), "cannot open a recorded 0-RTT record");
      append_chunk(to.seed, static_cast<std::uint8_t>(sealed_handshake | type_bits(opened->type)),
                   opened->content);
      if (opened->type == ContentType::handshake &&
          contains_message(opened->content, HandshakeType::end_of_early_data)) {
        early_open = false;
      }
      check(to.driver.receive(record, to.outbox, to.app).has_value(), "recorded receive failed");
      return;
    }
    ByteVec one(record.begin(), record.end());
    deliver(one, sender, suite, to);
  });
}

struct EarlyScenario {
  const char* name;
  std::uint8_t server_config;  // make_early_server()'s config
};

/// The two seeds of one 0-RTT scenario: (server role, client role).
std::pair<ByteVec, ByteVec> record_early(const EarlyScenario& scenario, const EarlyFixture& f) {
  Endpoints ends;
  Harness& client_harness = ends.client.harness;
  Harness& server_harness = ends.server.harness;
  ByteVec flight;
  auto started = start_early_client(0, f.session, client_harness, flight);
  check(started.has_value(), "resuming client start");
  check(flight.size() > f.client_hello_record.size() &&
            std::equal(f.client_hello_record.begin(), f.client_hello_record.end(), flight.begin()),
        "the resuming client's ClientHello differs from the fixture's");
  EarlyScript script;
  Recorded<hs::ClientHandshake> client{std::move(*started), {0x80}, {}, {}};
  Recorded<hs::ServerHandshake> server{
      make_early_server(scenario.server_config, server_harness, script),
      {scenario.server_config},
      {},
      {}};
  // The server target feeds the ClientHello itself: the server's seed starts after it.
  check(server.driver.receive(f.client_hello_record, server.outbox, server.app).has_value(),
        "ClientHello refused");
  client.outbox.assign(flight.begin() + static_cast<std::ptrdiff_t>(f.client_hello_record.size()),
                       flight.end());
  const auto params = suite_params(f.session.suite);
  check(params.has_value(), "session suite");
  const sanstls::native::KeyDerivation kd(*client_harness.provider, params->hash);
  auto keys = kd.traffic_keys(f.early_secret, params->aead);
  check(keys.has_value(), "early keys");
  auto early =
      sanstls::native::record::Protection::create(*client_harness.provider, params->aead, *keys);
  check(early.has_value(), "early protection");
  bool early_open = true;
  bool first = true;
  auto pump = [&] {
    for (int i = 0; i < 20 && (!client.outbox.empty() || !server.outbox.empty()); ++i) {
      // 0-RTT records: the first flight's, then an EndOfEarlyData if the server accepted.
      if (!first) early_open = early_open && client.driver.info().early_data_accepted;
      first = false;
      deliver_early(client.outbox, ends.from_client, *early, early_open, suite_of(client.driver),
                    server);
      deliver(server.outbox, ends.from_server, suite_of(server.driver), client);
    }
  };
  pump();
  check(is_connected(client.driver) && is_connected(server.driver),
        "resumption handshake did not complete");
  // What each scenario is for: 0-RTT accepted (and handed over whole) only in the first.
  const bool accepted = scenario.server_config == 0;
  check(server.driver.info().early_data_accepted == accepted &&
            client.driver.info().early_data_accepted == accepted &&
            script.early_bytes == (accepted ? kEarlyData.size() : 0),
        "0-RTT outcome differs from the scenario's");
  check(server.driver.info().resumed == ((scenario.server_config & 2U) == 0),
        "resumption outcome differs from the scenario's");
  act(server, Action::write, "hello after 0-RTT");
  pump();
  act(client, Action::write, "1-RTT data from the client");
  pump();
  act(server, Action::close_notify);
  pump();
  act(client, Action::close_notify);
  pump();
  return {std::move(server.seed), std::move(client.seed)};
}

/// Replays an early-data seed through the target's code path (both roles end connected).
void check_replay_early(const ByteVec& seed, const EarlyFixture& f, const char* name) {
  const Bytes chunks(seed.data() + 1, seed.size() - 1);
  bool connected = false;
  if ((seed[0] & 0x80U) == 0) {
    Endpoint end(kServerSeed);
    Harness& harness = end.harness;
    EarlyScript script;
    auto server = make_early_server(seed[0], harness, script);
    ByteVec out;
    ByteVec app;
    check(server.receive(f.client_hello_record, out, app).has_value(), "ClientHello refused");
    EarlyPeer peer(harness.log, f.early_secret, f.session.suite);
    connected = run_chunks(server, chunks, peer, *harness.provider);
  } else {
    Endpoint end(kClientSeed);
    Harness& harness = end.harness;
    ByteVec flight;
    auto client = start_early_client(seed[0], f.session, harness, flight);
    check(client.has_value(), "client start");
    PeerProtection peer = logged_protection(harness.log, Role::server);
    connected = run_chunks(*client, chunks, peer, *harness.provider);
  }
  if (!connected) replay_failed(name, "early-data");
}

/// Writes `seed` as `file` of `target`'s corpus under `out`, and with `pieces` also as
/// `file`_pieces3 (every record fed in 3-byte pieces). Returns how many files it wrote.
int write_seed(const std::filesystem::path& out, const char* target, const std::string& file,
               const ByteVec& seed, bool pieces) {
  write_file(out / target / file, seed);
  if (!pieces) return 1;
  write_file(out / target / (file + "_pieces3"), with_pieces(seed, 3));
  return 2;
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
    const std::string file = std::string("seed_") + scenario.name;
    written += write_seed(out, "native_client_handshake", file, client_seed, true);
    written += write_seed(out, "native_server_handshake", file, server_seed, true);
  }
  // TLS 1.2 client (native_client_handshake12): client config bits 0-2 as above, bit 3 a TLS
  // 1.2-only hello; server config as server_parameters() (0x04 client auth, 0x40 P-256 only).
  // No "chosen" client certificate: the test identity is Ed25519, which our TLS 1.2 server does
  // not ask for, and an ECDSA CertificateVerify would not replay byte for byte. No "pending"
  // either: the TLS 1.2 client refuses a pending answer (client_states12.cpp).
  const Scenario12 scenarios12[] = {
      {"aes128_gcm", 0x00, 0x00, CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256},
      {"aes256_gcm_tls12_only", 0x08, 0x00, CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384},
      {"chacha20", 0x00, 0x00, CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256},
      {"p256", 0x08, 0x40, CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256},
      {"client_auth_declined", 0x00, 0x04, CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256},
  };
  for (const auto& scenario : scenarios12) {
    const ByteVec seed = record_scenario12(scenario);
    check_replay12(seed, scenario.name);
    written += write_seed(out, "native_client_handshake12", std::string("seed_") + scenario.name,
                          seed, true);
  }
  // 0-RTT (native_early_data): server config as make_early_server() says.
  const EarlyFixture fixture = make_early_fixture();
  const EarlyScenario early_scenarios[] = {
      {"accepted", 0x00},
      {"declined", 0x01},
      {"resumption_declined", 0x02},
      {"hello_retry", 0x04},
  };
  for (const auto& scenario : early_scenarios) {
    const auto [server_seed, client_seed] = record_early(scenario, fixture);
    check_replay_early(server_seed, fixture, scenario.name);
    check_replay_early(client_seed, fixture, scenario.name);
    const std::string name = scenario.name;
    written += write_seed(out, "native_early_data", "seed_server_" + name, server_seed, true);
    written += write_seed(out, "native_early_data", "seed_client_" + name, client_seed, false);
  }
  std::printf("record_native_fuzz_corpus: %d seeds written under %s\n", written,
              out.string().c_str());
  return 0;
}

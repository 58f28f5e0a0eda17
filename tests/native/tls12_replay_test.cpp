// SPDX-License-Identifier: Apache-2.0 OR MIT
// Byte-for-byte replays of recorded TLS 1.2 handshakes with OpenSSL (data/tls12_replay.tsv,
// recorded and independently decrypted by tools/tls12_replay/generate.py): our client against
// `openssl s_server -tls1_2`, our server against `openssl s_client -tls1_2`, X25519 + AES-128-GCM
// and P-256 + ChaCha20-Poly1305, extended master secret, data both ways, close_notify both ways.
// Our side is built exactly as the recorder built it (tls12_replay.hpp: deterministic provider),
// so, fed the peer's recorded flights, it must
//   - emit exactly the recorded bytes for each of its flights (ClientHello, ClientKeyExchange +
//     ChangeCipherSpec + Finished, ServerHello..ServerHelloDone, application data, alerts),
//   - accept every peer flight: the peer's Finished verified, its application data decrypted to
//     the recorded plaintext, its close_notify seen; and derive OpenSSL's master secret;
//   - refuse a copy with any single byte of any peer flight flipped.
// A deliberate change of our bytes (a new hello extension, TLS 1.2 tickets) needs new recordings:
//   cmake --build build --target record_tls12_replay
//   /usr/bin/python3 tools/tls12_replay/generate.py build > tests/native/data/tls12_replay.tsv

#include "tls12_replay.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace sanstls::native::testing::tls12_replay {
namespace {

/// The committed recordings, or fresh ones (SANSTLS_TLS12_REPLAY_DATA: the generator's --check).
const std::vector<Recording>& recordings() {
  static const std::vector<Recording> all = [] {
    const char* other = std::getenv("SANSTLS_TLS12_REPLAY_DATA");  // NOLINT: test input
    return load(other != nullptr ? other : SANSTLS_NATIVE_TEST_DATA "/tls12_replay.tsv");
  }();
  return all;
}

struct Flip {
  std::size_t step;
  std::size_t byte;
};

struct Outcome {
  bool failed = false;
  std::size_t failed_step = 0;
  std::string error;
  std::vector<ByteVec> outs;  // per step: what we sent
  ByteVec app;                // all application data we received
  bool complete = false;
  bool peer_closed = false;
  bool tls12 = false;
  std::optional<CipherSuite> suite;
  ByteVec master_secret;
  ByteVec client_random;
};

/// Feeds `in` to `driver` in pieces of `piece` bytes (0: at once).
template <class Driver>
Status feed(Driver& driver, const ByteVec& in, std::size_t piece, ByteVec& out, ByteVec& app) {
  const Bytes all(in);
  const std::size_t step = piece == 0 ? std::max<std::size_t>(all.size(), 1) : piece;
  for (std::size_t at = 0; at < all.size(); at += step) {
    WIRE_CHECK(driver.receive(all.subspan(at, std::min(step, all.size() - at)), out, app));
  }
  return {};
}

template <class Driver>
void run_steps(Driver& driver, const Recording& rec, std::size_t first, std::optional<Flip> flip,
               std::size_t piece, Outcome& o) {
  for (std::size_t i = first; i < rec.steps.size(); ++i) {
    const Step& step = rec.steps[i];
    ByteVec out;
    Status status;
    if (step.kind == "receive") {
      ByteVec in = step.in;
      if (flip && flip->step == i) in[flip->byte] ^= 0x01U;
      ByteVec app;
      status = feed(driver, in, piece, out, app);
      o.app.insert(o.app.end(), app.begin(), app.end());
    } else if (step.kind == "write") {
      status = driver.write(step.in, out);
    } else if (step.kind == "close_notify") {
      status = driver.close_notify(out);
    } else {
      ADD_FAILURE() << "unknown step " << step.kind;
      return;
    }
    o.outs.push_back(std::move(out));
    if (!status) {
      o.failed = true;
      o.failed_step = i;
      o.error = status.error().to_string();
      return;
    }
  }
}

/// Replays `rec` from the start with our side built as the recorder built it.
Outcome replay(const Recording& rec, std::optional<Flip> flip = std::nullopt,
               std::size_t piece = 0) {
  Outcome o;
  if (rec.role == "client") {
    Side side(kClientSeed);
    ByteVec hello;
    auto client = start_client(side, hello);
    if (!client) {
      ADD_FAILURE() << client.error().to_string();
      return o;
    }
    o.outs.push_back(hello);
    run_steps(*client, rec, 1, flip, piece, o);
    o.complete = client->handshake_complete();
    o.peer_closed = client->peer_closed();
    o.tls12 = client->info().tls12;
    o.suite = client->info().cipher_suite;
    o.master_secret = side.log["CLIENT_RANDOM"];
    o.client_random = side.log[std::string(fuzz::native_peer::kClientRandomEntry)];
  } else {
    Side side(kServerSeed);
    auto server = make_server(side);
    run_steps(server, rec, 0, flip, piece, o);
    o.complete = server.connected();
    o.peer_closed = server.peer_closed();
    o.tls12 = server.info().tls12;
    if (server.info().negotiated) o.suite = server.info().suite;
    o.master_secret = side.log["CLIENT_RANDOM"];
    o.client_random = side.log[std::string(fuzz::native_peer::kClientRandomEntry)];
  }
  return o;
}

ByteVec value(const Recording& rec, std::string_view key) {
  const auto found = rec.values.find(key);
  EXPECT_NE(found, rec.values.end()) << rec.name << " has no " << key;
  return found == rec.values.end() ? ByteVec{} : found->second;
}

TEST(tls12_replay, the_data_holds_four_recordings_both_roles) {
  std::set<std::string> roles;
  for (const auto& rec : recordings()) {
    roles.insert(rec.role);
    // A peer flight of each kind: hello flight, Finished flight, data, close_notify.
    std::size_t receives = 0;
    for (const auto& step : rec.steps) receives += step.kind == "receive" ? 1 : 0;
    EXPECT_EQ(receives, 4U) << rec.name;
  }
  EXPECT_EQ(recordings().size(), 4U);
  EXPECT_EQ(roles, (std::set<std::string>{"client", "server"}));
}

TEST(tls12_replay, our_flights_are_the_recorded_bytes_and_the_peers_are_accepted) {
  for (const auto& rec : recordings()) {
    for (const std::size_t piece : {std::size_t{0}, std::size_t{7}, std::size_t{1}}) {
      SCOPED_TRACE(rec.name + ", fed in pieces of " + std::to_string(piece));
      const Outcome o = replay(rec, std::nullopt, piece);
      ASSERT_FALSE(o.failed) << "step " << o.failed_step << ": " << o.error;
      ASSERT_EQ(o.outs.size(), rec.steps.size());
      for (std::size_t i = 0; i < rec.steps.size(); ++i) {
        EXPECT_EQ(to_hex(o.outs[i]), to_hex(rec.steps[i].out))
            << "step " << i << " (" << rec.steps[i].kind << ")";
      }
      // The peer's Finished was verified (connected), its data decrypted, its close seen.
      EXPECT_TRUE(o.complete);
      EXPECT_TRUE(o.tls12);
      EXPECT_TRUE(o.peer_closed);
      EXPECT_EQ(to_hex(o.app), to_hex(value(rec, "peer_application_data")));
      ASSERT_TRUE(o.suite.has_value());
      const ByteVec suite = value(rec, "suite");
      EXPECT_EQ(static_cast<std::uint16_t>(*o.suite), (suite[0] << 8U) | suite[1]);
      // OpenSSL's key log: the same extended master secret for the same client random.
      EXPECT_EQ(to_hex(o.client_random), to_hex(value(rec, "client_random")));
      EXPECT_EQ(to_hex(o.master_secret), to_hex(value(rec, "master_secret")));
    }
  }
}

/// The byte positions of the peer's stream where a flip is accepted, per receive step: the
/// legacy_record_version minor byte of the peer's first record only (the client's ClientHello,
/// or the server's ServerHello). RFC 5246 Appendix E.1: a server "MUST accept any value {03,XX}
/// as the record layer version number for ClientHello", and the ServerHello's record is read
/// before a version is negotiated (OpenSSL does not check it either). Every later record must
/// carry the negotiated {3,3} (RFC 5246 §6.2.1): a flip there is protocol_version. Encrypted
/// records carry their version in the AEAD's additional data (RFC 5246 §6.2.3.3).
std::vector<std::set<std::size_t>> ignored_version_bytes(const Recording& rec) {
  std::vector<std::set<std::size_t>> ignored(rec.steps.size());
  for (std::size_t i = 0; i < rec.steps.size(); ++i) {
    if (rec.steps[i].kind != "receive") continue;
    ignored[i].insert(2);
    break;
  }
  return ignored;
}

/// The first receive step of `rec` and the offsets of the records in it.
std::pair<std::size_t, std::vector<std::size_t>> first_peer_flight(const Recording& rec) {
  for (std::size_t i = 0; i < rec.steps.size(); ++i) {
    if (rec.steps[i].kind != "receive") continue;
    std::vector<std::size_t> offsets;
    const ByteVec& in = rec.steps[i].in;
    for (std::size_t off = 0; off + 5 <= in.size();
         off += 5 + ((std::size_t{in[off + 3]} << 8U) | in[off + 4])) {
      offsets.push_back(off);
    }
    return {i, offsets};
  }
  return {0, {}};
}

/// Replays `rec` with the record version of the peer's record at `offset` in step `step` set to
/// `version`.
Outcome replay_with_record_version(const Recording& rec, std::size_t step, std::size_t offset,
                                   std::uint16_t version) {
  Recording changed = rec;
  changed.steps[step].in[offset + 1] = static_cast<std::uint8_t>(version >> 8U);
  changed.steps[step].in[offset + 2] = static_cast<std::uint8_t>(version & 0xffU);
  return replay(changed);
}

// RFC 5246 §6.2.1 / Appendix E.1: once TLS 1.2 is negotiated, a plaintext record of the peer
// with another version ({3,1} in a server's Certificate record, {3,2} in a client's
// ClientKeyExchange record) is refused with protocol_version, in both roles.
TEST(tls12_replay, a_record_with_another_version_after_the_hello_is_protocol_version) {
  std::size_t checked = 0;
  for (const auto& rec : recordings()) {
    std::size_t step = 0;
    std::size_t offset = 0;
    if (rec.role == "client") {
      // The server's first flight: ServerHello, then Certificate in the next record.
      const auto [first, offsets] = first_peer_flight(rec);
      ASSERT_GE(offsets.size(), 2U) << rec.name;
      step = first;
      offset = offsets[1];
    } else {
      // The client's second flight (ClientKeyExchange, ChangeCipherSpec, Finished).
      const auto [first, offsets] = first_peer_flight(rec);
      step = first + 1;
      while (step < rec.steps.size() && rec.steps[step].kind != "receive") ++step;
      ASSERT_LT(step, rec.steps.size()) << rec.name;
    }
    for (const std::uint16_t version : {std::uint16_t{0x0301}, std::uint16_t{0x0302},
                                        std::uint16_t{0x0304}, std::uint16_t{0x0300}}) {
      const Outcome o = replay_with_record_version(rec, step, offset, version);
      EXPECT_TRUE(o.failed) << rec.name << " version " << version;
      EXPECT_EQ(o.failed_step, step) << rec.name;
      EXPECT_NE(o.error.find("protocol_version: TLSPlaintext.legacy_record_version"),
                std::string::npos)
          << rec.name << ": " << o.error;
      EXPECT_FALSE(o.complete) << rec.name;
      ++checked;
    }
  }
  EXPECT_GE(checked, 16U);
}

// RFC 5246 Appendix E.1: a server "MUST accept any value {03,XX} as the record layer version
// number for ClientHello": the handshake completes as recorded.
TEST(tls12_replay, the_client_hello_record_may_carry_any_version_from_3_0_to_3_3) {
  std::size_t checked = 0;
  for (const auto& rec : recordings()) {
    if (rec.role != "server") continue;
    const auto [step, offsets] = first_peer_flight(rec);
    ASSERT_FALSE(offsets.empty()) << rec.name;
    for (const std::uint16_t version : {std::uint16_t{0x0300}, std::uint16_t{0x0301},
                                        std::uint16_t{0x0302}, std::uint16_t{0x0303}}) {
      const Outcome o = replay_with_record_version(rec, step, offsets[0], version);
      EXPECT_FALSE(o.failed) << rec.name << " version " << version << ": " << o.error;
      EXPECT_TRUE(o.complete && o.peer_closed) << rec.name << " version " << version;
      ++checked;
    }
  }
  EXPECT_GE(checked, 8U);
}

TEST(tls12_replay, every_single_flipped_byte_of_every_peer_flight_is_refused) {
  for (const auto& rec : recordings()) {
    const auto ignored = ignored_version_bytes(rec);
    const ByteVec expected_app = value(rec, "peer_application_data");
    std::size_t refused = 0;
    std::size_t accepted_version_flips = 0;
    for (std::size_t k = 0; k < rec.steps.size(); ++k) {
      if (rec.steps[k].kind != "receive") continue;
      for (std::size_t b = 0; b < rec.steps[k].in.size(); ++b) {
        const Outcome o = replay(rec, Flip{k, b});
        // Refused: an error at or after the flipped flight, or the connection never got what
        // the flight carried (a length that now waits for bytes that never come).
        const bool same_end = !o.failed && o.complete && o.peer_closed && o.app == expected_app;
        if (o.failed) {
          EXPECT_GE(o.failed_step, k) << rec.name << ": failed before the flipped flight";
        }
        if (ignored[k].count(b) != 0) {
          EXPECT_TRUE(same_end) << rec.name << " step " << k << " byte " << b
                                << ": the first record's minor version was refused";
          accepted_version_flips += same_end ? 1 : 0;
        } else {
          EXPECT_FALSE(same_end) << rec.name << " step " << k << " byte " << b
                                 << " flipped, and the connection ended as recorded";
          refused += same_end ? 0 : 1;
        }
      }
    }
    std::printf("%s: %zu flipped bytes refused, %zu first-record minor versions accepted\n",
                rec.name.c_str(), refused, accepted_version_flips);
    EXPECT_GT(refused, 100U) << rec.name;
    // Only the peer's first record (ClientHello or ServerHello) keeps a free minor version.
    EXPECT_EQ(accepted_version_flips, 1U) << rec.name;
  }
}

}  // namespace
}  // namespace sanstls::native::testing::tls12_replay

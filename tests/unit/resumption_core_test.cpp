// SPDX-License-Identifier: Apache-2.0 OR MIT
// The engine-independent parts of resumption: TicketKeys (rotation, lifetime, revocation), the
// MemorySessionStore (single use, bounds), the core's records (round trip, every damaged form)
// and the server's registry (revoked lineages, the 0-RTT replay register and their bounds).

#include <sanstls/resumption.hpp>

#include "core/resumption_records.hpp"
#include "core/resumption_registry.hpp"
#include "core/ticket_keys.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <string>
#include <vector>

namespace sanstls {
namespace {

using namespace std::chrono_literals;
using core::TicketKeysAccess;
using Clock = std::chrono::system_clock;

struct FakeClock {
  Clock::time_point now = Clock::time_point{} + 1000h * 24;
  std::function<Clock::time_point()> fn() {
    return [this] { return now; };
  }
};

std::span<const std::byte> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

std::shared_ptr<TicketKeys> make_keys(FakeClock& clock, std::chrono::seconds rotation,
                                      std::chrono::seconds lifetime) {
  TicketKeys::Options options;
  options.rotation_interval = rotation;
  options.ticket_lifetime = lifetime;
  options.clock = clock.fn();
  auto keys = TicketKeys::create(options);
  EXPECT_TRUE(keys) << (keys ? "" : keys.error().message);
  return keys ? *keys : nullptr;
}

TEST(TicketKeys, RefusesLifetimesOutsideRfc8446) {
  TicketKeys::Options options;
  options.ticket_lifetime = 604801s;  // RFC 8446 §4.6.1: at most 7 days
  auto keys = TicketKeys::create(options);
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, Errc::bad_configuration);
  EXPECT_NE(keys.error().message.find("7 days"), std::string::npos);
  options.ticket_lifetime = 3600s;
  options.rotation_interval = 7200s;  // rotating less often than tickets live makes no sense
  EXPECT_FALSE(TicketKeys::create(options));
  options.rotation_interval = 0s;
  EXPECT_FALSE(TicketKeys::create(options));
  options.rotation_interval = 600s;
  EXPECT_TRUE(TicketKeys::create(options));
}

TEST(TicketKeys, RotationKeepsOldKeysOpeningUntilTheirTicketsExpire) {
  FakeClock clock;
  auto keys = make_keys(clock, 3600s, 7200s);
  auto first = TicketKeysAccess::sealing_key(*keys);
  ASSERT_TRUE(first);
  const auto first_name = (*first)->name;
  clock.now += 1800s;
  auto same = TicketKeysAccess::sealing_key(*keys);
  ASSERT_TRUE(same);
  EXPECT_EQ((*same)->name, first_name) << "rotated before the interval";
  clock.now += 1800s;  // one hour: the current key is replaced when a ticket is sealed
  auto second = TicketKeysAccess::sealing_key(*keys);
  ASSERT_TRUE(second);
  EXPECT_NE((*second)->name, first_name);
  EXPECT_NE(TicketKeysAccess::opening_key(*keys, first_name), nullptr)
      << "a retired key must keep opening the tickets it sealed";
  clock.now += 7199s;
  EXPECT_NE(TicketKeysAccess::opening_key(*keys, first_name), nullptr);
  clock.now += 1s;  // the last ticket it sealed has now expired
  EXPECT_EQ(TicketKeysAccess::opening_key(*keys, first_name), nullptr);
}

TEST(TicketKeys, RotateAndRevokeAll) {
  FakeClock clock;
  auto keys = make_keys(clock, 3600s, 7200s);
  const auto before = (*TicketKeysAccess::sealing_key(*keys))->name;
  keys->rotate();
  const auto after = (*TicketKeysAccess::sealing_key(*keys))->name;
  EXPECT_NE(before, after);
  EXPECT_NE(TicketKeysAccess::opening_key(*keys, before), nullptr);
  keys->revoke_all();
  EXPECT_EQ(TicketKeysAccess::opening_key(*keys, before), nullptr);
  EXPECT_EQ(TicketKeysAccess::opening_key(*keys, after), nullptr);
  auto fresh = TicketKeysAccess::sealing_key(*keys);
  ASSERT_TRUE(fresh);
  EXPECT_NE((*fresh)->name, after);
  const std::array<std::uint8_t, 3> short_name{1, 2, 3};
  EXPECT_EQ(TicketKeysAccess::opening_key(*keys, short_name), nullptr);
}

TEST(TicketKeys, DerivedKeysDependOnTheLabelAndTheKey) {
  FakeClock clock;
  auto keys = make_keys(clock, 3600s, 7200s);
  auto key = *TicketKeysAccess::sealing_key(*keys);
  auto a = key->derive("engine a", 32);
  auto a2 = key->derive("engine a", 32);
  auto b = key->derive("engine b", 32);
  ASSERT_TRUE(a && a2 && b);
  EXPECT_TRUE(std::equal(a->data(), a->data() + 32, a2->data()));
  EXPECT_FALSE(std::equal(a->data(), a->data() + 32, b->data()));
  keys->rotate();
  auto other = (*TicketKeysAccess::sealing_key(*keys))->derive("engine a", 32);
  ASSERT_TRUE(other);
  EXPECT_FALSE(std::equal(a->data(), a->data() + 32, other->data()));
}

// derive() keeps its results with the key: what it returns, the first time and from what it
// kept, is HKDF-Expand (RFC 5869 §2.3) of the secret for that label and that length.
TEST(TicketKeys, DerivedKeysAreHkdfExpandForEachLabelAndLength) {
  FakeClock clock;
  auto keys = make_keys(clock, 3600s, 7200s);
  auto key = *TicketKeysAccess::sealing_key(*keys);
  // T(1) = HMAC(PRK, label | 0x01), T(2) = HMAC(PRK, T(1) | label | 0x02).
  const auto hkdf_expand = [&](std::string_view label, std::size_t length) {
    std::vector<std::uint8_t> out;
    std::vector<std::uint8_t> block;
    for (std::uint8_t i = 1; out.size() < length; ++i) {
      std::vector<std::uint8_t> input(block);
      input.insert(input.end(), label.begin(), label.end());
      input.push_back(i);
      block.assign(32, 0);
      unsigned int size = 0;
      HMAC(EVP_sha256(), key->secret.data(), static_cast<int>(key->secret.size()), input.data(),
           input.size(), block.data(), &size);
      out.insert(out.end(), block.begin(), block.end());
    }
    out.resize(length);
    return out;
  };
  const auto derived = [&](std::string_view label, std::size_t length) {
    auto d = key->derive(label, length);
    EXPECT_TRUE(d);
    return d ? std::vector<std::uint8_t>(d->data(), d->data() + d->size())
             : std::vector<std::uint8_t>{};
  };
  for (int round = 0; round < 2; ++round) {  // the second round is served from what was kept
    EXPECT_EQ(derived("engine a", 32), hkdf_expand("engine a", 32)) << round;
    EXPECT_EQ(derived("engine a", 16), hkdf_expand("engine a", 16)) << round;
    EXPECT_EQ(derived("engine a", 48), hkdf_expand("engine a", 48)) << round;
    EXPECT_EQ(derived("engine b", 32), hkdf_expand("engine b", 32)) << round;
  }
  // Past max_derived entries, results are still right (computed, not kept).
  for (std::size_t i = 0; i < core::TicketKey::max_derived + 2; ++i) {
    const std::string label = "label " + std::to_string(i);
    EXPECT_EQ(derived(label, 32), hkdf_expand(label, 32)) << label;
  }
  EXPECT_LE(key->derived.size(), core::TicketKey::max_derived);
}

TEST(MemorySessionStore, TakesEachSessionOnceNewestFirst) {
  MemorySessionStore store;
  store.put("a", StoredSession(as_bytes("one")));
  store.put("a", StoredSession(as_bytes("two")));
  store.put("b", StoredSession(as_bytes("other")));
  auto first = store.take("a");
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(first.bytes().data()), first.bytes().size()),
            "two");
  auto second = store.take("a");
  EXPECT_EQ(second.bytes().size(), 3u);
  EXPECT_TRUE(store.take("a").empty()) << "RFC 8446 §C.4: a ticket is offered once";
  EXPECT_EQ(store.size(), 1u);
  store.forget("b");
  EXPECT_TRUE(store.take("b").empty());
}

TEST(MemorySessionStore, StaysWithinItsLimits) {
  MemorySessionStore::Limits limits;
  limits.max_entries = 3;
  limits.max_bytes = 10;
  limits.max_per_key = 2;
  MemorySessionStore store(limits);
  store.put("k", StoredSession(as_bytes("1")));
  store.put("k", StoredSession(as_bytes("2")));
  store.put("k", StoredSession(as_bytes("3")));  // drops "1": two per key
  EXPECT_EQ(store.size(), 2u);
  store.put("x", StoredSession(as_bytes("xxxxxxxx")));  // 10 bytes in all: drops the oldest
  EXPECT_LE(store.size(), 3u);
  store.put("y", StoredSession(as_bytes("much too long for it")));  // larger than the store
  EXPECT_TRUE(store.take("y").empty());
  auto k = store.take("k");
  if (!k.empty()) {
    EXPECT_EQ(static_cast<char>(k.bytes()[0]), '3');
  }
  auto x = store.take("x");
  EXPECT_FALSE(x.empty());
}

TEST(MemorySessionStore, SkipsExpiredSessions) {
  MemorySessionStore store;
  store.put("k", StoredSession(as_bytes("old"), Clock::now() - 1s));
  store.put("k", StoredSession(as_bytes("older"), Clock::now() - 2s));
  EXPECT_TRUE(store.take("k").empty());
  EXPECT_EQ(store.size(), 0u);
}

core::ClientSessionRecord sample_record() {
  core::ClientSessionRecord record;
  record.backend = Backend::native;
  record.fingerprint.fill(7);
  record.expires = Clock::time_point{} + 123456789ms;
  record.max_early_data = 16384;
  record.version = ProtocolVersion::tls13;
  record.cipher_suite = CipherSuite::tls_aes_256_gcm_sha384;
  record.alpn = "h2";
  record.peer_chain = {std::vector<std::byte>(40, std::byte{1}),
                       std::vector<std::byte>(20, std::byte{2})};
  const std::uint8_t state[] = {9, 8, 7, 6};
  record.engine_state = base::SecretBytes(state);
  return record;
}

TEST(ResumptionRecords, ClientSessionRoundTrip) {
  auto bytes = core::encode(sample_record());
  ASSERT_TRUE(bytes);
  auto parsed = core::parse_client_session(
      {reinterpret_cast<const std::byte*>(bytes->data()), bytes->size()});
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto expected = sample_record();
  EXPECT_EQ(parsed->backend, expected.backend);
  EXPECT_EQ(parsed->fingerprint, expected.fingerprint);
  EXPECT_EQ(parsed->expires, expected.expires);
  EXPECT_EQ(parsed->max_early_data, expected.max_early_data);
  EXPECT_EQ(parsed->cipher_suite, expected.cipher_suite);
  EXPECT_EQ(parsed->alpn, "h2");
  EXPECT_EQ(parsed->peer_chain, expected.peer_chain);
  ASSERT_EQ(parsed->engine_state.size(), 4u);
  EXPECT_EQ(parsed->engine_state.data()[3], 6);
}

TEST(ResumptionRecords, EveryDamagedClientSessionIsRefused) {
  auto bytes = core::encode(sample_record());
  ASSERT_TRUE(bytes);
  std::vector<std::byte> data(reinterpret_cast<const std::byte*>(bytes->data()),
                              reinterpret_cast<const std::byte*>(bytes->data()) + bytes->size());
  for (std::size_t cut = 0; cut < data.size(); ++cut) {
    auto parsed = core::parse_client_session(std::span(data).first(cut));
    ASSERT_FALSE(parsed) << "truncated to " << cut << " bytes";
    EXPECT_EQ(parsed.error().code, Errc::bad_tls_data);
  }
  auto longer = data;
  longer.push_back(std::byte{0});
  EXPECT_FALSE(core::parse_client_session(longer)) << "trailing data";
  auto wrong_magic = data;
  wrong_magic[0] = std::byte{0};
  EXPECT_FALSE(core::parse_client_session(wrong_magic));
  auto wrong_backend = data;
  wrong_backend[4] = std::byte{9};
  EXPECT_FALSE(core::parse_client_session(wrong_backend));
  // A ticket context is not a stored session.
  core::TicketContext context;
  auto other = core::encode(context);
  ASSERT_TRUE(other);
  EXPECT_FALSE(core::parse_client_session(*other));
}

TEST(ResumptionRecords, TicketContextRoundTripAndDamage) {
  core::TicketContext context;
  context.lineage.id.fill(3);
  context.lineage.started = Clock::time_point{} + 42s;
  context.server_name = "a.example";
  context.alpn = "http/1.1";
  context.peer_chain = {std::vector<std::byte>(30, std::byte{5})};
  auto bytes = core::encode(context);
  ASSERT_TRUE(bytes);
  auto parsed = core::parse_ticket_context(*bytes);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->lineage.id, context.lineage.id);
  EXPECT_EQ(parsed->lineage.started, context.lineage.started);
  EXPECT_EQ(parsed->server_name, "a.example");
  EXPECT_EQ(parsed->alpn, "http/1.1");
  EXPECT_EQ(parsed->peer_chain, context.peer_chain);
  for (std::size_t cut = 0; cut < bytes->size(); ++cut) {
    EXPECT_FALSE(core::parse_ticket_context(std::span(*bytes).first(cut))) << cut;
  }
  auto longer = *bytes;
  longer.push_back(std::byte{1});
  EXPECT_FALSE(core::parse_ticket_context(longer));
}

core::SessionLineage lineage(std::uint8_t id, Clock::time_point started) {
  core::SessionLineage out;
  out.id.fill(id);
  out.started = started;
  return out;
}

TEST(ResumptionRegistry, RevokedLineagesStayRevokedPastTheBound) {
  core::ResumptionRegistry registry(/*max_revoked=*/2, /*max_replay_entries=*/2);
  const auto t = Clock::time_point{} + 100h;
  EXPECT_FALSE(registry.revoked(lineage(1, t)));
  registry.revoke(lineage(1, t));
  EXPECT_TRUE(registry.revoked(lineage(1, t)));
  EXPECT_FALSE(registry.revoked(lineage(2, t + 1s)));
  registry.revoke(lineage(2, t + 1s));
  registry.revoke(lineage(3, t + 2s));  // forgets lineage 1 ...
  EXPECT_TRUE(registry.revoked(lineage(1, t))) << "... but still refuses it (floor)";
  EXPECT_TRUE(registry.revoked(lineage(2, t + 1s)));
  EXPECT_TRUE(registry.revoked(lineage(3, t + 2s)));
  EXPECT_FALSE(registry.revoked(lineage(4, t + 3s))) << "a newer, clean lineage resumes";
}

TEST(ResumptionRegistry, EarlyDataIsAdmittedOncePerTicket) {
  core::ResumptionRegistry registry(2, 2);
  const auto t = Clock::time_point{} + 100h;
  EXPECT_TRUE(registry.admit_early_data(as_bytes("ticket-1"), t));
  EXPECT_FALSE(registry.admit_early_data(as_bytes("ticket-1"), t)) << "RFC 8446 §8.1: a replay";
  EXPECT_TRUE(registry.admit_early_data(as_bytes("ticket-2"), t + 1s));
  EXPECT_TRUE(registry.admit_early_data(as_bytes("ticket-3"), t + 2s));  // forgets ticket-1
  EXPECT_FALSE(registry.admit_early_data(as_bytes("ticket-1"), t))
      << "a forgotten ticket must not be accepted a second time";
  EXPECT_FALSE(registry.admit_early_data(as_bytes("ticket-9"), t)) << "as old as the forgotten";
  EXPECT_TRUE(registry.admit_early_data(as_bytes("ticket-4"), t + 3s));
}

}  // namespace
}  // namespace sanstls

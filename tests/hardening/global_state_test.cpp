// SPDX-License-Identifier: Apache-2.0 OR MIT
// No global state: two configurations in one process, with different trust stores, policies,
// engines, ALPN lists and key logs, used alternately and at the same time, never see each other.
#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>

#include "support/engines.hpp"
#include "support/session_pair.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

namespace sanstls::test {
namespace {

struct World {
  std::unique_ptr<TestPki> pki;
  std::unique_ptr<ClientTLS> client;
  std::unique_ptr<ServerTLS> server;
  Backend engine = Backend::openssl;
  std::shared_ptr<std::atomic<int>> key_log_lines = std::make_shared<std::atomic<int>>(0);
};

/// World A: TLS 1.3 only, ALPN "a", no key log, last engine (native when built: TLS 1.3 only).
/// World B: TLS 1.2 at most (hazmat), ALPN "b", a key log, first engine, another root.
World make_world(bool a) {
  World world;
  auto pki = TestPki::build();
  EXPECT_TRUE(pki.has_value());
  world.pki = std::move(*pki);
  const auto engines = available_engines();
  const Backend engine = a ? engines.back() : engines.front();
  world.engine = engine;
  ClientOptions client_options{
      .trust = world.pki->trust_store(), .alpn = {a ? "a" : "b"}, .backend = engine};
  ServerOptions server_options{.alpn = {a ? "a" : "b"}, .backend = engine};
  if (a) {
    client_options.policy = Policy::tls13_only();
    server_options.policy = Policy::tls13_only();
  } else {
    auto settings = std::make_shared<hazmat::Settings>();
    settings->max_version = ProtocolVersion::tls12;
    settings->key_log = [lines = world.key_log_lines](std::string_view) { ++*lines; };
    client_options.hazmat = settings;
  }
  world.client = std::make_unique<ClientTLS>("localhost", client_options);
  world.server = std::make_unique<ServerTLS>(world.pki->server(), server_options);
  return world;
}

void expect_own_world(const World& world, bool a) {
  SessionPair pair(*world.client, *world.server);
  ASSERT_TRUE(pair.handshake()) << pair.first_error()->to_string();
  const SessionInfo& info = pair.client().session->info();
  EXPECT_EQ(info.version, a ? ProtocolVersion::tls13 : ProtocolVersion::tls12);
  EXPECT_EQ(info.alpn, a ? "a" : "b");
  EXPECT_EQ(info.backend, world.engine);
  EXPECT_EQ(pair.server().session->info().backend, world.engine);
}

/// A client of world A meets the server of world B: both are TLS 1.3-capable, so the server's
/// own ALPN list ("b") decides, and it refuses "a". Proves each side used its own world's list.
void expect_a_client_refused_by_b_server(const World& a, const World& b) {
  SessionPair pair(*a.client, *b.server);
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.server().error) << "world B's server accepted world A's client";
  const Error& server = *pair.server().error;
  EXPECT_EQ(server.code, Errc::no_application_protocol) << server.to_string();
  EXPECT_NE(server.message.find("have none in common with this server's (b)"), std::string::npos)
      << server.to_string();
  EXPECT_EQ(server.alert_sent, Alert::no_application_protocol) << server.to_string();
  ASSERT_TRUE(pair.client().error) << "world A's client never heard of the refusal";
  EXPECT_EQ(pair.client().error->code, Errc::alert_received) << pair.client().error->to_string();
  EXPECT_EQ(pair.client().error->alert_received, Alert::no_application_protocol)
      << pair.client().error->to_string();
}

/// A client of world B (capped at TLS 1.2) meets the server of world A (TLS 1.3 only): the
/// version refusal proves each side used its own world's policy.
void expect_b_client_refused_by_a_server(const World& b, const World& a) {
  SessionPair pair(*b.client, *a.server);
  EXPECT_FALSE(pair.handshake());
  ASSERT_TRUE(pair.server().error) << "world A's server accepted world B's client";
  const Error& server = *pair.server().error;
  EXPECT_EQ(server.code, Errc::forbidden_by_policy) << server.to_string();
  EXPECT_NE(server.message.find("sanstls requires TLS 1.3"), std::string::npos)
      << server.to_string();
  EXPECT_EQ(server.alert_sent, Alert::protocol_version) << server.to_string();
  ASSERT_TRUE(pair.client().error) << "world B's client never heard of the refusal";
  const Error& client = *pair.client().error;
  EXPECT_EQ(client.code, Errc::forbidden_by_policy) << client.to_string();
  EXPECT_NE(client.message.find("the server refused TLS 1.2 (capped by hazmat::Settings)"),
            std::string::npos)
      << client.to_string();
}

TEST(GlobalState, TwoConfigurationsInOneProcessNeverSeeEachOther) {
  const World a = make_world(true);
  expect_own_world(a, true);
  const World b = make_world(false);  // built after A was used
  expect_own_world(b, false);
  expect_own_world(a, true);  // A unchanged by B
  EXPECT_GT(b.key_log_lines->load(), 0);
  EXPECT_EQ(a.key_log_lines->load(), 0);

  // Each root is trusted only by its own world (same names, same engines otherwise).
  ClientTLS a_trust_for_b_server("localhost", ClientOptions{.trust = a.pki->trust_store(),
                                                            .alpn = {"b"},
                                                            .backend = available_engines().back()});
  SessionPair cross(a_trust_for_b_server, *b.server);
  EXPECT_FALSE(cross.handshake());
  ASSERT_NE(cross.client().error, std::nullopt);
  EXPECT_EQ(cross.client().error->code, Errc::certificate_rejected)
      << cross.client().error->to_string();
  EXPECT_EQ(cross.client().error->certificate_problem, CertificateProblem::unknown_issuer);
  expect_a_client_refused_by_b_server(a, b);
  expect_b_client_refused_by_a_server(b, a);

  // Both worlds at once, in two threads, many times.
  std::atomic<int> failures{0};
  auto run = [&](const World& world, bool is_a) {
    for (int i = 0; i < 10; ++i) {
      SessionPair pair(*world.client, *world.server);
      if (!pair.handshake() ||
          pair.client().session->info().version !=
              (is_a ? ProtocolVersion::tls13 : ProtocolVersion::tls12) ||
          pair.client().session->info().alpn != (is_a ? "a" : "b")) {
        ++failures;
      }
    }
  };
  const int b_lines_before = b.key_log_lines->load();
  std::thread ta(run, std::cref(a), true);
  std::thread tb(run, std::cref(b), false);
  ta.join();
  tb.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(a.key_log_lines->load(), 0);
  EXPECT_GT(b.key_log_lines->load(), b_lines_before);
}

}  // namespace
}  // namespace sanstls::test

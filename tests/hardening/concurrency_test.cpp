// SPDX-License-Identifier: Apache-2.0 OR MIT
// Concurrency (run under TSan by `make test-tsan`): many threads, each driving many sessions of
// different configurations and engines at once. Configurations are shared by every thread, as
// a server shares its ServerTLS between connections.
#include <sanstls/sanstls.hpp>

#include "support/engines.hpp"
#include "support/session_pair.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sanstls::test {
namespace {

struct Configuration {
  std::string name;
  std::unique_ptr<ClientTLS> client;
  std::unique_ptr<ServerTLS> server;
};

std::vector<Configuration> configurations() {
  const TestPki& pki = TestPki::shared();
  std::vector<Configuration> all;
  for (const EnginePair& pair : engine_pairs()) {
    for (int variant = 0; variant < 3; ++variant) {
      ClientOptions client_options{.trust = pki.trust_store(), .backend = pair.client};
      ServerOptions server_options{.backend = pair.server};
      testing::KeyAlgorithm key = testing::KeyAlgorithm::ecdsa_p256;
      if (variant == 1) {
        client_options.policy = Policy::tls13_only();
        client_options.alpn = {"h2", "http/1.1"};
        server_options.alpn = {"http/1.1"};
        key = testing::KeyAlgorithm::ed25519;
      } else if (variant == 2) {
        client_options.policy.groups = {NamedGroup::secp256r1};
        key = testing::KeyAlgorithm::rsa_2048;
      }
      all.push_back({engine_pair_name(pair) + "_" + std::to_string(variant),
                     std::make_unique<ClientTLS>("localhost", client_options),
                     std::make_unique<ServerTLS>(pki.server(key), server_options)});
    }
  }
  return all;
}

TEST(Concurrency, ManyThreadsManySessionsEveryEngine) {
  const auto configs = configurations();
  constexpr int threads = 6;
  constexpr int sessions_per_thread = 4;  // live at once in each thread
  constexpr int rounds = 10;
  std::atomic<int> failures{0};
  std::atomic<int> completed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int round = 0; round < rounds; ++round) {
        // Several sessions alive at once in this thread, driven in interleaved steps.
        std::vector<std::unique_ptr<SessionPair>> pairs;
        for (int s = 0; s < sessions_per_thread; ++s) {
          const auto& config =
              configs[static_cast<std::size_t>(t * 7 + round * 3 + s) % configs.size()];
          pairs.push_back(std::make_unique<SessionPair>(*config.client, *config.server));
        }
        for (int step = 0; step < 20; ++step) {
          for (auto& pair : pairs) pair->pump([](std::size_t waiting) { return waiting / 2 + 1; });
        }
        for (auto& pair : pairs) {
          if (!pair->handshake()) {
            ++failures;
            continue;
          }
          const std::string message =
              "thread " + std::to_string(t) + " round " + std::to_string(round);
          if (!pair->client().session->write_data(to_bytes(message)) ||
              !pair->server().session->write_data(to_bytes(message))) {
            ++failures;
            continue;
          }
          pair->pump();
          if (pair->server().received_text() != message ||
              pair->client().received_text() != message || !pair->client().session->finish() ||
              !pair->server().session->finish()) {
            ++failures;
            continue;
          }
          pair->pump();
          ++completed;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(completed.load(), threads * sessions_per_thread * rounds);
}

}  // namespace
}  // namespace sanstls::test

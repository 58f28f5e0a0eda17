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
#include <condition_variable>
#include <memory>
#include <mutex>
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

// A thread pool that outlives a configuration: worker threads run sessions of a configuration,
// the configuration is destroyed while they are still alive, and only then do they exit. With a
// libcrypto library context per configuration this crashed at thread exit (OpenSSL 3.0 frees a
// thread's per-context state through the context, which was gone); found by the Python binding's
// thread-pool test. Every engine pair; the test binary dies if it regresses.
TEST(Concurrency, ThreadsOutliveTheConfigurationTheyUsed) {
  std::mutex mutex;
  std::condition_variable changed;
  int finished_sessions = 0;
  bool may_exit = false;
  std::vector<std::thread> workers;
  {
    auto configs = configurations();
    for (Configuration& config : configs) {
      workers.emplace_back([&, client = config.client.get(), server = config.server.get()] {
        {
          SessionPair pair(*client, *server);
          EXPECT_TRUE(pair.handshake())
              << (pair.first_error() ? pair.first_error()->to_string() : "");
          EXPECT_TRUE(pair.client().session->write_data("ping"));
          pair.pump();
        }
        std::unique_lock lock(mutex);
        ++finished_sessions;
        changed.notify_all();
        changed.wait(lock, [&] { return may_exit; });  // exit only after the configs are gone
      });
    }
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return finished_sessions == static_cast<int>(configs.size()); });
  }  // every ClientTLS / ServerTLS destroyed here, while their threads are alive
  {
    std::lock_guard lock(mutex);
    may_exit = true;
  }
  changed.notify_all();
  for (auto& worker : workers) worker.join();
  SUCCEED() << "every thread exited after its configuration was destroyed";
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

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// A ready-made PKI for tests: one root, one intermediate, server chains for every key
// algorithm and a client chain. Built lazily once per test process (key generation is the slow
// part) and shared read-only by every test.
//
//   TEST_F(MyTest, ...) -> derive the fixture from sanstls::test::WithTestPki and call pki();
//   anywhere else       -> sanstls::test::TestPki::shared().
//
// Server leaves name "localhost", "127.0.0.1" and "test.example" (in that order; CN =
// "localhost"), are issued by the intermediate, and their chain is {leaf, intermediate}. The
// root is the only certificate in trust_store().

#include <sanstls/credentials.hpp>
#include <sanstls/testing/certificate_authority.hpp>

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace sanstls::test {

class TestPki {
 public:
  static constexpr std::array<std::string_view, 3> server_names{"localhost", "127.0.0.1",
                                                                "test.example"};
  static constexpr std::string_view client_name = "client.test.example";

  /// The process-wide instance (built on first call; aborts the test program if it cannot be
  /// built, since no test using it could run).
  static const TestPki& shared();

  /// Builds a fresh PKI (for tests that need their own, unrelated root).
  static Result<std::unique_ptr<TestPki>> build();

  [[nodiscard]] const testing::CertificateAuthority& root() const { return root_; }
  [[nodiscard]] const testing::CertificateAuthority& intermediate() const { return intermediate_; }
  /// A trust store holding only the root.
  [[nodiscard]] TrustStore trust_store() const { return root_.trust_store(); }
  [[nodiscard]] std::string root_pem() const { return root_.certificate_pem(); }

  /// Server chain {leaf, intermediate} with a key of `key`, made on first use (thread-safe).
  [[nodiscard]] const CertificateChain& server(
      testing::KeyAlgorithm key = testing::KeyAlgorithm::ecdsa_p256) const;
  /// The same certificates and key as server(key), as parts (certificates_pem(), key_pem()).
  [[nodiscard]] const testing::IssuedLeaf& server_parts(
      testing::KeyAlgorithm key = testing::KeyAlgorithm::ecdsa_p256) const;
  /// Client chain {leaf "client.test.example" (clientAuth, ECDSA P-256), intermediate}.
  [[nodiscard]] const CertificateChain& client() const { return client_; }

  /// Files for other TLS programs (openssl s_server, gnutls-serv, curl --cacert ...).
  struct PemFiles {
    std::filesystem::path chain;  // leaf then intermediate
    std::filesystem::path key;    // PKCS#8, mode 0600
    std::filesystem::path root;   // the root certificate (a CA file)
  };
  /// Writes the server(key) chain, its key and the root into `directory` (created if missing),
  /// as "<stem>-chain.pem", "<stem>-key.pem" and "root.pem".
  [[nodiscard]] PemFiles write_server_files(
      const std::filesystem::path& directory,
      testing::KeyAlgorithm key = testing::KeyAlgorithm::ecdsa_p256,
      std::string_view stem = "server") const;

 private:
  struct Server {
    testing::IssuedLeaf parts;
    CertificateChain chain;
  };

  TestPki(testing::CertificateAuthority root, testing::CertificateAuthority intermediate,
          CertificateChain client)
      : root_(std::move(root)),
        intermediate_(std::move(intermediate)),
        client_(std::move(client)) {}
  const Server& server_entry(testing::KeyAlgorithm key) const;

  testing::CertificateAuthority root_;
  testing::CertificateAuthority intermediate_;
  CertificateChain client_;
  // Lazily filled cache of server chains; entries are never removed, so references stay valid.
  mutable std::mutex mutex_;
  mutable std::map<testing::KeyAlgorithm, std::unique_ptr<Server>> servers_;
};

/// Fixture base: `class MyTest : public sanstls::test::WithTestPki {};`.
class WithTestPki : public ::testing::Test {
 protected:
  static const TestPki& pki() { return TestPki::shared(); }
};

}  // namespace sanstls::test

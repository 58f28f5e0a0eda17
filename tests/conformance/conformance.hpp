// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Shared fixture of the conformance suite: every test runs for every client engine × server
// engine pair of this build, with the same expected outcome and the same error.

#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>

#include "support/engines.hpp"
#include "support/session_pair.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

namespace sanstls::test {

/// The error of a failed Result, or nothing when it succeeded.
template <class T>
std::optional<Error> error_of(const Result<T>& result) {
  return result ? std::nullopt : std::optional<Error>{result.error()};
}
inline std::optional<Error> error_of(const std::optional<Error>& error) { return error; }

/// Asserts an Errc and that the message contains `fragment`. `result` is a Result<T> or an
/// std::optional<Error>.
#define EXPECT_SANSTLS_ERROR(result, expected_code, fragment)                     \
  do {                                                                            \
    const std::optional<::sanstls::Error> e_ = ::sanstls::test::error_of(result); \
    ASSERT_TRUE(e_.has_value()) << "expected an error";                           \
    EXPECT_EQ(e_->code, expected_code) << e_->to_string();                        \
    EXPECT_NE(e_->message.find(fragment), std::string::npos) << e_->to_string();  \
  } while (false)

class Conformance : public ::testing::TestWithParam<EnginePair> {
 protected:
  static const TestPki& pki() { return TestPki::shared(); }

  [[nodiscard]] ClientOptions client_options() const {
    ClientOptions options;
    options.backend = GetParam().client;
    options.trust = pki().trust_store();
    return options;
  }
  [[nodiscard]] ServerOptions server_options() const {
    ServerOptions options;
    options.backend = GetParam().server;
    return options;
  }
  [[nodiscard]] ClientTLS client(ClientOptions options, std::string name = "localhost") const {
    return ClientTLS{std::move(name), std::move(options)};
  }
  [[nodiscard]] ServerTLS server(
      ServerOptions options, testing::KeyAlgorithm key = testing::KeyAlgorithm::ecdsa_p256) const {
    return ServerTLS{pki().server(key), std::move(options)};
  }
  [[nodiscard]] ClientTLS default_client() const { return client(client_options()); }

  /// hazmat settings that cap a configuration at TLS 1.2 (for the TLS 1.2 cases).
  [[nodiscard]] static std::shared_ptr<hazmat::Settings> tls12_cap() {
    auto settings = std::make_shared<hazmat::Settings>();
    settings->max_version = ProtocolVersion::tls12;
    return settings;
  }
  /// The pair's client engine, capped at TLS 1.2.
  [[nodiscard]] ClientOptions tls12_client_options() const {
    ClientOptions options = client_options();
    options.hazmat = tls12_cap();
    return options;
  }

  /// Which engines a TLS 1.2 case needs to speak TLS 1.2.
  enum class Tls12Needed { by_both, by_client, by_server };

  [[nodiscard]] static bool speaks_tls12(Backend backend) {
    const auto versions = backend_capabilities(backend).versions;
    return std::find(versions.begin(), versions.end(), ProtocolVersion::tls12) != versions.end();
  }
  /// Whether the engine speaks TLS 1.2 as a client (the native engine's server does not yet).
  [[nodiscard]] static bool speaks_tls12_as_client(Backend backend) {
    const auto versions = backend_capabilities(backend).client_versions;
    return std::find(versions.begin(), versions.end(), ProtocolVersion::tls12) != versions.end();
  }

  /// For TLS 1.2 cases. True when the engines the case needs speak TLS 1.2 and it may go on.
  /// Otherwise the case is reported by capability, never skipped silently: this checks that the
  /// engine lacking TLS 1.2 says so (a TLS 1.2-capped client configuration fails with
  /// Errc::unsupported; a TLS 1.3-only server refuses a TLS 1.2 client naming its limit) and
  /// returns false.
  [[nodiscard]] bool tls12_supported_or_reported(Tls12Needed needed = Tls12Needed::by_both) const {
    const auto capped = tls12_cap();
    if (needed != Tls12Needed::by_server && !speaks_tls12_as_client(GetParam().client)) {
      ClientOptions options = client_options();
      options.hazmat = capped;
      const ClientTLS refused = client(options);
      EXPECT_NE(refused.configuration_error(), nullptr);
      if (refused.configuration_error() != nullptr) {
        EXPECT_EQ(refused.configuration_error()->code, Errc::unsupported)
            << refused.configuration_error()->to_string();
      }
      return false;
    }
    if (needed != Tls12Needed::by_client && !speaks_tls12(GetParam().server)) {
      ClientOptions options = client_options();
      options.backend = Backend::openssl;  // a client that does speak TLS 1.2
      options.hazmat = capped;
      SessionPair pair(client(options), default_server());
      EXPECT_FALSE(pair.handshake());
      expect_tls13_only_refusal(pair.server().error);
      return false;
    }
    return true;
  }

  /// A TLS 1.3-only engine's answer to a TLS 1.2 client.
  static void expect_tls13_only_refusal(const std::optional<Error>& error) {
    EXPECT_TRUE(error.has_value()) << "the server accepted a TLS 1.2 client";
    if (error) {
      EXPECT_EQ(error->code, Errc::unsupported) << error->to_string();
      EXPECT_EQ(error->alert_sent, Alert::protocol_version) << error->to_string();
      EXPECT_NE(error->message.find("TLS 1.3 only"), std::string::npos) << error->to_string();
    }
  }
  [[nodiscard]] ServerTLS default_server() const { return server(server_options()); }
};

#define SANSTLS_INSTANTIATE_CONFORMANCE(suite)                                     \
  INSTANTIATE_TEST_SUITE_P(Engines, suite, ::testing::ValuesIn(engine_pairs()),    \
                           [](const ::testing::TestParamInfo<EnginePair>& param) { \
                             return engine_pair_name(param.param);                 \
                           })

}  // namespace sanstls::test

#pragma once
// Shared fixture of the conformance suite: every test runs for every client engine × server
// engine pair of this build, with the same expected outcome and the same error.

#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>

#include "support/engines.hpp"
#include "support/session_pair.hpp"
#include "support/test_pki.hpp"

#include <gtest/gtest.h>

namespace sanstls::test {

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
  [[nodiscard]] ServerTLS default_server() const { return server(server_options()); }
};

#define SANSTLS_INSTANTIATE_CONFORMANCE(suite)                                     \
  INSTANTIATE_TEST_SUITE_P(Engines, suite, ::testing::ValuesIn(engine_pairs()),    \
                           [](const ::testing::TestParamInfo<EnginePair>& param) { \
                             return engine_pair_name(param.param);                 \
                           })

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

}  // namespace sanstls::test

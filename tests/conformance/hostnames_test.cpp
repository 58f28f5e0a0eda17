// SPDX-License-Identifier: Apache-2.0 OR MIT
// Conformance: wildcard names in a server certificate, on every engine pair (RFC 6125 §6.4.3 as
// narrowed by the CA/Browser Forum baseline requirements): a wildcard counts only as the whole
// left-most label, and never directly under a public suffix such as "com". The unit table in
// tests/x509 checks the matcher; this checks that every client engine really applies it.

#include "conformance/conformance.hpp"

namespace sanstls::test {
namespace {

class HostnamesTest : public Conformance {
 protected:
  /// A server presenting one leaf whose only subjectAltName dNSName is `pattern`.
  [[nodiscard]] ServerTLS server_named(const std::string& pattern) const {
    testing::LeafOptions options;
    options.names = {pattern};
    auto parts = pki().intermediate().issue_leaf_parts(options);
    EXPECT_TRUE(parts) << parts.error().to_string();
    return ServerTLS{hazmat::make_unchecked_chain(parts->certificates, parts->key),
                     server_options()};
  }

  /// The client asking for `host` refuses a certificate naming only `pattern`.
  void expect_mismatch(const std::string& pattern, const std::string& host) {
    SessionPair pair(client(client_options(), host), server_named(pattern));
    ASSERT_FALSE(pair.start_error) << pair.start_error->to_string();
    EXPECT_FALSE(pair.handshake()) << "'" << pattern << "' matched '" << host << "'";
    ASSERT_TRUE(pair.client().error) << "the client accepted '" << pattern << "' for " << host;
    const Error& error = *pair.client().error;
    EXPECT_EQ(error.code, Errc::certificate_rejected) << error.to_string();
    EXPECT_EQ(error.certificate_problem, CertificateProblem::name_mismatch)
        << certificate_problem_name(error.certificate_problem) << ": " << error.to_string();
    EXPECT_EQ(error.alert_sent, Alert::bad_certificate) << error.to_string();
    EXPECT_NE(error.message.find("does not match requested name '" + host + "'"), std::string::npos)
        << error.to_string();
    EXPECT_FALSE(pair.client().session->info().peer_verified);
    ASSERT_TRUE(pair.server().error) << "the server never heard of the refusal";
    EXPECT_EQ(pair.server().error->alert_received, Alert::bad_certificate)
        << pair.server().error->to_string();
  }
};
SANSTLS_INSTANTIATE_CONFORMANCE(HostnamesTest);

TEST_P(HostnamesTest, WildcardInTheLeftMostLabelMatchesOneLabel) {
  // The positive control for the cases below: the same issuance path does produce a usable
  // wildcard certificate.
  SessionPair pair(client(client_options(), "foo.example.com"), server_named("*.example.com"));
  ASSERT_TRUE(pair.handshake()) << (pair.first_error() ? pair.first_error()->to_string() : "");
  EXPECT_TRUE(pair.client().session->info().peer_verified);
}

TEST_P(HostnamesTest, WildcardCoversExactlyOneLabel) {
  expect_mismatch("*.example.com", "a.b.example.com");
  expect_mismatch("*.example.com", "example.com");
}

TEST_P(HostnamesTest, WildcardNotInTheLeftMostLabel) {
  expect_mismatch("foo.*.example.com", "foo.bar.example.com");
}

TEST_P(HostnamesTest, WildcardDirectlyUnderATopLevelDomain) {
  expect_mismatch("*.com", "example.com");
}

TEST_P(HostnamesTest, PartialLabelWildcard) {
  // RFC 6125 §6.4.3 lets a client accept "f*" against "foo"; sanstls (like browsers) does not.
  expect_mismatch("f*.example.com", "foo.example.com");
}

}  // namespace
}  // namespace sanstls::test

// SPDX-License-Identifier: Apache-2.0 OR MIT
// The shared name helpers: IP address text (RFC 5952), distinguished names (RFC 4514 order),
// subjectAltName extraction.

#include "x509/names.hpp"

#include <sanstls/testing/certificate_authority.hpp>

#include "core/credentials_impl.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sanstls::x509 {
namespace {

struct IpCase {
  std::vector<std::uint8_t> bytes;
  std::string text;
};

class IpToText : public ::testing::TestWithParam<IpCase> {};

TEST_P(IpToText, IsCanonical) { EXPECT_EQ(ip_to_text(GetParam().bytes), GetParam().text); }

INSTANTIATE_TEST_SUITE_P(
    Rfc5952, IpToText,
    ::testing::Values(
        IpCase{{192, 0, 2, 1}, "192.0.2.1"}, IpCase{{0, 0, 0, 0}, "0.0.0.0"},
        IpCase{{255, 255, 255, 255}, "255.255.255.255"},
        IpCase{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "2001:db8::1"},
        IpCase{std::vector<std::uint8_t>(16, 0), "::"},
        IpCase{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
        IpCase{{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "1::"},
        // §4.2.2: a single zero group is not shortened.
        IpCase{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1},
               "2001:db8:0:1:1:1:1:1"},
        // §4.2.3: the longest run is shortened; on a tie, the first.
        IpCase{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, "2001:db8::1:0:0:1"},
        IpCase{{0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, "2001:0:0:1::1"},
        // §4.3: lower case; §4.1: no leading zeros.
        IpCase{{0xab, 0xcd, 0x00, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, "abcd:e::ffff"},
        // §5: IPv4-mapped in mixed notation.
        IpCase{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}, "::ffff:192.0.2.1"},
        IpCase{{1, 2, 3}, "<invalid IP address: 010203>"}, IpCase{{}, "<invalid IP address: >"}));

TEST(Names, SubjectAndSubjectAltNames) {
  auto ca = testing::CertificateAuthority::create([] {
    testing::CaOptions options;
    options.common_name = "Names Test CA";
    return options;
  }());
  ASSERT_TRUE(ca) << ca.error().message;
  auto leaf = ca->issue_leaf_parts([] {
    testing::LeafOptions options;
    options.names = {"www.example.com", "*.example.com", "192.0.2.7", "2001:db8::7"};
    return options;
  }());
  ASSERT_TRUE(leaf) << leaf.error().message;
  const X509* x509 = leaf->certificates.front().impl().x509.get();

  EXPECT_EQ(display_name(x509), "CN=www.example.com");
  EXPECT_EQ(subject_common_name(x509), "www.example.com");
  EXPECT_EQ(display_name(X509_get_issuer_name(x509)), "CN=Names Test CA");
  EXPECT_NE(one_line_name(X509_get_subject_name(x509)).find("CN=www.example.com"),
            std::string::npos);

  EXPECT_EQ(san_dns_names(x509), (std::vector<std::string>{"www.example.com", "*.example.com"}));
  const auto ips = san_ip_addresses(x509);
  ASSERT_EQ(ips.size(), 2U);
  EXPECT_EQ(ip_to_text(ips[0]), "192.0.2.7");
  EXPECT_EQ(ip_to_text(ips[1]), "2001:db8::7");
  EXPECT_TRUE(subject_alt_names(x509).has_value());

  // A CA certificate has no subjectAltName at all.
  const X509* ca_x509 = ca->certificate().impl().x509.get();
  EXPECT_FALSE(subject_alt_names(ca_x509).has_value());
  EXPECT_TRUE(san_dns_names(ca_x509).empty());
  EXPECT_TRUE(san_ip_addresses(ca_x509).empty());
}

TEST(Names, NullInputs) {
  EXPECT_EQ(one_line_name(nullptr), "");
  EXPECT_EQ(display_name(static_cast<const X509*>(nullptr)), "(no certificate)");
  EXPECT_FALSE(subject_alt_names(nullptr).has_value());
}

}  // namespace
}  // namespace sanstls::x509

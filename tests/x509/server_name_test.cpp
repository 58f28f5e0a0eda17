// SPDX-License-Identifier: Apache-2.0 OR MIT
// ServerName::parse: what a client may ask for (RFC 1123 §2.1 host names, RFC 9525 §6.3 A-labels,
// RFC 9525 §6.4 IP literals), and how it is normalised.

#include "x509/server_name.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sanstls::x509 {
namespace {

using ::testing::HasSubstr;

struct Valid {
  std::string input;
  ServerName::Kind kind;
  std::string text;
  std::vector<std::uint8_t> ip;
  const char* rule;
};

void PrintTo(const Valid& c, std::ostream* os) { *os << "'" << c.input << "' (" << c.rule << ")"; }

class ServerNameValid : public ::testing::TestWithParam<Valid> {};

TEST_P(ServerNameValid, ParsesAndNormalises) {
  const Valid& c = GetParam();
  auto name = ServerName::parse(c.input);
  ASSERT_TRUE(name) << name.error().message;
  EXPECT_EQ(name->kind(), c.kind);
  EXPECT_EQ(name->text(), c.text);
  EXPECT_EQ(name->is_ip(), c.kind != ServerName::Kind::dns);
  EXPECT_EQ(name->ip_bytes(), c.ip);
}

using K = ServerName::Kind;
const std::string label63(63, 'a');
const std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');

INSTANTIATE_TEST_SUITE_P(
    Table, ServerNameValid,
    ::testing::Values(
        Valid{"example.org", K::dns, "example.org", {}, "RFC 1123 §2.1 LDH name"},
        Valid{"Example.ORG", K::dns, "example.org", {}, "RFC 9525 §6.3: case-insensitive, lowered"},
        Valid{"example.org.", K::dns, "example.org", {}, "RFC 1034 §3.1: trailing dot dropped"},
        Valid{"localhost", K::dns, "localhost", {}, "single label"},
        Valid{"a", K::dns, "a", {}, "one-character label"},
        Valid{"1example.com", K::dns, "1example.com", {}, "RFC 1123 §2.1: may start with digit"},
        Valid{"123.example", K::dns, "123.example", {}, "all-digit label that is not the last"},
        Valid{"a-b--c.example", K::dns, "a-b--c.example", {}, "inner hyphens"},
        Valid{"xn--bcher-kva.example",
              K::dns,
              "xn--bcher-kva.example",
              {},
              "RFC 9525 §6.3: IDN as A-label"},
        Valid{"XN--BCHER-KVA.example",
              K::dns,
              "xn--bcher-kva.example",
              {},
              "A-labels compare as case-insensitive ASCII"},
        Valid{label63 + ".example", K::dns, label63 + ".example", {}, "63-character label"},
        Valid{name253, K::dns, name253, {}, "253-character name"},
        Valid{name253 + ".", K::dns, name253, {}, "253 characters plus trailing dot"},
        Valid{"192.0.2.1", K::ipv4, "192.0.2.1", {192, 0, 2, 1}, "RFC 9525 §6.4 dotted quad"},
        Valid{"0.0.0.0", K::ipv4, "0.0.0.0", {0, 0, 0, 0}, "zeros are not leading zeros"},
        Valid{"255.255.255.255", K::ipv4, "255.255.255.255", {255, 255, 255, 255}, "maximum"},
        Valid{"127.0.0.1", K::ipv4, "127.0.0.1", {127, 0, 0, 1}, "loopback"},
        Valid{"2001:db8::1",
              K::ipv6,
              "2001:db8::1",
              {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
              "RFC 4291 §2.2"},
        Valid{"2001:DB8:0:0:0:0:0:1",
              K::ipv6,
              "2001:db8::1",
              {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
              "RFC 5952 canonical text"},
        Valid{"2001:0db8:0000:0000:0000:0000:0000:0001",
              K::ipv6,
              "2001:db8::1",
              {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
              "leading zeros in IPv6 groups are fine"},
        Valid{"::1", K::ipv6, "::1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "loopback"},
        Valid{"::", K::ipv6, "::", std::vector<std::uint8_t>(16, 0), "unspecified"},
        Valid{
            "1::", K::ipv6, "1::", {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "trailing ::"},
        Valid{"1:2:3:4:5:6:7::",
              K::ipv6,
              "1:2:3:4:5:6:7:0",
              {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0},
              "'::' for one group; RFC 5952 §4.2.2 prints it as 0"},
        Valid{"1:0:0:2:0:0:0:3",
              K::ipv6,
              "1:0:0:2::3",
              {0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3},
              "RFC 5952 §4.2.3: longest zero run"},
        Valid{"::ffff:192.0.2.1",
              K::ipv6,
              "::ffff:192.0.2.1",
              {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1},
              "RFC 4291 §2.2 (3): embedded IPv4; RFC 5952 §5 mixed notation"},
        Valid{"64:ff9b::192.0.2.1",
              K::ipv6,
              "64:ff9b::c000:201",
              {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1},
              "embedded IPv4 in a non-mapped address"}));

struct Invalid {
  std::string input;
  const char* fragment;
  const char* rule;
};

void PrintTo(const Invalid& c, std::ostream* os) {
  *os << "'" << c.input << "' (" << c.rule << ")";
}

class ServerNameInvalid : public ::testing::TestWithParam<Invalid> {};

TEST_P(ServerNameInvalid, IsRefusedWithAReason) {
  const Invalid& c = GetParam();
  auto name = ServerName::parse(c.input);
  ASSERT_FALSE(name) << "accepted as '" << name->text() << "'";
  EXPECT_EQ(name.error().code, Errc::bad_configuration);
  EXPECT_THAT(name.error().message, HasSubstr("invalid server name"));
  EXPECT_THAT(name.error().message, HasSubstr(c.fragment));
}

INSTANTIATE_TEST_SUITE_P(
    Table, ServerNameInvalid,
    ::testing::Values(
        Invalid{"", "empty", "nothing to match"}, Invalid{".", "root", "the root is not a host"},
        Invalid{"example..org", "empty label", "RFC 1035 §2.3.1: labels are not empty"},
        Invalid{".example.org", "empty label", "leading dot"},
        Invalid{"example.org..", "empty label", "two trailing dots"},
        Invalid{std::string(64, 'a') + ".example", "64 characters long",
                "RFC 1035 §2.3.4: labels of at most 63"},
        Invalid{name253 + "c", "254 characters long", "RFC 1035 §2.3.4: names of at most 253"},
        Invalid{"ex_ample.org", "'_'", "RFC 1123 §2.1: LDH only"},
        Invalid{"exa mple.org", "' '", "RFC 1123 §2.1: LDH only"},
        Invalid{"example.org/", "'/'", "RFC 1123 §2.1: LDH only"},
        Invalid{"user@example.org", "'@'", "RFC 1123 §2.1: LDH only"},
        Invalid{std::string("exa\0mple.org", 12), "control character 0x00", "embedded NUL"},
        Invalid{"b\xc3\xbc"
                "cher.example",
                "A-labels", "RFC 9525 §6.3: U-labels must be converted to A-labels"},
        Invalid{"*.example.org", "wildcards belong in certificates", "RFC 9525 §6.3"},
        Invalid{"f*.example.org", "'*'", "RFC 9525 §6.3"},
        Invalid{"-example.org", "starts or ends with '-'", "RFC 1123 §2.1"},
        Invalid{"example-.org", "starts or ends with '-'", "RFC 1123 §2.1"},
        Invalid{"[2001:db8::1]", "brackets", "RFC 3986 §3.2.2 syntax is not a host name"},
        Invalid{"fe80::1%eth0", "zone", "RFC 6874 zone identifiers"},
        Invalid{"fe80::1%25eth0", "zone", "URL-encoded zone identifier"},
        Invalid{"127.1", "neither a dotted-quad", "inet_aton short form"},
        Invalid{"127.0.1", "neither a dotted-quad", "inet_aton short form"},
        Invalid{"2130706433", "neither a dotted-quad", "inet_aton single number"},
        Invalid{"127.0.0.01", "without leading zeros", "leading zero (octal in inet_aton)"},
        Invalid{"010.0.0.1", "without leading zeros", "leading zero (octal in inet_aton)"},
        Invalid{"0x7f.0.0.1", "neither a dotted-quad", "hex part"},
        Invalid{"0x7f000001", "neither a dotted-quad", "hex number"},
        Invalid{"256.0.0.1", "neither a dotted-quad", "octet > 255"},
        Invalid{"1.2.3.4.5", "neither a dotted-quad", "five parts"},
        Invalid{"1.2.3.4.", "neither a dotted-quad", "IPv4 with trailing dot"},
        Invalid{"example.123", "its last label is a number", "RFC 3696 §2: TLDs are not numeric"},
        Invalid{"1:2:3:4:5:6:7:8:9", "not a valid IPv6", "nine groups"},
        Invalid{"1:2:3:4:5:6:7", "not a valid IPv6", "seven groups without ::"},
        Invalid{"1::2::3", "not a valid IPv6", "two ::"},
        Invalid{"12345::1", "not a valid IPv6", "group of five digits"},
        Invalid{"g::1", "not a valid IPv6", "not hex"},
        Invalid{":1:2:3:4:5:6:7", "not a valid IPv6", "single leading colon"},
        Invalid{"1:2:3:4:5:6:7:", "not a valid IPv6", "single trailing colon"},
        Invalid{":::", "not a valid IPv6", "three colons"},
        Invalid{"1:2:3:4:5:6:7:1.2.3.4", "not a valid IPv6", "embedded IPv4 makes nine groups"},
        Invalid{"::1.2.3", "not a valid IPv6", "short embedded IPv4"},
        Invalid{"::01.2.3.4", "not a valid IPv6", "leading zero in embedded IPv4"},
        Invalid{"1.2.3.4::", "not a valid IPv6", "embedded IPv4 not at the end"},
        Invalid{"example.org:443", "host:port", "a port is not part of the name"}));

}  // namespace
}  // namespace sanstls::x509

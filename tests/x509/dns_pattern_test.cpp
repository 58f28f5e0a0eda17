// SPDX-License-Identifier: Apache-2.0 OR MIT
// dns_pattern_matches: RFC 9525 §6.3 matching of a certificate's dNSName (the presented
// identifier) against the requested name (the reference identifier), rule by rule.

#include "x509/server_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sanstls::x509 {
namespace {

struct Case {
  std::string pattern;
  std::string name;
  bool matches;
  const char* rule;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << "'" << c.pattern << "' vs '" << c.name << "' (" << c.rule << ")";
}

class DnsPattern : public ::testing::TestWithParam<Case> {};

TEST_P(DnsPattern, FollowsRfc9525) {
  const Case& c = GetParam();
  EXPECT_EQ(dns_pattern_matches(c.pattern, c.name), c.matches);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DnsPattern,
    ::testing::Values(
        // §6.3: "comparing the set of domain name labels using a case-insensitive ASCII
        // comparison" and "Each label MUST match".
        Case{"example.com", "example.com", true, "§6.3 identical"},
        Case{"EXAMPLE.Com", "example.com", true, "§6.3 case-insensitive ASCII"},
        Case{"www.example.com", "WWW.EXAMPLE.COM", true, "§6.3 case-insensitive both ways"},
        Case{"example.com", "www.example.com", false, "§6.3 each label must match"},
        Case{"www.example.com", "example.com", false, "§6.3 each label must match"},
        Case{"example.com", "example.org", false, "§6.3 different label"},
        Case{"example.com", "example.co", false, "§6.3 label prefix is not a match"},
        Case{"localhost", "localhost", true, "§6.3 single label"},
        // §6.3 A-labels "MUST be compared as case-insensitive ASCII".
        Case{"xn--bcher-kva.example", "XN--BCHER-KVA.example", true, "§6.3 A-label"},
        Case{"xn--bcher-kva.example", "xn--bcher-kvb.example", false, "§6.3 A-label differs"},
        // §6.3 rule 2: "The wildcard character appears only as the complete content of the
        // left-most label"; "can only match exactly one label".
        Case{"*.example.com", "www.example.com", true, "§6.3 wildcard, one label"},
        Case{"*.EXAMPLE.com", "www.example.com", true, "§6.3 wildcard, case-insensitive rest"},
        Case{"*.example.com", "xn--bcher-kva.example.com", true, "§6.3 wildcard over an A-label"},
        Case{"*.example.com", "example.com", false, "§6.3 matches exactly one label, not zero"},
        Case{"*.example.com", "a.b.example.com", false, "§6.3 matches exactly one label, not two"},
        Case{"*.example.com", "www.example.org", false, "§6.3 the other labels must match"},
        Case{"*.example.com", "www.example.com.evil", false, "§6.3 label count differs"},
        // §6.3 rule 1: "There is only one wildcard character"; otherwise the presented
        // identifier "is invalid and MUST be ignored".
        Case{"*.*.example.com", "a.b.example.com", false, "§6.3 only one wildcard"},
        Case{"**.example.com", "ab.example.com", false, "§6.3 only one wildcard character"},
        // §6.3 rule 2: not a partial label, not another label.
        Case{"f*.example.com", "foo.example.com", false, "§6.3 partial wildcard (prefix)"},
        Case{"*o.example.com", "foo.example.com", false, "§6.3 partial wildcard (suffix)"},
        Case{"f*o.example.com", "foo.example.com", false, "§6.3 partial wildcard (inner)"},
        Case{"xn--*.example.com", "xn--bcher-kva.example.com", false,
             "§6.3 / RFC 6125 §7.2: no wildcard inside an A-label"},
        Case{"www.*.example.com", "www.a.example.com", false, "§6.3 wildcard not left-most"},
        Case{"example.*", "example.com", false, "§6.3 wildcard not left-most"},
        Case{"*", "com", false, "§7.1 bare wildcard"},
        // §7.1 leaves public suffixes out of scope; sanstls refuses wildcards on fewer than three
        // labels, like browsers ('*.com', '*.co').
        Case{"*.com", "example.com", false, "sanstls: no wildcard over two labels"},
        Case{"*.co", "example.co", false, "sanstls: no wildcard over two labels"},
        Case{"*.localhost", "a.localhost", false, "sanstls: no wildcard over two labels"},
        Case{"*.co.uk", "example.co.uk", true, "§7.1: public suffix lists are out of scope"},
        // Wildcards are only in presented identifiers (§6.3: "not wildcard characters in
        // reference identifiers").
        Case{"*.example.com", "*.example.com", false, "§6.3 no wildcard in the reference"},
        Case{"www.example.com", "*.example.com", false, "§6.3 no wildcard in the reference"},
        // Presented identifiers must be in preferred name syntax (RFC 5280 §4.2.1.6).
        Case{"example.com.", "example.com", false, "RFC 5280 §4.2.1.6: no trailing dot"},
        Case{".example.com", "www.example.com", false, "name-constraint syntax is not a name"},
        Case{"", "example.com", false, "empty pattern"},
        Case{"example.com", "", false, "empty name"},
        Case{"exa_mple.com", "exa_mple.com", false, "RFC 5280 §4.2.1.6: LDH only"},
        Case{"*.example.com", "_srv.example.com", false, "wildcard never covers non-LDH"},
        Case{std::string("example.com\0", 12), "example.com", false, "embedded NUL"},
        Case{std::string("www.example.com\0.evil.com", 25), "www.example.com", false,
             "embedded NUL"},
        Case{"exa mple.com", "exa mple.com", false, "space"}));

}  // namespace
}  // namespace sanstls::x509

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/server_name.hpp"

#include "core/credentials_impl.hpp"
#include "x509/names.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstddef>
#include <optional>

namespace sanstls::x509 {
namespace {

// RFC 1035 §2.3.4 / RFC 1123 §2.1: a DNS name is at most 255 octets on the wire, which is 253
// characters of text without the trailing dot; a label is 1 to 63 octets.
constexpr std::size_t max_name_length = 253;
constexpr std::size_t max_label_length = 63;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr unsigned hex_value(char c) {
  if (is_digit(c)) {
    return static_cast<unsigned>(c - '0');
  }
  return static_cast<unsigned>(to_lower(c) - 'a' + 10);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower(x) == to_lower(y);
         });
}

/// Splits `text` at '.' into labels (empty labels are kept, so callers can refuse them).
std::vector<std::string_view> split_labels(std::string_view text) {
  std::vector<std::string_view> labels;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) {
      labels.push_back(text.substr(start));
      return labels;
    }
    labels.push_back(text.substr(start, dot - start));
    start = dot + 1;
  }
}

/// RFC 1123 §2.1 (updating RFC 952): a label is letters, digits and hyphens, does not start or
/// end with a hyphen, and may start with a digit. Returns why not, or nothing when valid.
std::optional<std::string> ldh_label_problem(std::string_view label) {
  if (label.empty()) {
    return std::string("it has an empty label");
  }
  if (label.size() > max_label_length) {
    return fmt::format("the label '{}...' is {} characters long (at most {} allowed)",
                       label.substr(0, 16), label.size(), max_label_length);
  }
  for (const char c : label) {
    if (!(is_alpha(c) || is_digit(c) || c == '-')) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte >= 0x80) {
        return std::string(
            "it contains non-ASCII characters; give an internationalized name as A-labels "
            "('xn--...'), RFC 9525 §6.3");
      }
      if (c == '*') {
        return std::string(
            "it contains '*'; wildcards belong in certificates, not in the requested name "
            "(RFC 9525 §6.3)");
      }
      if (c == '_') {
        return std::string(
            "it contains '_', which is not allowed in a host name (RFC 1123 §2.1: letters, "
            "digits and hyphens only)");
      }
      if (byte < 0x20 || byte == 0x7f) {
        return fmt::format("it contains the control character 0x{:02x}", byte);
      }
      return fmt::format(
          "it contains '{}', which is not allowed in a host name (RFC 1123 §2.1: letters, "
          "digits and hyphens only)",
          c);
    }
  }
  if (label.front() == '-' || label.back() == '-') {
    return fmt::format("the label '{}' starts or ends with '-' (RFC 1123 §2.1)", label);
  }
  return std::nullopt;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

/// The WHATWG URL host parser's "ends in a number" test: a last label that is a decimal or
/// "0x" hexadecimal number makes inet_aton-style resolvers read the whole name as an IPv4
/// address ("127.1", "0x7f.1", "2130706433"). Such text is neither a valid IPv4 literal nor an
/// unambiguous DNS name (RFC 9525 §7.4), so it is refused.
bool ends_in_a_number(std::string_view last_label) {
  if (all_digits(last_label)) {
    return true;
  }
  if (last_label.size() >= 2 && last_label[0] == '0' &&
      (last_label[1] == 'x' || last_label[1] == 'X')) {
    const std::string_view digits = last_label.substr(2);
    return std::all_of(digits.begin(), digits.end(), is_hex);
  }
  return false;
}

/// Strict dotted-quad IPv4 (RFC 3986 §3.2.2 "IPv4address" / RFC 9525 §6.4 via "IPv4"): exactly
/// four decimal parts 0-255 without leading zeros. No short forms, octal or hex.
std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text) {
  const std::vector<std::string_view> parts = split_labels(text);
  if (parts.size() != 4) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 4> bytes{};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::string_view part = parts[i];
    if (!all_digits(part) || part.size() > 3 || (part.size() > 1 && part[0] == '0')) {
      return std::nullopt;
    }
    unsigned value = 0;
    for (const char c : part) {
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255) {
      return std::nullopt;
    }
    bytes[i] = static_cast<std::uint8_t>(value);
  }
  return bytes;
}

/// IPv6 text (RFC 4291 §2.2, RFC 3986 §3.2.2 "IPv6address"): up to eight groups of 1-4 hex
/// digits, at most one "::", optionally ending in a dotted-quad IPv4 address. No brackets, no
/// zone identifier (RFC 6874 zones are local to a host and never appear in certificates).
std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text) {
  std::array<std::uint8_t, 16> bytes{};
  std::vector<std::uint16_t> head;
  std::vector<std::uint16_t> tail;
  bool compressed = false;

  const std::size_t double_colon = text.find("::");
  std::string_view before = text;
  std::string_view after;
  if (double_colon != std::string_view::npos) {
    compressed = true;
    before = text.substr(0, double_colon);
    after = text.substr(double_colon + 2);
    if (after.find("::") != std::string_view::npos) {
      return std::nullopt;  // more than one "::"
    }
  }

  // Parses colon-separated groups; the last group of the last part may be an IPv4 address.
  auto parse_groups = [](std::string_view part, bool may_end_in_ipv4,
                         std::vector<std::uint16_t>& out) -> bool {
    if (part.empty()) {
      return true;
    }
    std::size_t start = 0;
    while (true) {
      const std::size_t colon = part.find(':', start);
      const std::string_view group = part.substr(
          start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
      const bool last = colon == std::string_view::npos;
      if (last && may_end_in_ipv4 && group.find('.') != std::string_view::npos) {
        const auto v4 = parse_ipv4(group);
        if (!v4) {
          return false;
        }
        out.push_back(static_cast<std::uint16_t>(((*v4)[0] << 8U) | (*v4)[1]));
        out.push_back(static_cast<std::uint16_t>(((*v4)[2] << 8U) | (*v4)[3]));
        return true;
      }
      if (group.empty() || group.size() > 4 || !std::all_of(group.begin(), group.end(), is_hex)) {
        return false;
      }
      unsigned value = 0;
      for (const char c : group) {
        value = (value << 4U) | hex_value(c);
      }
      out.push_back(static_cast<std::uint16_t>(value));
      if (last) {
        return true;
      }
      start = colon + 1;
    }
  };

  if (!parse_groups(before, !compressed, head) || !parse_groups(after, true, tail)) {
    return std::nullopt;
  }
  const std::size_t groups = head.size() + tail.size();
  if (compressed ? groups > 7 : groups != 8) {
    return std::nullopt;  // RFC 4291 §2.2: "::" stands for one or more groups of zeros
  }
  std::size_t index = 0;
  for (const std::uint16_t group : head) {
    bytes[index++] = static_cast<std::uint8_t>(group >> 8U);
    bytes[index++] = static_cast<std::uint8_t>(group & 0xFFU);
  }
  index = 16 - 2 * tail.size();
  for (const std::uint16_t group : tail) {
    bytes[index++] = static_cast<std::uint8_t>(group >> 8U);
    bytes[index++] = static_cast<std::uint8_t>(group & 0xFFU);
  }
  return bytes;
}

/// Text from a certificate or a caller, made safe to put into a message (non-printable bytes
/// become \xNN) and shortened.
std::string printable(std::string_view text) {
  constexpr std::size_t max_shown = 300;
  std::string out;
  for (const char c : text.substr(0, max_shown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  if (text.size() > max_shown) {
    out += "...";
  }
  return out;
}

Error invalid_name(std::string_view text, std::string_view why) {
  return make_error(Errc::bad_configuration,
                    fmt::format("invalid server name '{}': {}", printable(text), why));
}

Error name_mismatch(std::string message) {
  Error error = make_error(Errc::certificate_rejected, std::move(message));
  error.certificate_problem = CertificateProblem::name_mismatch;
  // RFC 9525 §6.6: when no presented identifier matches, an automated client "SHOULD terminate
  // the communication attempt with a bad certificate error".
  error.alert_sent = Alert::bad_certificate;
  return error;
}

}  // namespace

Result<ServerName> ServerName::parse(std::string_view text) {
  if (text.empty()) {
    return fail(make_error(Errc::bad_configuration, "invalid server name '': it is empty"));
  }
  if (text.find('[') != std::string_view::npos || text.find(']') != std::string_view::npos) {
    return fail(invalid_name(text,
                             "brackets are URL syntax; give an IPv6 address without them "
                             "('2001:db8::1')"));
  }
  if (text.find(':') != std::string_view::npos) {
    if (text.find('%') != std::string_view::npos) {
      return fail(invalid_name(text,
                               "IPv6 zone identifiers ('%eth0') are local to one host and "
                               "cannot appear in a certificate (RFC 9525 §6.4)"));
    }
    const auto bytes = parse_ipv6(text);
    if (!bytes && text.find(':') == text.rfind(':')) {
      return fail(
          invalid_name(text, "it looks like 'host:port'; give the host name or address alone"));
    }
    if (!bytes) {
      return fail(invalid_name(text, "it is not a valid IPv6 address (RFC 4291 §2.2)"));
    }
    ServerName name;
    name.kind_ = Kind::ipv6;
    name.ip_.assign(bytes->begin(), bytes->end());
    name.text_ = ip_to_text(name.ip_);
    return name;
  }

  // A single trailing dot marks a fully qualified name; it is not part of the name compared
  // with certificates (RFC 1034 §3.1), so drop it.
  std::string_view dns = text;
  if (dns.back() == '.') {
    dns.remove_suffix(1);
    if (dns.empty()) {
      return fail(invalid_name(text, "it is only the root '.'"));
    }
  }

  const std::vector<std::string_view> labels = split_labels(dns);
  if (std::all_of(labels.begin(), labels.end(), all_digits) || ends_in_a_number(labels.back())) {
    if (const auto bytes = parse_ipv4(text)) {
      ServerName name;
      name.kind_ = Kind::ipv4;
      name.ip_.assign(bytes->begin(), bytes->end());
      name.text_ = ip_to_text(name.ip_);
      return name;
    }
    return fail(invalid_name(text,
                             "it is neither a dotted-quad IPv4 address (four decimal numbers "
                             "0-255 without leading zeros) nor a DNS name (its last label is a "
                             "number)"));
  }

  if (dns.size() > max_name_length) {
    return fail(invalid_name(text, fmt::format("it is {} characters long (at most {} allowed, "
                                               "RFC 1035 §2.3.4)",
                                               dns.size(), max_name_length)));
  }
  for (const std::string_view label : labels) {
    if (auto problem = ldh_label_problem(label)) {
      return fail(invalid_name(text, *problem));
    }
  }

  ServerName name;
  name.kind_ = Kind::dns;
  name.text_.reserve(dns.size());
  for (const char c : dns) {
    // RFC 9525 §6.3 / RFC 4343: DNS names compare case-insensitively; keep one canonical form.
    name.text_ += to_lower(c);
  }
  return name;
}

bool dns_pattern_matches(std::string_view pattern, std::string_view name) {
  if (pattern.empty() || name.empty() || name.find('*') != std::string_view::npos) {
    return false;
  }
  const std::vector<std::string_view> pattern_labels = split_labels(pattern);
  const std::vector<std::string_view> name_labels = split_labels(name);
  // RFC 9525 §6.3: "A wildcard in a presented identifier can only match exactly one label", and
  // without a wildcard "each label MUST match": either way the label counts are equal.
  if (pattern_labels.size() != name_labels.size()) {
    return false;
  }
  for (std::size_t i = 0; i < pattern_labels.size(); ++i) {
    const std::string_view label = pattern_labels[i];
    if (i == 0 && label == "*") {
      // RFC 9525 §6.3: the wildcard "appears only as the complete content of the left-most
      // label". RFC 9525 §7.1 leaves public suffixes out of scope; like browsers, we refuse a
      // wildcard directly above a two-label name ('*.com', '*.co'): at least 3 labels.
      if (pattern_labels.size() < 3) {
        return false;
      }
      if (ldh_label_problem(name_labels[0])) {
        return false;
      }
      continue;
    }
    // A '*' anywhere else (a partial label such as 'f*' or 'xn--*', a second wildcard, a
    // wildcard not in the left-most label) makes the presented identifier invalid, and RFC
    // 9525 §6.3 says it "MUST be ignored". Any other non-LDH label is likewise invalid.
    if (ldh_label_problem(label) || ldh_label_problem(name_labels[i])) {
      return false;
    }
    // RFC 9525 §6.3: labels are compared "using a case-insensitive ASCII comparison".
    if (!iequals(label, name_labels[i])) {
      return false;
    }
  }
  return true;
}

Result<void> match_server_name(const Certificate& leaf, const ServerName& name) {
  const X509* certificate = leaf.impl().x509.get();
  const std::string who = display_name(certificate);
  const std::optional<SubjectAltNames> sans = subject_alt_names(certificate);

  const char* what = name.is_ip() ? "IP address" : "name";
  if (!sans) {
    // RFC 9525 §6.3 (and §2 of its "Changes from RFC 6125"): the subject common name is never
    // used as a presented identifier, so a certificate without subjectAltName matches nothing.
    return fail(name_mismatch(
        fmt::format("certificate for '{}' does not match requested {} '{}' (the certificate has no "
                    "subjectAltName; sanstls never matches the subject CN)",
                    printable(who), what, name.text())));
  }

  if (name.is_ip()) {
    // RFC 9525 §6.4 / §6.2: an IP-ID matches only an iPAddress entry, octet for octet, with no
    // partial (network) matching; a dNSName that looks like an address never matches.
    for (const auto& address : sans->ip_addresses) {
      if (address == name.ip_bytes()) {
        return {};
      }
    }
  } else {
    // RFC 9525 §6.2: a DNS-ID is matched only against dNSName entries (never iPAddress, never
    // the CN).
    for (const auto& pattern : sans->dns_names) {
      if (dns_pattern_matches(pattern, name.text())) {
        return {};
      }
    }
  }

  std::vector<std::string> listed;
  bool dns_entry_looks_like_requested_ip = false;
  bool ip_entry_looks_like_requested_dns = false;
  for (const auto& pattern : sans->dns_names) {
    listed.push_back(printable(pattern));
    if (name.is_ip() && iequals(pattern, name.text())) {
      dns_entry_looks_like_requested_ip = true;
    }
  }
  for (const auto& address : sans->ip_addresses) {
    const std::string text = ip_to_text(address);
    listed.push_back("IP:" + text);
    if (!name.is_ip() && text == name.text()) {
      ip_entry_looks_like_requested_dns = true;
    }
  }
  std::string message = fmt::format("certificate for '{}' does not match requested {} '{}' ",
                                    printable(who), what, name.text());
  if (listed.empty()) {
    message += "(its subjectAltName holds no DNS names or IP addresses)";
  } else {
    message += fmt::format("(certificate names: {})", fmt::join(listed, ", "));
  }
  if (dns_entry_looks_like_requested_ip) {
    message += fmt::format(
        "; '{}' is present as a DNS name, but an IP address only matches an iPAddress entry "
        "(RFC 9525 §6.4)",
        name.text());
  }
  if (ip_entry_looks_like_requested_dns) {
    // Cannot happen for names from ServerName::parse (they are never IP-like), kept for safety.
    message += "; a DNS name only matches dNSName entries";
  }
  return fail(name_mismatch(std::move(message)));
}

}  // namespace sanstls::x509

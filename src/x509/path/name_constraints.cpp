// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/path/name_constraints.hpp"

#include "x509/names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace sanstls::x509::path {
namespace {

using Kind = der::GeneralSubtree::Kind;

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool ip_within(std::span<const std::uint8_t> address, const der::GeneralSubtree& subtree) {
  if (address.size() != subtree.address.size()) {
    return false;  // IPv4 names never match IPv6 constraints and the reverse
  }
  for (std::size_t i = 0; i < address.size(); ++i) {
    if ((address[i] & subtree.mask[i]) != (subtree.address[i] & subtree.mask[i])) {
      return false;
    }
  }
  return true;
}

/// A wildcard SAN "*.rest": inside `base` only when every name it can match is.
bool wildcard_within(std::string_view rest, std::string_view base) {
  if (base.empty()) {
    return true;
  }
  if (base.front() == '.') {
    return rest == base.substr(1) || ends_with(rest, base);
  }
  return rest == base || ends_with(rest, fmt::format(".{}", base));
}

/// A wildcard SAN "*.rest" could match a name inside `base` (conservative: a base below the
/// wildcard's domain counts, RFC 9525 §6.3 wildcards match one label).
bool wildcard_touches(std::string_view rest, std::string_view base) {
  const std::string_view bare = !base.empty() && base.front() == '.' ? base.substr(1) : base;
  return dns_within(rest, base) || ends_with(bare, fmt::format(".{}", rest));
}

struct DnsName {
  std::string text;  // lower case, no trailing dot
  bool wildcard = false;
};

}  // namespace

bool dns_within(std::string_view name, std::string_view base) {
  const std::string n = lower(name);
  const std::string b = lower(base);
  if (b.empty()) {
    return true;
  }
  if (b.front() == '.') {
    return n.size() > b.size() && ends_with(n, b);
  }
  return n == b || ends_with(n, "." + b);
}

std::optional<std::string> name_constraint_violation(const der::NameConstraints& constraints,
                                                     const der::ParsedCertificate& subject,
                                                     const ServerName* matched) {
  std::vector<DnsName> dns;
  std::vector<std::vector<std::uint8_t>> ips;
  std::size_t other_names = 0;
  if (subject.subject_alt_name) {
    for (const std::string& name : subject.subject_alt_name->dns_names) {
      const std::string text = lower(name);
      if (text.starts_with("*.")) {
        dns.push_back(DnsName{text.substr(2), true});
      } else {
        dns.push_back(DnsName{text, false});
      }
    }
    ips = subject.subject_alt_name->ip_addresses;
    other_names = subject.subject_alt_name->other;
  }
  if (matched != nullptr) {
    if (matched->is_ip()) {
      ips.push_back(matched->ip_bytes());
    } else {
      dns.push_back(DnsName{lower(matched->text()), false});
    }
  }
  const auto has_kind = [](const std::vector<der::GeneralSubtree>& subtrees, Kind kind) {
    return std::ranges::any_of(subtrees, [&](const auto& s) { return s.kind == kind; });
  };
  // Forms sanstls does not check (directoryName, rfc822Name, URI, ...): a directoryName
  // constraint applies to every subject name, the others to SAN entries of their form, which
  // sanstls does not keep apart. Refusing is the only safe answer (§4.2.1.10: "If a name
  // constraints extension that is marked as critical imposes constraints on a particular name
  // form, and an instance of that name form appears in the subject field or subjectAltName
  // extension of a subsequent certificate, then the application MUST either process the
  // constraint or reject the certificate").
  for (const auto* subtrees : {&constraints.permitted, &constraints.excluded}) {
    for (const der::GeneralSubtree& subtree : *subtrees) {
      if (subtree.kind != Kind::other) {
        continue;
      }
      if (subtree.tag == der::tag::context_constructed(4)) {
        return std::string(
            "the issuing CA constrains directory names, which sanstls does not "
            "check");
      }
      if (other_names > 0) {
        return std::string(
            "the certificate has subjectAltName entries of a form (email, URI, "
            "...) that the issuing CA constrains and sanstls does not check");
      }
    }
  }
  const bool dns_permitted_set = has_kind(constraints.permitted, Kind::dns);
  for (const DnsName& name : dns) {
    const std::string shown = name.wildcard ? "*." + name.text : name.text;
    for (const der::GeneralSubtree& subtree : constraints.excluded) {
      if (subtree.kind != Kind::dns) continue;
      const bool hit = name.wildcard ? wildcard_touches(name.text, lower(subtree.dns))
                                     : dns_within(name.text, subtree.dns);
      if (hit) {
        return fmt::format("DNS name '{}' is in the excluded subtree '{}'", shown, subtree.dns);
      }
    }
    if (dns_permitted_set) {
      const bool inside = std::ranges::any_of(constraints.permitted, [&](const auto& subtree) {
        return subtree.kind == Kind::dns &&
               (name.wildcard ? wildcard_within(name.text, lower(subtree.dns))
                              : dns_within(name.text, subtree.dns));
      });
      if (!inside) {
        return fmt::format("DNS name '{}' is not within the permitted subtrees", shown);
      }
    }
  }
  const bool ip_permitted_set = has_kind(constraints.permitted, Kind::ip);
  for (const auto& address : ips) {
    for (const der::GeneralSubtree& subtree : constraints.excluded) {
      if (subtree.kind == Kind::ip && ip_within(address, subtree)) {
        return fmt::format("IP address {} is in an excluded range", ip_to_text(address));
      }
    }
    if (ip_permitted_set && !std::ranges::any_of(constraints.permitted, [&](const auto& subtree) {
          return subtree.kind == Kind::ip && ip_within(address, subtree);
        })) {
      return fmt::format("IP address {} is not within the permitted ranges", ip_to_text(address));
    }
  }
  return std::nullopt;
}

}  // namespace sanstls::x509::path

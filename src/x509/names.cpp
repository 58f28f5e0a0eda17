// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/names.hpp"

#include "base/ossl_ptr.hpp"

#include <openssl/bio.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

namespace sanstls::x509 {
namespace {

std::string asn1_string_bytes(const ASN1_STRING* string) {
  if (string == nullptr) {
    return {};
  }
  const unsigned char* data = ASN1_STRING_get0_data(string);
  const int length = ASN1_STRING_length(string);
  if (data == nullptr || length <= 0) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
}

constexpr std::string_view hex_digits = "0123456789abcdef";

void append_hex(std::string& out, unsigned value, bool pad_to_two) {
  if (pad_to_two) {
    out += hex_digits[(value >> 4U) & 0xFU];
    out += hex_digits[value & 0xFU];
    return;
  }
  // RFC 5952 §4.1: leading zeros in a 16-bit field MUST be suppressed.
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned nibble = (value >> static_cast<unsigned>(shift)) & 0xFU;
    if (nibble != 0 || started || shift == 0) {
      out += hex_digits[nibble];
      started = true;
    }
  }
}

}  // namespace

std::string one_line_name(const X509_NAME* name) {
  if (name == nullptr) {
    return {};
  }
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) {
    return {};
  }
  // RFC 4514 (XN_FLAG_RFC2253: most specific RDN first, ',' separators, escaping of special
  // characters) but without escaping non-ASCII bytes, so UTF-8 names stay readable.
  const unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) {
    return {};
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  if (data == nullptr || length <= 0) {
    return {};
  }
  return std::string(data, static_cast<std::size_t>(length));
}

namespace {

std::optional<std::string> common_name(const X509_NAME* name) {
  if (name == nullptr) {
    return std::nullopt;
  }
  // The most specific CN is the last one in the sequence of RDNs.
  int index = -1;
  int last = -1;
  while ((index = X509_NAME_get_index_by_NID(name, NID_commonName, index)) >= 0) {
    last = index;
  }
  if (last < 0) {
    return std::nullopt;
  }
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, last);
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(entry);
  if (value == nullptr) {
    return std::nullopt;
  }
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0 || utf8 == nullptr) {
    return std::nullopt;
  }
  std::string text(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

}  // namespace

std::optional<std::string> subject_common_name(const X509* certificate) {
  if (certificate == nullptr) {
    return std::nullopt;
  }
  return common_name(X509_get_subject_name(certificate));
}

std::string display_name(const X509_NAME* name) {
  if (auto cn = common_name(name)) {
    return "CN=" + *cn;
  }
  std::string text = one_line_name(name);
  return text.empty() ? std::string("(empty name)") : text;
}

std::string display_name(const X509* certificate) {
  if (certificate == nullptr) {
    return "(no certificate)";
  }
  std::string text = display_name(X509_get_subject_name(certificate));
  return text == "(empty name)" ? std::string("(empty subject)") : text;
}

std::optional<SubjectAltNames> subject_alt_names(const X509* certificate) {
  if (certificate == nullptr) {
    return std::nullopt;
  }
  int critical = 0;
  ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    // critical == -1: absent; -2: present more than once; otherwise undecodable.
    return std::nullopt;
  }
  SubjectAltNames result;
  const int count = sk_GENERAL_NAME_num(names.get());
  for (int i = 0; i < count; ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name == nullptr) {
      continue;
    }
    if (name->type == GEN_DNS) {
      result.dns_names.push_back(asn1_string_bytes(name->d.dNSName));
    } else if (name->type == GEN_IPADD) {
      const std::string bytes = asn1_string_bytes(name->d.iPAddress);
      result.ip_addresses.emplace_back(bytes.begin(), bytes.end());
    }
  }
  return result;
}

std::vector<std::string> san_dns_names(const X509* certificate) {
  auto names = subject_alt_names(certificate);
  return names ? std::move(names->dns_names) : std::vector<std::string>{};
}

std::vector<std::vector<std::uint8_t>> san_ip_addresses(const X509* certificate) {
  auto names = subject_alt_names(certificate);
  return names ? std::move(names->ip_addresses) : std::vector<std::vector<std::uint8_t>>{};
}

std::string ip_to_text(std::span<const std::uint8_t> bytes) {
  std::string out;
  if (bytes.size() == 4) {
    for (std::size_t i = 0; i < 4; ++i) {
      if (i != 0) {
        out += '.';
      }
      out += std::to_string(bytes[i]);
    }
    return out;
  }
  if (bytes.size() == 16) {
    // RFC 5952 §5: an IPv4-mapped address is written in mixed notation ("::ffff:192.0.2.1").
    const bool ipv4_mapped =
        std::all_of(bytes.begin(), bytes.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
        bytes[10] == 0xff && bytes[11] == 0xff;
    if (ipv4_mapped) {
      return "::ffff:" + ip_to_text(bytes.subspan(12));
    }
    std::array<unsigned, 8> groups{};
    for (std::size_t i = 0; i < 8; ++i) {
      groups[i] = (static_cast<unsigned>(bytes[2 * i]) << 8U) | bytes[2 * i + 1];
    }
    // RFC 5952 §4.2: "::" replaces the longest run of two or more zero groups (the first one
    // on a tie); a single zero group is never shortened.
    std::size_t best_start = groups.size();
    std::size_t best_length = 0;
    for (std::size_t i = 0; i < groups.size();) {
      if (groups[i] != 0) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < groups.size() && groups[j] == 0) {
        ++j;
      }
      if (j - i > best_length) {
        best_start = i;
        best_length = j - i;
      }
      i = j;
    }
    if (best_length < 2) {
      best_start = groups.size();
      best_length = 0;
    }
    for (std::size_t i = 0; i < groups.size();) {
      if (i == best_start) {
        out += "::";
        i += best_length;
        continue;
      }
      if (!out.empty() && out.back() != ':') {
        out += ':';
      }
      append_hex(out, groups[i], false);
      ++i;
    }
    return out;
  }
  out = "<invalid IP address: ";
  for (const std::uint8_t byte : bytes) {
    append_hex(out, byte, true);
  }
  out += '>';
  return out;
}

}  // namespace sanstls::x509

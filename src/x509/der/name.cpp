// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/der/name.hpp"

#include "x509/der/der.hpp"

#include <fmt/format.h>

#include <array>
#include <vector>

namespace sanstls::x509::der {
namespace {

struct Attribute {
  std::string_view label;
  std::string value;
};

struct KnownAttribute {
  std::array<std::uint8_t, 10> oid;
  std::size_t size;
  std::string_view label;
};
/// The attribute types messages name by their RFC 4514 short names.
constexpr std::array<KnownAttribute, 8> known_attributes{{
    {{0x55, 0x04, 0x03}, 3, "CN"},
    {{0x55, 0x04, 0x06}, 3, "C"},
    {{0x55, 0x04, 0x07}, 3, "L"},
    {{0x55, 0x04, 0x08}, 3, "ST"},
    {{0x55, 0x04, 0x0a}, 3, "O"},
    {{0x55, 0x04, 0x0b}, 3, "OU"},
    {{0x55, 0x04, 0x05}, 3, "serialNumber"},
    {{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, 10, "DC"},
}};

std::string_view label_of(wire::Bytes oid) {
  for (const auto& known : known_attributes) {
    if (same_bytes(oid, wire::Bytes(known.oid).first(known.size))) {
      return known.label;
    }
  }
  return "";
}

/// The value as UTF-8 text: UTF8String, PrintableString, IA5String and TeletexString as their
/// bytes (control characters and non-UTF-8 bytes escaped as \xx), BMPString converted.
std::string value_text(const Tlv& value) {
  std::string text;
  if (value.tag == tag::bmp_string) {
    wire::Reader units(value.value);
    while (units.remaining() >= 2) {
      const std::uint16_t unit = units.u16("BMPString").value_or(0);
      if (unit < 0x80) {
        text.push_back(static_cast<char>(unit));
      } else if (unit < 0x800) {
        text.push_back(static_cast<char>(0xc0U | (unit >> 6U)));
        text.push_back(static_cast<char>(0x80U | (unit & 0x3fU)));
      } else {
        text.push_back(static_cast<char>(0xe0U | (unit >> 12U)));
        text.push_back(static_cast<char>(0x80U | ((unit >> 6U) & 0x3fU)));
        text.push_back(static_cast<char>(0x80U | (unit & 0x3fU)));
      }
    }
    return text;
  }
  for (const std::uint8_t octet : value.value) {
    if (octet < 0x20 || octet == 0x7f || (octet >= 0x80 && value.tag != tag::utf8_string)) {
      text += fmt::format("\\{:02X}", octet);
    } else {
      text.push_back(static_cast<char>(octet));
    }
  }
  return text;
}

std::vector<Attribute> attributes(wire::Bytes name) {
  std::vector<Attribute> out;
  wire::Reader outer(name);
  auto rdns = read_constructed(outer, tag::sequence, "Name");
  while (rdns && !rdns->empty()) {
    auto rdn = read_constructed(*rdns, tag::set, "Name");
    if (!rdn) {
      break;
    }
    while (!rdn->empty()) {
      auto attribute = read_constructed(*rdn, tag::sequence, "Name");
      if (!attribute) {
        return out;
      }
      auto oid = read_oid(*attribute, "Name");
      auto value = read_tlv(*attribute, "Name");
      if (!oid || !value) {
        return out;
      }
      std::string_view label = label_of(*oid);
      out.push_back(Attribute{label.empty() ? "?" : label, value_text(*value)});
    }
  }
  return out;
}

}  // namespace

std::string display_name(wire::Bytes name) {
  const std::vector<Attribute> all = attributes(name);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->label == "CN") {
      return "CN=" + it->value;
    }
  }
  if (all.empty()) {
    return "(empty name)";
  }
  std::string text;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (!text.empty()) {
      text += ',';
    }
    text += fmt::format("{}={}", it->label, it->value);
  }
  return text;
}

}  // namespace sanstls::x509::der

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/der/der.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace sanstls::x509::der {
namespace {

/// Lengths above this are refused: no certificate element is anywhere near 16 MiB, and four
/// length octets are the most X.509 ever needs.
constexpr std::size_t max_length_octets = 4;

/// Runs `read` on a copy of `in` and commits the copy only on success: a failed read consumes
/// nothing (the wire::Reader convention).
template <class Read>
auto atomic(wire::Reader& in, Read&& read) {
  wire::Reader probe = in;
  auto result = std::forward<Read>(read)(probe);
  if (result) {
    in = probe;
  }
  return result;
}

}  // namespace

std::optional<std::uint8_t> peek_tag(const wire::Reader& in) {
  const wire::Bytes rest = in.peek_rest();
  if (rest.empty()) {
    return std::nullopt;
  }
  return rest.front();
}

wire::Result<Tlv> read_tlv(wire::Reader& in, std::string_view field) {
  wire::Reader probe = in;  // consume nothing on failure
  WIRE_TRY(const std::uint8_t tag_byte, probe.u8(field));
  // X.690 §8.1.2.4: tag numbers >= 31 use the high-tag-number form; X.509 never does.
  if ((tag_byte & 0x1fU) == 0x1fU) {
    return wire::decode_error(field, "high tag number form is not used in X.509");
  }
  WIRE_TRY(const std::uint8_t first, probe.u8(field));
  std::size_t length = 0;
  if (first < 0x80U) {
    length = first;
  } else if (first == 0x80U) {
    // X.690 §10.1: "The definite form of length encoding shall be used".
    return wire::decode_error(field, "indefinite length (BER, not DER)");
  } else {
    const std::size_t octets = first & 0x7fU;
    if (octets > max_length_octets) {
      return wire::decode_error(field, "length too large");
    }
    for (std::size_t i = 0; i < octets; ++i) {
      WIRE_TRY(const std::uint8_t octet, probe.u8(field));
      if (i == 0 && octet == 0) {
        return wire::decode_error(field, "length not in its shortest form (leading zero)");
      }
      length = (length << 8U) | octet;
    }
    // X.690 §10.1: "the length shall be encoded in the minimum number of octets".
    if (length < 0x80U) {
      return wire::decode_error(field, "length not in its shortest form (long form below 128)");
    }
  }
  const std::size_t header = probe.position() - in.position();
  WIRE_TRY(const wire::Bytes value, probe.bytes(length, field));
  WIRE_TRY(const wire::Bytes encoding, in.bytes(header + length, field));
  return Tlv{tag_byte, value, encoding};
}

wire::Result<Tlv> read_element(wire::Reader& in, std::uint8_t expected, std::string_view field) {
  const auto next = peek_tag(in);
  if (!next) {
    return wire::decode_error(field, "missing");
  }
  if (*next != expected) {
    return wire::decode_error(field, "unexpected tag");
  }
  return read_tlv(in, field);
}

wire::Result<wire::Reader> read_constructed(wire::Reader& in, std::uint8_t expected,
                                            std::string_view field) {
  WIRE_TRY(const Tlv tlv, read_element(in, expected, field));
  return wire::Reader(tlv.value);
}

wire::Result<wire::Bytes> read_integer(wire::Reader& in, std::string_view field) {
  return atomic(in, [&](wire::Reader& probe) -> wire::Result<wire::Bytes> {
    WIRE_TRY(const Tlv tlv, read_element(probe, tag::integer, field));
    const wire::Bytes value = tlv.value;
    if (value.empty()) {
      return wire::decode_error(field, "empty INTEGER");
    }
    // X.690 §8.3.2: the first nine bits shall not be all ones or all zeros.
    if (value.size() > 1 && ((value[0] == 0x00 && (value[1] & 0x80U) == 0) ||
                             (value[0] == 0xff && (value[1] & 0x80U) != 0))) {
      return wire::decode_error(field, "INTEGER not in its shortest form");
    }
    return value;
  });
}

wire::Result<std::uint64_t> read_small_unsigned(wire::Reader& in, std::uint64_t max,
                                                std::string_view field) {
  return atomic(in, [&](wire::Reader& probe) -> wire::Result<std::uint64_t> {
    WIRE_TRY(const wire::Bytes value, read_integer(probe, field));
    if ((value[0] & 0x80U) != 0) {
      return wire::decode_error(field, "negative");
    }
    if (value.size() > sizeof(std::uint64_t)) {
      return wire::decode_error(field, "too large");
    }
    std::uint64_t result = 0;
    for (const std::uint8_t octet : value) {
      result = (result << 8U) | octet;
    }
    if (result > max) {
      return wire::decode_error(field, "too large");
    }
    return result;
  });
}

wire::Result<bool> read_boolean(wire::Reader& in, std::string_view field) {
  return atomic(in, [&](wire::Reader& probe) -> wire::Result<bool> {
    WIRE_TRY(const Tlv tlv, read_element(probe, tag::boolean, field));
    if (tlv.value.size() != 1) {
      return wire::decode_error(field, "BOOLEAN is not one octet");
    }
    // X.690 §11.1: "If the encoding represents the boolean value TRUE, its single contents octet
    // shall have all eight bits set to one."
    if (tlv.value[0] != 0x00 && tlv.value[0] != 0xff) {
      return wire::decode_error(field, "BOOLEAN is neither 0x00 nor 0xFF");
    }
    return tlv.value[0] == 0xff;
  });
}

wire::Status read_null(wire::Reader& in, std::string_view field) {
  return atomic(in, [&](wire::Reader& probe) -> wire::Status {
    WIRE_TRY(const Tlv tlv, read_element(probe, tag::null, field));
    if (!tlv.value.empty()) {
      return wire::decode_error(field, "NULL with contents");
    }
    return {};
  });
}

wire::Result<BitString> read_bit_string(wire::Reader& in, std::string_view field) {
  return atomic(in, [&](wire::Reader& probe) -> wire::Result<BitString> {
    WIRE_TRY(const Tlv tlv, read_element(probe, tag::bit_string, field));
    wire::Reader body(tlv.value);
    WIRE_TRY(const std::uint8_t unused, body.u8(field));
    const wire::Bytes bytes = body.rest();
    if (unused > 7) {
      return wire::decode_error(field, "more than 7 unused bits");
    }
    if (bytes.empty() && unused != 0) {
      return wire::decode_error(field, "unused bits in an empty BIT STRING");
    }
    // X.690 §11.2.1: "Each unused bit in the final octet ... shall be set to zero."
    if (!bytes.empty() && (bytes.back() & ((1U << unused) - 1U)) != 0) {
      return wire::decode_error(field, "unused bits not zero");
    }
    return BitString{bytes, unused};
  });
}

wire::Result<wire::Bytes> read_oid(wire::Reader& in, std::string_view field) {
  return atomic(in, [&](wire::Reader& probe) -> wire::Result<wire::Bytes> {
    WIRE_TRY(const Tlv tlv, read_element(probe, tag::oid, field));
    const wire::Bytes value = tlv.value;
    if (value.empty()) {
      return wire::decode_error(field, "empty OBJECT IDENTIFIER");
    }
    // X.690 §8.19.2: each sub-identifier "as a series of (one or more) octets ... the leading
    // octet shall not have the value 0x80" (shortest form); the last octet has bit 8 clear.
    bool at_start = true;
    for (const std::uint8_t octet : value) {
      if (at_start && octet == 0x80) {
        return wire::decode_error(field, "OBJECT IDENTIFIER sub-identifier not in shortest form");
      }
      at_start = (octet & 0x80U) == 0;
    }
    if (!at_start) {
      return wire::decode_error(field, "OBJECT IDENTIFIER truncated");
    }
    return value;
  });
}

namespace {

/// Two decimal digits at text[at], or nothing.
std::optional<int> two_digits(wire::Bytes text, std::size_t at) {
  const std::uint8_t high = text[at];
  const std::uint8_t low = text[at + 1];
  if (high < '0' || high > '9' || low < '0' || low > '9') {
    return std::nullopt;
  }
  return (high - '0') * 10 + (low - '0');
}

}  // namespace

wire::Result<std::chrono::sys_seconds> parse_time(std::uint8_t time_tag, wire::Bytes text,
                                                  std::string_view field) {
  // RFC 5280 §4.1.2.5.1 / §4.1.2.5.2: "MUST be expressed in Greenwich Mean Time (Zulu) and
  // MUST include seconds"; GeneralizedTime "MUST NOT include fractional seconds".
  const bool utc = time_tag == tag::utc_time;
  const std::size_t year_digits = utc ? 2 : 4;
  const std::size_t expected_size = year_digits + 10 + 1;
  if (text.size() != expected_size || text.back() != 'Z') {
    return wire::decode_error(
        field, utc ? "UTCTime is not YYMMDDHHMMSSZ" : "GeneralizedTime is not YYYYMMDDHHMMSSZ");
  }
  std::array<int, 7> parts{};  // year (2 digits each), ..., second
  const std::size_t groups = (expected_size - 1) / 2;
  for (std::size_t i = 0; i < groups; ++i) {
    const auto value = two_digits(text, 2 * i);
    if (!value) {
      return wire::decode_error(field, "time has a non-digit");
    }
    parts[i] = *value;
  }
  int year = 0;
  std::size_t next = 0;
  if (utc) {
    // RFC 5280 §4.1.2.5.1: "Where YY is greater than or equal to 50, the year SHALL be
    // interpreted as 19YY; and Where YY is less than 50, the year SHALL be interpreted as 20YY."
    year = parts[0] >= 50 ? 1900 + parts[0] : 2000 + parts[0];
    next = 1;
  } else {
    year = parts[0] * 100 + parts[1];
    next = 2;
    // RFC 5280 §4.1.2.5: "CAs conforming to this profile MUST always encode certificate
    // validity dates through the year 2049 as UTCTime".
    if (year < 2050) {
      return wire::decode_error(field, "GeneralizedTime used for a date before 2050");
    }
  }
  const int month = parts[next];
  const int day = parts[next + 1];
  const int hour = parts[next + 2];
  const int minute = parts[next + 3];
  const int second = parts[next + 4];
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
    return wire::decode_error(field, "time out of range");
  }
  return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
}

wire::Result<std::chrono::sys_seconds> read_time(wire::Reader& in, std::string_view field) {
  return atomic(in, [&](wire::Reader& probe) -> wire::Result<std::chrono::sys_seconds> {
    WIRE_TRY(const Tlv tlv, read_tlv(probe, field));
    if (tlv.tag != tag::utc_time && tlv.tag != tag::generalized_time) {
      return wire::decode_error(field, "neither UTCTime nor GeneralizedTime");
    }
    return parse_time(tlv.tag, tlv.value, field);
  });
}

bool same_bytes(wire::Bytes a, wire::Bytes b) { return std::ranges::equal(a, b); }

}  // namespace sanstls::x509::der

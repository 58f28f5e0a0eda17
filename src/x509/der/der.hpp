// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// A strict DER reader (ITU-T X.690 §10, the Distinguished Encoding Rules) on top of the
// bounds-checked wire::Reader: single-byte tags only, definite lengths in their shortest form,
// minimal INTEGERs, BOOLEAN 0x00/0xFF, BIT STRING unused bits, OIDs with minimal sub-identifiers,
// and the two X.509 time forms exactly as RFC 5280 §4.1.2.5 profiles them. Anything BER allows
// and DER does not is a decode_error naming the field. No pointer arithmetic on the bytes.

#include "wire/reader.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sanstls::x509::der {

/// The tags X.509 uses (X.690 §8.1.2; context-specific tags are built with context()).
namespace tag {
inline constexpr std::uint8_t boolean = 0x01;
inline constexpr std::uint8_t integer = 0x02;
inline constexpr std::uint8_t bit_string = 0x03;
inline constexpr std::uint8_t octet_string = 0x04;
inline constexpr std::uint8_t null = 0x05;
inline constexpr std::uint8_t oid = 0x06;
inline constexpr std::uint8_t utf8_string = 0x0c;
inline constexpr std::uint8_t printable_string = 0x13;
inline constexpr std::uint8_t teletex_string = 0x14;
inline constexpr std::uint8_t ia5_string = 0x16;
inline constexpr std::uint8_t utc_time = 0x17;
inline constexpr std::uint8_t generalized_time = 0x18;
inline constexpr std::uint8_t universal_string = 0x1c;
inline constexpr std::uint8_t bmp_string = 0x1e;
inline constexpr std::uint8_t sequence = 0x30;
inline constexpr std::uint8_t set = 0x31;
/// [n] IMPLICIT primitive (0x80 | n).
constexpr std::uint8_t context(unsigned n) { return static_cast<std::uint8_t>(0x80U | n); }
/// [n] constructed (EXPLICIT, or IMPLICIT over a constructed type): 0xa0 | n.
constexpr std::uint8_t context_constructed(unsigned n) {
  return static_cast<std::uint8_t>(0xa0U | n);
}
}  // namespace tag

/// One tag-length-value element.
struct Tlv {
  std::uint8_t tag = 0;
  /// The contents octets.
  wire::Bytes value;
  /// The whole element: identifier, length and contents (what a signature covers).
  wire::Bytes encoding;
};

/// Reads one element of any tag. decode_error on a high tag number, an indefinite length, a
/// length not in its shortest form, or one that runs past the input.
wire::Result<Tlv> read_tlv(wire::Reader& in, std::string_view field);
/// The tag of the next element, without consuming it (nothing when the input is empty).
std::optional<std::uint8_t> peek_tag(const wire::Reader& in);
/// Reads an element that must have `expected` as its tag.
wire::Result<Tlv> read_element(wire::Reader& in, std::uint8_t expected, std::string_view field);
/// Reads an element with tag `expected` and returns a Reader over its contents.
wire::Result<wire::Reader> read_constructed(wire::Reader& in, std::uint8_t expected,
                                            std::string_view field);

/// INTEGER (X.690 §8.3.2: the first nine bits are never all zero or all one). Returns the
/// contents octets (two's complement, big-endian, at least one byte).
wire::Result<wire::Bytes> read_integer(wire::Reader& in, std::string_view field);
/// A non-negative INTEGER no larger than `max` (versions, path lengths, salt lengths).
wire::Result<std::uint64_t> read_small_unsigned(wire::Reader& in, std::uint64_t max,
                                                std::string_view field);
/// BOOLEAN: DER allows only 0x00 (FALSE) and 0xFF (TRUE) (X.690 §11.1).
wire::Result<bool> read_boolean(wire::Reader& in, std::string_view field);
/// NULL with empty contents.
wire::Status read_null(wire::Reader& in, std::string_view field);

/// A BIT STRING: the bytes after the unused-bits octet, and that count (0-7; 0 when empty; the
/// unused bits themselves must be zero, X.690 §11.2.1).
struct BitString {
  wire::Bytes bytes;
  std::uint8_t unused_bits = 0;
};
wire::Result<BitString> read_bit_string(wire::Reader& in, std::string_view field);

/// OBJECT IDENTIFIER: returns the contents octets after checking them (at least one byte, every
/// sub-identifier in its shortest base-128 form, the last octet ends a sub-identifier).
wire::Result<wire::Bytes> read_oid(wire::Reader& in, std::string_view field);

/// Time (RFC 5280 §4.1.2.5): UTCTime "YYMMDDHHMMSSZ" (YY >= 50 is 19YY, otherwise 20YY) or
/// GeneralizedTime "YYYYMMDDHHMMSSZ" (no fractional seconds), always in UTC, seconds always
/// present. Dates through 2049 MUST be UTCTime and later ones GeneralizedTime (§4.1.2.5).
wire::Result<std::chrono::sys_seconds> read_time(wire::Reader& in, std::string_view field);

/// Parses the contents of a UTCTime / GeneralizedTime (exposed for tests).
wire::Result<std::chrono::sys_seconds> parse_time(std::uint8_t time_tag, wire::Bytes text,
                                                  std::string_view field);

/// True when two byte strings (OID contents, names, key identifiers) are equal.
bool same_bytes(wire::Bytes a, wire::Bytes b);

}  // namespace sanstls::x509::der

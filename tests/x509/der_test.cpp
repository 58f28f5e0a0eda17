// SPDX-License-Identifier: Apache-2.0 OR MIT
// The strict DER reader (x509/der/der.hpp): every BER-only or malformed form is refused with
// the field named, and the well-formed ones read back exactly.

#include "x509/der/der.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sanstls::x509::der {
namespace {

using Bytes = std::vector<std::uint8_t>;

wire::Reader reader(const Bytes& bytes) { return wire::Reader(wire::Bytes(bytes)); }

/// The reason a read of `bytes` failed with ("" when it succeeded).
template <class Read>
std::string failure(const Bytes& bytes, Read read) {
  wire::Reader in = reader(bytes);
  auto result = read(in);
  if (result) {
    return "";
  }
  EXPECT_EQ(result.error().field, "field");
  EXPECT_EQ(in.position(), 0U) << "a failed read consumed input";
  return std::string(result.error().reason);
}

auto tlv_reader() {
  return [](wire::Reader& in) { return read_tlv(in, "field"); };
}

TEST(DerTlv, ShortAndLongLengths) {
  const Bytes short_form{0x04, 0x02, 0xaa, 0xbb, 0x05, 0x00};
  wire::Reader in = reader(short_form);
  auto first = read_tlv(in, "field");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->tag, 0x04);
  EXPECT_EQ(first->value.size(), 2U);
  EXPECT_EQ(first->encoding.size(), 4U);
  EXPECT_EQ(in.remaining(), 2U);

  Bytes long_form{0x04, 0x81, 0x80};
  long_form.resize(3 + 0x80, 0x11);
  wire::Reader long_in = reader(long_form);
  auto second = read_tlv(long_in, "field");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->value.size(), 0x80U);
  EXPECT_TRUE(long_in.empty());
}

TEST(DerTlv, MalformedFormsAreRefused) {
  EXPECT_EQ(failure({}, tlv_reader()), "truncated");
  EXPECT_EQ(failure({0x04}, tlv_reader()), "truncated");
  EXPECT_EQ(failure({0x04, 0x03, 0x00}, tlv_reader()), "truncated");
  EXPECT_EQ(failure({0x1f, 0x22, 0x00}, tlv_reader()), "high tag number form is not used in X.509");
  EXPECT_EQ(failure({0x30, 0x80, 0x00, 0x00}, tlv_reader()), "indefinite length (BER, not DER)");
  EXPECT_EQ(failure({0x04, 0x81, 0x05, 1, 2, 3, 4, 5}, tlv_reader()),
            "length not in its shortest form (long form below 128)");
  EXPECT_EQ(failure({0x04, 0x82, 0x00, 0x05, 1, 2, 3, 4, 5}, tlv_reader()),
            "length not in its shortest form (leading zero)");
  EXPECT_EQ(failure({0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00}, tlv_reader()), "length too large");
  EXPECT_EQ(failure({0x04, 0x84, 0x7f, 0xff, 0xff, 0xff}, tlv_reader()), "truncated");
}

TEST(DerTlv, ExpectedTagAndConstructedChild) {
  const Bytes bytes{0x30, 0x03, 0x02, 0x01, 0x05};
  EXPECT_EQ(failure(bytes, [](wire::Reader& in) { return read_element(in, tag::set, "field"); }),
            "unexpected tag");
  EXPECT_EQ(failure({}, [](wire::Reader& in) { return read_element(in, tag::set, "field"); }),
            "missing");
  wire::Reader in = reader(bytes);
  auto child = read_constructed(in, tag::sequence, "field");
  ASSERT_TRUE(child);
  auto value = read_small_unsigned(*child, 10, "field");
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 5U);
  EXPECT_TRUE(child->empty());
}

TEST(DerInteger, MinimalEncodingOnly) {
  const auto integer = [](wire::Reader& in) { return read_integer(in, "field"); };
  EXPECT_EQ(failure({0x02, 0x01, 0x00}, integer), "");
  EXPECT_EQ(failure({0x02, 0x02, 0x00, 0x80}, integer), "");  // 128 needs the zero
  EXPECT_EQ(failure({0x02, 0x02, 0xff, 0x7f}, integer), "");  // -129
  EXPECT_EQ(failure({0x02, 0x00}, integer), "empty INTEGER");
  EXPECT_EQ(failure({0x02, 0x02, 0x00, 0x7f}, integer), "INTEGER not in its shortest form");
  EXPECT_EQ(failure({0x02, 0x02, 0xff, 0x80}, integer), "INTEGER not in its shortest form");
  const auto small = [](wire::Reader& in) { return read_small_unsigned(in, 255, "field"); };
  EXPECT_EQ(failure({0x02, 0x01, 0xff}, small), "negative");
  EXPECT_EQ(failure({0x02, 0x02, 0x01, 0x00}, small), "too large");
  EXPECT_EQ(failure({0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}, small), "too large");
}

TEST(DerBoolean, OnlyZeroAndAllOnes) {
  const auto boolean = [](wire::Reader& in) { return read_boolean(in, "field"); };
  const Bytes true_bytes{0x01, 0x01, 0xff};
  const Bytes false_bytes{0x01, 0x01, 0x00};
  wire::Reader yes = reader(true_bytes);
  EXPECT_EQ(read_boolean(yes, "field"), true);
  wire::Reader no = reader(false_bytes);
  EXPECT_EQ(read_boolean(no, "field"), false);
  EXPECT_EQ(failure({0x01, 0x01, 0x01}, boolean), "BOOLEAN is neither 0x00 nor 0xFF");
  EXPECT_EQ(failure({0x01, 0x02, 0xff, 0xff}, boolean), "BOOLEAN is not one octet");
  EXPECT_EQ(failure({0x01, 0x00}, boolean), "BOOLEAN is not one octet");
}

TEST(DerNull, EmptyOnly) {
  const auto null = [](wire::Reader& in) { return read_null(in, "field"); };
  EXPECT_EQ(failure({0x05, 0x00}, null), "");
  EXPECT_EQ(failure({0x05, 0x01, 0x00}, null), "NULL with contents");
}

TEST(DerBitString, UnusedBits) {
  const auto bits = [](wire::Reader& in) { return read_bit_string(in, "field"); };
  const Bytes bytes{0x03, 0x02, 0x05, 0xa0};
  wire::Reader in = reader(bytes);
  auto value = read_bit_string(in, "field");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->unused_bits, 5);
  EXPECT_EQ(failure({0x03, 0x00}, bits), "truncated");
  EXPECT_EQ(failure({0x03, 0x01, 0x00}, bits), "");
  EXPECT_EQ(failure({0x03, 0x01, 0x01}, bits), "unused bits in an empty BIT STRING");
  EXPECT_EQ(failure({0x03, 0x02, 0x08, 0x00}, bits), "more than 7 unused bits");
  EXPECT_EQ(failure({0x03, 0x02, 0x01, 0x01}, bits), "unused bits not zero");
  EXPECT_EQ(failure({0x23, 0x04, 0x03, 0x02, 0x00, 0x00}, bits), "unexpected tag");  // BER
}

TEST(DerOid, ShortestSubIdentifiers) {
  const auto oid = [](wire::Reader& in) { return read_oid(in, "field"); };
  EXPECT_EQ(failure({0x06, 0x03, 0x55, 0x1d, 0x13}, oid), "");
  EXPECT_EQ(failure({0x06, 0x02, 0x86, 0x48}, oid), "");
  EXPECT_EQ(failure({0x06, 0x00}, oid), "empty OBJECT IDENTIFIER");
  EXPECT_EQ(failure({0x06, 0x03, 0x55, 0x80, 0x01}, oid),
            "OBJECT IDENTIFIER sub-identifier not in shortest form");
  EXPECT_EQ(failure({0x06, 0x02, 0x55, 0x86}, oid), "OBJECT IDENTIFIER truncated");
}

Bytes time_element(std::uint8_t time_tag, const std::string& text) {
  Bytes out{time_tag, static_cast<std::uint8_t>(text.size())};
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

std::chrono::sys_seconds at(int year, unsigned month, unsigned day, int h, int m, int s) {
  return std::chrono::sys_days{std::chrono::year{year} / std::chrono::month{month} /
                               std::chrono::day{day}} +
         std::chrono::hours{h} + std::chrono::minutes{m} + std::chrono::seconds{s};
}

TEST(DerTime, Rfc5280Forms) {
  const auto read = [](const Bytes& bytes) {
    wire::Reader in = reader(bytes);  // bytes outlives the read
    return read_time(in, "field");
  };
  EXPECT_EQ(read(time_element(tag::utc_time, "491231235959Z")), at(2049, 12, 31, 23, 59, 59));
  EXPECT_EQ(read(time_element(tag::utc_time, "500101000000Z")), at(1950, 1, 1, 0, 0, 0));
  EXPECT_EQ(read(time_element(tag::generalized_time, "20500101000000Z")), at(2050, 1, 1, 0, 0, 0));
  EXPECT_EQ(read(time_element(tag::utc_time, "240229120000Z")), at(2024, 2, 29, 12, 0, 0));
}

TEST(DerTime, MalformedTimesAreRefused) {
  const auto time = [](wire::Reader& in) { return read_time(in, "field"); };
  EXPECT_EQ(failure(time_element(tag::utc_time, "4912312359Z"), time),
            "UTCTime is not YYMMDDHHMMSSZ");  // no seconds
  EXPECT_EQ(failure(time_element(tag::utc_time, "491231235959+0100"), time),
            "UTCTime is not YYMMDDHHMMSSZ");
  EXPECT_EQ(failure(time_element(tag::utc_time, "491231235959"), time),
            "UTCTime is not YYMMDDHHMMSSZ");
  EXPECT_EQ(failure(time_element(tag::generalized_time, "20500101000000.5Z"), time),
            "GeneralizedTime is not YYYYMMDDHHMMSSZ");
  EXPECT_EQ(failure(time_element(tag::generalized_time, "20490101000000Z"), time),
            "GeneralizedTime used for a date before 2050");
  EXPECT_EQ(failure(time_element(tag::utc_time, "4912312359 9Z"), time), "time has a non-digit");
  EXPECT_EQ(failure(time_element(tag::utc_time, "230229000000Z"), time), "time out of range");
  EXPECT_EQ(failure(time_element(tag::utc_time, "231301000000Z"), time), "time out of range");
  EXPECT_EQ(failure(time_element(tag::utc_time, "231231240000Z"), time), "time out of range");
  EXPECT_EQ(failure(time_element(tag::utc_time, "231231235960Z"), time), "time out of range");
  EXPECT_EQ(failure(time_element(tag::octet_string, "231231235959Z"), time),
            "neither UTCTime nor GeneralizedTime");
}

}  // namespace
}  // namespace sanstls::x509::der

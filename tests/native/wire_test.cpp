// SPDX-License-Identifier: Apache-2.0 OR MIT
// Reader / Writer edge cases: every integer width at its boundaries, every length-prefix width at
// its limits, truncation at every byte, exact consumption of nested children, sticky overflow.

#include "wire/reader.hpp"
#include "wire/writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace sanstls::wire {
namespace {

using ByteVec = std::vector<std::uint8_t>;

TEST(WireReader, ReadsBigEndianIntegers) {
  const ByteVec data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                     0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12};
  Reader r(data);
  EXPECT_EQ(*r.u8("a"), 0x01);
  EXPECT_EQ(*r.u16("b"), 0x0203);
  EXPECT_EQ(*r.u24("c"), 0x040506U);
  EXPECT_EQ(*r.u32("d"), 0x0708090aU);
  EXPECT_EQ(*r.u64("e"), 0x0b0c0d0e0f101112ULL);
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(r.expect_end("end"));
}

TEST(WireReader, IntegerBoundaries) {
  const ByteVec ones(8, 0xff);
  Reader r(ones);
  EXPECT_EQ(*r.u24("x"), 0xffffffU);
  EXPECT_EQ(*r.u8("y"), 0xff);
  EXPECT_EQ(*r.u32("z"), 0xffffffffU);
  const ByteVec max64(8, 0xff);
  Reader r2(max64);
  EXPECT_EQ(*r2.u64("x"), UINT64_MAX);
}

TEST(WireReader, TruncationAtEveryByteOfEveryWidth) {
  for (unsigned width : {1U, 2U, 3U, 4U, 8U}) {
    for (std::size_t have = 0; have < width; ++have) {
      const ByteVec data(have, 0x42);
      Reader r(data);
      Result<std::uint64_t> got = [&]() -> Result<std::uint64_t> {
        switch (width) {
          case 1:
            return r.u8("f").map([](auto v) { return std::uint64_t{v}; });
          case 2:
            return r.u16("f").map([](auto v) { return std::uint64_t{v}; });
          case 3:
            return r.u24("f").map([](auto v) { return std::uint64_t{v}; });
          case 4:
            return r.u32("f").map([](auto v) { return std::uint64_t{v}; });
          default:
            return r.u64("f");
        }
      }();
      ASSERT_FALSE(got) << width << " " << have;
      EXPECT_EQ(got.error().alert, Alert::decode_error);
      EXPECT_EQ(got.error().field, "f");
      EXPECT_EQ(r.position(), 0U) << "a failed read consumes nothing";
    }
  }
}

TEST(WireReader, VectorLengthBoundaries) {
  // For each prefix width: empty, maximum, and one past the available bytes.
  for (unsigned width : {1U, 2U, 3U}) {
    const std::size_t max = (std::size_t{1} << (8 * width)) - 1;
    const std::size_t sizes[] = {0, 1, width == 3 ? 70000 : max};
    for (std::size_t n : sizes) {
      Writer w;
      ByteVec body(n, 0x5a);
      if (width == 1) w.vec8(body, "v");
      if (width == 2) w.vec16(body, "v");
      if (width == 3) w.vec24(body, "v");
      auto encoded = std::move(w).finish();
      ASSERT_TRUE(encoded);
      ASSERT_EQ(encoded->size(), width + n);
      Reader r(*encoded);
      auto v = width == 1 ? r.vec8("v") : width == 2 ? r.vec16("v") : r.vec24("v");
      ASSERT_TRUE(v);
      EXPECT_EQ(v->size(), n);
      EXPECT_TRUE(r.empty());
      // Drop one byte: the vector claims one more than is there.
      if (!encoded->empty()) {
        encoded->pop_back();
        Reader t(*encoded);
        auto bad = width == 1 ? t.vec8("v") : width == 2 ? t.vec16("v") : t.vec24("v");
        if (n == 0) {
          EXPECT_FALSE(bad);  // the prefix itself is cut
        } else {
          ASSERT_FALSE(bad);
          EXPECT_EQ(bad.error().reason, "truncated");
          EXPECT_EQ(t.position(), 0U);
        }
      }
    }
  }
}

TEST(WireReader, VectorBoundsAreInclusive) {
  const ByteVec data{0x02, 0xaa, 0xbb};
  EXPECT_TRUE(Reader(data).vec8("v", {2, 2}));
  EXPECT_TRUE(Reader(data).vec8("v", {0, 2}));
  auto too_long = Reader(data).vec8("v", {0, 1});
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().reason, "length out of range");
  auto too_short = Reader(data).vec8("v", {3, 5});
  ASSERT_FALSE(too_short);
  EXPECT_EQ(too_short.error().alert, Alert::decode_error);
}

TEST(WireReader, TruncationAtEveryByteOfANestedStructure) {
  // struct { uint16 a; opaque b<1..255>; struct { uint8 c; uint24 d; } e<0..2^16-1>; }
  const ByteVec full{0x12, 0x34, 0x03, 0x61, 0x62, 0x63, 0x00, 0x04, 0x07, 0x00, 0x01, 0x02};
  auto parse = [](Reader& r) -> Status {
    WIRE_TRY(auto a, r.u16("a"));
    (void)a;
    WIRE_TRY(auto b, r.vec8("b", {1, 255}));
    (void)b;
    WIRE_CHECK(r.scoped16("e", [](Reader& e) -> Status {
      WIRE_TRY(auto c, e.u8("e.c"));
      WIRE_TRY(auto d, e.u24("e.d"));
      (void)c;
      (void)d;
      return {};
    }));
    return r.expect_end("struct");
  };
  {
    Reader r(full);
    EXPECT_TRUE(parse(r));
  }
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    ByteVec part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
    Reader r(part);
    auto result = parse(r);
    ASSERT_FALSE(result) << "cut at " << cut;
    EXPECT_EQ(result.error().alert, Alert::decode_error);
  }
}

TEST(WireReader, ChildMustBeConsumedExactly) {
  const ByteVec data{0x00, 0x03, 0x01, 0x02, 0x03};
  Reader r(data);
  auto result = r.scoped16("outer", [](Reader& c) -> Result<int> {
    WIRE_TRY(auto v, c.u16("inner"));
    return int{v};
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().field, "outer");
  EXPECT_EQ(result.error().reason, "trailing bytes");

  Reader ok(data);
  auto fine = ok.scoped16("outer", [](Reader& c) -> Result<int> {
    WIRE_TRY(auto v, c.u24("inner"));
    return static_cast<int>(v);
  });
  ASSERT_TRUE(fine);
  EXPECT_EQ(*fine, 0x010203);
}

TEST(WireReader, ChildErrorsKeepTheirField) {
  const ByteVec data{0x00, 0x01, 0x01};
  Reader r(data);
  auto result = r.scoped16("outer", [](Reader& c) -> Result<int> {
    WIRE_TRY(auto v, c.u16("inner"));
    return int{v};
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().field, "inner");
}

TEST(WireReader, FixedArrayAndRest) {
  const ByteVec data{1, 2, 3, 4, 5};
  Reader r(data);
  auto a = r.array<3>("a");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)[2], 3);
  EXPECT_EQ(r.consumed().size(), 3U);
  EXPECT_EQ(r.peek_rest().size(), 2U);
  EXPECT_EQ(r.rest().size(), 2U);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.array<1>("b"));
  EXPECT_TRUE(r.bytes(0, "c"));
}

TEST(WireInnerPlaintext, StripsPaddingAndFindsType) {
  const ByteVec data{0xaa, 0xbb, 0x16, 0x00, 0x00};
  auto p = split_inner_plaintext(data);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->content_type, 0x16);
  EXPECT_EQ(p->content.size(), 2U);
  const ByteVec zeros(5, 0);
  auto bad = split_inner_plaintext(zeros);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().alert, Alert::unexpected_message);
  EXPECT_FALSE(split_inner_plaintext({}));
  const ByteVec only_type{0x17};
  auto t = split_inner_plaintext(only_type);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->content.empty());
}

TEST(WireWriter, WritesIntegers) {
  Writer w;
  w.u8(0x01);
  w.u16(0x0203);
  w.u24(0x040506);
  w.u32(0x0708090a);
  w.u64(0x0b0c0d0e0f101112ULL);
  auto out = std::move(w).finish();
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (ByteVec{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}));
}

TEST(WireWriter, U24Overflow) {
  Writer w;
  w.u24(0xffffff, "ok");
  EXPECT_TRUE(w.ok());
  w.u24(0x1000000, "too_big");
  EXPECT_FALSE(w.ok());
  auto out = std::move(w).finish();
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "too_big");
  EXPECT_EQ(out.error().alert, Alert::internal_error);
}

TEST(WireWriter, ScopedPrefixesNestAndFillLengths) {
  Writer w;
  {
    auto outer = w.prefix16("outer");
    w.u8(0xaa);
    {
      auto inner = w.prefix8("inner");
      w.u16(0xbbcc);
    }
    auto inner24 = w.prefix24("inner24");
    w.u8(0xdd);
    inner24.close();
    inner24.close();  // idempotent
  }
  auto out = std::move(w).finish();
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (ByteVec{0x00, 0x08, 0xaa, 0x02, 0xbb, 0xcc, 0x00, 0x00, 0x01, 0xdd}));
}

TEST(WireWriter, PrefixAtEveryLimit) {
  for (unsigned width : {1U, 2U}) {
    const std::size_t max = (std::size_t{1} << (8 * width)) - 1;
    for (std::size_t n : {max, max + 1}) {
      Writer w;
      {
        auto p = width == 1 ? w.prefix8("child") : w.prefix16("child");
        w.zeros(n);
      }
      auto out = std::move(w).finish();
      EXPECT_EQ(out.has_value(), n == max) << width << " " << n;
      if (!out) {
        EXPECT_EQ(out.error().field, "child");
      }
    }
    Writer one_shot;
    const ByteVec too_long(max + 1, 0);
    if (width == 1) one_shot.vec8(too_long, "v");
    if (width == 2) one_shot.vec16(too_long, "v");
    EXPECT_FALSE(one_shot.ok());
  }
  // A 24-bit prefix: check the exact maximum is writable and one more is not.
  const std::size_t max24 = (std::size_t{1} << 24U) - 1;
  Writer w24(max24 + 8);
  {
    auto p = w24.prefix24("child");
    w24.zeros(max24);
  }
  EXPECT_TRUE(w24.ok());
  Writer w24b(max24 + 8);
  {
    auto p = w24b.prefix24("child");
    w24b.zeros(max24 + 1);
  }
  EXPECT_FALSE(w24b.ok());
}

TEST(WireWriter, OutputLimitIsSticky) {
  Writer w(4);
  w.u16(1);
  w.u16(2);
  EXPECT_TRUE(w.ok());
  w.u8(3, "extra");
  EXPECT_FALSE(w.ok());
  w.u8(4, "later");
  auto out = std::move(w).finish();
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "extra");
  EXPECT_EQ(out.error().reason, "output limit exceeded");
}

TEST(WireWriter, MovedPrefixClosesOnce) {
  Writer w;
  {
    auto a = w.prefix8("a");
    auto b = std::move(a);
    w.u8(7);
  }
  auto out = std::move(w).finish();
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (ByteVec{0x01, 0x07}));
}

TEST(WireWriter, RoundTripsThroughReader) {
  Writer w;
  {
    auto list = w.prefix16("list");
    for (std::uint16_t v : {std::uint16_t{0x001d}, std::uint16_t{0x0017}, std::uint16_t{0x0018}}) {
      w.u16(v);
    }
  }
  auto out = std::move(w).finish();
  ASSERT_TRUE(out);
  Reader r(*out);
  auto values = r.scoped16("list", [](Reader& c) -> Result<std::vector<std::uint16_t>> {
    std::vector<std::uint16_t> v;
    while (!c.empty()) {
      WIRE_TRY(auto x, c.u16("entry"));
      v.push_back(x);
    }
    return v;
  });
  ASSERT_TRUE(values);
  EXPECT_EQ(*values, (std::vector<std::uint16_t>{0x1d, 0x17, 0x18}));
}

TEST(WireError, ToStringNamesAlertFieldAndReason) {
  Error e{Alert::decode_error, "ClientHello.random", "truncated"};
  EXPECT_EQ(e.to_string(), "decode_error: ClientHello.random: truncated");
}

}  // namespace
}  // namespace sanstls::wire

namespace sanstls::wire {
namespace {

TEST(WireWriter, FinishWithOpenPrefixFailsAndLateCloseIsHarmless) {
  Writer w;
  auto p = w.prefix16("open");
  w.u8(1);
  auto out = std::move(w).finish();
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().reason, "finished with a length prefix still open");
  p.close();  // after finish(): records nothing, writes nothing
}

TEST(WireWriter, OutOfOrderCloseIsAnError) {
  Writer w;
  auto outer = w.prefix16("outer");
  auto inner = w.prefix8("inner");
  outer.close();
  inner.close();
  auto out = std::move(w).finish();
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "outer");
  EXPECT_EQ(out.error().reason, "length prefix closed out of order");
}

}  // namespace
}  // namespace sanstls::wire

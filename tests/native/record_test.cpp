// SPDX-License-Identifier: Apache-2.0 OR MIT
// Record layer rules: framing limits, any input split, interleaving and key-change alignment,
// sequence numbers and nonces, padding, record_size_limit.

#include "native/crypto/libcrypto_provider.hpp"
#include "native/record/record_layer.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <memory>

namespace sanstls::native::record {
namespace {

ByteVec header(std::uint8_t type, std::size_t length) {
  return ByteVec{type, 3, 3, static_cast<std::uint8_t>(length >> 8U),
                 static_cast<std::uint8_t>(length & 0xffU)};
}

TEST(native_record, deframes_across_every_split) {
  ByteVec stream;
  for (std::size_t i = 0; i < 3; ++i) {
    auto rec = encode_plaintext(ContentType::handshake, 0x0303, ByteVec(100 + i, 0x11));
    stream.insert(stream.end(), rec->begin(), rec->end());
  }
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    Deframer d;
    d.feed(Bytes(stream).first(split));
    int got = 0;
    while (auto r = d.next()) {
      if (!*r) break;
      ++got;
    }
    d.feed(Bytes(stream).subspan(split));
    while (auto r = d.next()) {
      if (!*r) break;
      EXPECT_EQ((*r)->fragment.size(), 100U + static_cast<std::size_t>(got));
      ++got;
    }
    EXPECT_EQ(got, 3);
    EXPECT_EQ(d.buffered(), 0U);
  }
}

TEST(native_record, length_limits) {
  {
    Deframer d;
    d.feed(header(22, max_plaintext_length));
    EXPECT_TRUE(d.next());  // waits for the body
  }
  {
    Deframer d;
    d.feed(header(22, max_plaintext_length + 1));
    auto r = d.next();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().alert, Alert::record_overflow);
  }
  {
    Deframer d;
    d.feed(header(23, max_ciphertext_length));
    EXPECT_TRUE(d.next());
    Deframer e;
    e.feed(header(23, max_ciphertext_length + 1));
    EXPECT_EQ(e.next().error().alert, Alert::record_overflow);
  }
  {
    Deframer d;
    d.feed(header(24, 1));
    EXPECT_EQ(d.next().error().alert, Alert::unexpected_message);
  }
  EXPECT_FALSE(encode_plaintext(ContentType::handshake, 0x0303, ByteVec(max_plaintext_length + 1)));
}

TEST(native_record, handshake_messages_span_records_and_share_them) {
  // Two messages: one split across three records, one sharing the last record.
  const ByteVec m1{1, 0, 0, 6, 'a', 'b', 'c', 'd', 'e', 'f'};
  const ByteVec m2{20, 0, 0, 2, 'x', 'y'};
  ByteVec stream;
  auto add = [&](ByteVec frag) {
    auto r = encode_plaintext(ContentType::handshake, 0x0303, frag);
    stream.insert(stream.end(), r->begin(), r->end());
  };
  add({m1.begin(), m1.begin() + 3});
  add({m1.begin() + 3, m1.begin() + 7});
  ByteVec last(m1.begin() + 7, m1.end());
  last.insert(last.end(), m2.begin(), m2.end());
  add(last);
  RecordReader reader;
  reader.feed(stream);
  auto a = reader.next();
  ASSERT_TRUE(a && *a);
  EXPECT_EQ((*a)->data, m1);
  auto b = reader.next();
  ASSERT_TRUE(b && *b);
  EXPECT_EQ((*b)->data, m2);
  auto c = reader.next();
  ASSERT_TRUE(c);
  EXPECT_FALSE(*c);
}

TEST(native_record, no_interleaving_inside_a_split_message) {
  RecordReader reader;
  auto h = encode_plaintext(ContentType::handshake, 0x0303, ByteVec{1, 0, 0, 9, 1});
  auto alert = encode_plaintext(ContentType::alert, 0x0303, ByteVec{2, 10});
  reader.feed(*h);
  reader.feed(*alert);
  auto r = reader.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().alert, Alert::unexpected_message);
}

TEST(native_record, key_change_must_align_with_a_record_boundary) {
  RecordReader reader;
  auto h = encode_plaintext(ContentType::handshake, 0x0303, ByteVec{1, 0, 0, 9, 1});
  reader.feed(*h);
  auto r = reader.next();
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  EXPECT_TRUE(reader.has_partial_handshake());
  auto s = reader.set_protection(std::nullopt);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().alert, Alert::unexpected_message);
}

TEST(native_record, zero_length_handshake_fragment) {
  RecordReader reader;
  reader.feed(header(22, 0));
  EXPECT_EQ(reader.next().error().alert, Alert::unexpected_message);
}

TEST(native_record, plaintext_application_data_is_refused) {
  RecordReader reader;
  reader.feed(header(23, 0));
  EXPECT_EQ(reader.next().error().alert, Alert::unexpected_message);
}

TEST(native_record, oversized_handshake_message_claim_is_refused_early) {
  HandshakeReassembler r(1024);
  ASSERT_TRUE(r.add(ByteVec{1, 0x01, 0, 0}));
  EXPECT_EQ(r.next().error().alert, Alert::decode_error);
}

class native_record_protection : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = crypto::LibcryptoProvider::create();
    ASSERT_TRUE(p);
    provider_ = std::move(*p);
  }
  Protection make() {
    TrafficKeys keys{SecretBytes(16), SecretBytes(12)};
    keys.key.mutable_span()[0] = 1;
    return *Protection::create(*provider_, crypto::AeadAlgorithm::aes_128_gcm, keys);
  }
  std::unique_ptr<crypto::LibcryptoProvider> provider_;
};

TEST_F(native_record_protection, seal_open_padding_and_sequence) {
  Protection w = make();
  Protection r = make();
  for (std::size_t pad : {0U, 1U, 100U}) {
    auto rec = w.seal(ContentType::handshake, ByteVec{1, 2, 3}, pad);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->size(), 5U + 3U + 1U + pad + 16U);
    Deframer d;
    d.feed(*rec);
    auto framed = d.next();
    auto opened = r.open(**framed);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->type, ContentType::handshake);
    EXPECT_EQ(opened->content, (ByteVec{1, 2, 3}));
  }
  EXPECT_EQ(w.sequence_number(), 3U);
  EXPECT_EQ(r.sequence_number(), 3U);
  // Replaying a record under the next sequence number fails: the nonce differs.
  auto rec = w.seal(ContentType::application_data, ByteVec{9});
  auto again = *rec;
  Deframer d;
  d.feed(*rec);
  d.feed(again);
  EXPECT_TRUE(r.open(**d.next()));
  auto replay = r.open(**d.next());
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().alert, Alert::bad_record_mac);
}

TEST_F(native_record_protection, all_padding_is_unexpected_message) {
  Protection w = make();
  Protection r = make();
  // A record whose inner plaintext is only zeros: seal type 0 content {} -> all zero.
  auto rec = w.seal(ContentType::invalid, {}, 4);
  Deframer d;
  d.feed(*rec);
  auto opened = r.open(**d.next());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().alert, Alert::unexpected_message);
}

TEST_F(native_record_protection, zero_length_protected_alert_and_handshake) {
  // RFC 8446 §5.4: "Implementations MUST NOT send Handshake and Alert records that have a
  // zero-length TLSInnerPlaintext.content; if such a message is received, the receiving
  // implementation MUST terminate the connection with an "unexpected_message" alert."
  for (const ContentType type : {ContentType::alert, ContentType::handshake}) {
    Protection w = make();
    RecordReader reader;
    ASSERT_TRUE(reader.set_protection(make()));
    auto rec = w.seal(type, {}, 3);
    ASSERT_TRUE(rec);
    reader.feed(*rec);
    auto next = reader.next();
    ASSERT_FALSE(next) << "an empty protected record was accepted";
    EXPECT_EQ(next.error().alert, Alert::unexpected_message) << next.error().to_string();
  }
}

TEST_F(native_record_protection, record_size_limit) {
  Protection w = make();
  Protection r = make();
  r.set_inner_plaintext_limit(64);
  auto ok = w.seal(ContentType::application_data, ByteVec(63));
  auto big = w.seal(ContentType::application_data, ByteVec(64));
  Deframer d;
  d.feed(*ok);
  d.feed(*big);
  EXPECT_TRUE(r.open(**d.next()));
  auto over = r.open(**d.next());
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().alert, Alert::record_overflow);
  w.set_inner_plaintext_limit(64);
  EXPECT_FALSE(w.seal(ContentType::application_data, ByteVec(64)));
  EXPECT_EQ(w.max_content_length(), 63U);
}

TEST_F(native_record_protection, outer_type_and_length_are_checked_before_decryption) {
  // RFC 8446 §5.2: a protected record's outer type is always application_data; RFC 8449 §4: a
  // ciphertext longer than the limit plus the AEAD expansion (255) is a record_overflow. Both
  // open() and open_append() refuse before decrypting anything.
  Protection r = make();
  r.set_inner_plaintext_limit(64);
  const ByteVec small(40, 0);
  const ByteVec large(64 + 256, 0);
  ByteVec sink;
  auto wrong_type = r.open(Record{ContentType::handshake, tls12_version, small});
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().alert, Alert::unexpected_message);
  EXPECT_EQ(wrong_type.error().field, "TLSCiphertext.opaque_type");
  auto wrong_type_append =
      r.open_append(RecordView{ContentType::alert, tls12_version, small}, sink);
  ASSERT_FALSE(wrong_type_append);
  EXPECT_EQ(wrong_type_append.error().field, "TLSCiphertext.opaque_type");
  auto too_long = r.open(Record{ContentType::application_data, tls12_version, large});
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().alert, Alert::record_overflow);
  EXPECT_EQ(too_long.error().field, "TLSCiphertext.length");
  auto too_long_append =
      r.open_append(RecordView{ContentType::application_data, tls12_version, large}, sink);
  ASSERT_FALSE(too_long_append);
  EXPECT_EQ(too_long_append.error().field, "TLSCiphertext.length");
  EXPECT_TRUE(sink.empty());
}

TEST_F(native_record_protection, writer_fragments_to_the_limit_and_ccs_stays_plain) {
  RecordWriter writer;
  Protection p = make();
  p.set_inner_plaintext_limit(101);
  writer.set_protection(std::move(p));
  ByteVec out;
  ASSERT_TRUE(writer.write(ContentType::application_data, ByteVec(250, 7), out));
  RecordReader reader;
  Protection rp = make();
  ASSERT_TRUE(reader.set_protection(std::move(rp)));
  reader.feed(out);
  std::size_t total = 0;
  int records = 0;
  while (auto in = reader.next()) {
    if (!*in) break;
    EXPECT_LE((*in)->data.size(), 100U);
    total += (*in)->data.size();
    ++records;
  }
  EXPECT_EQ(total, 250U);
  EXPECT_EQ(records, 3);
  ByteVec ccs;
  ASSERT_TRUE(writer.write(ContentType::change_cipher_spec, ByteVec{1}, ccs));
  EXPECT_EQ(ccs, (ByteVec{20, 3, 3, 0, 1, 1}));
}

TEST_F(native_record_protection, tampering_is_bad_record_mac) {
  Protection w = make();
  Protection r = make();
  auto rec = w.seal(ContentType::application_data, ByteVec{1, 2, 3});
  (*rec)[7] ^= 1;
  Deframer d;
  d.feed(*rec);
  EXPECT_EQ(r.open(**d.next()).error().alert, Alert::bad_record_mac);
}

TEST(native_record, lent_input_is_read_in_place_and_its_rest_retained) {
  ByteVec stream;
  for (std::size_t i = 0; i < 3; ++i) {
    auto rec = encode_plaintext(ContentType::handshake, 0x0303, ByteVec(100 + i, 0x11));
    stream.insert(stream.end(), rec->begin(), rec->end());
  }
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    Deframer d;
    int got = 0;
    {
      // The first piece goes away after retain(): what the Deframer kept must be its own copy.
      ByteVec first(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(split));
      d.lend(first);
      while (auto r = d.next_view()) {
        if (!*r) break;
        // Whole records of lent input are views into it, not copies.
        EXPECT_TRUE((*r)->fragment.data() >= first.data() &&
                    (*r)->fragment.data() < first.data() + first.size());
        ++got;
      }
      d.retain();
      std::fill(first.begin(), first.end(), std::uint8_t{0xee});
    }
    ByteVec second(stream.begin() + static_cast<std::ptrdiff_t>(split), stream.end());
    d.lend(second);
    while (auto r = d.next()) {
      if (!*r) break;
      EXPECT_EQ((*r)->fragment, ByteVec(100 + static_cast<std::size_t>(got), 0x11));
      ++got;
    }
    d.retain();
    EXPECT_EQ(got, 3);
    EXPECT_EQ(d.buffered(), 0U);
  }
}

TEST_F(native_record_protection, open_append_decrypts_onto_the_end_of_either_vector) {
  Protection w = make();
  Protection r = make();
  auto first = w.seal(ContentType::application_data, ByteVec{1, 2, 3}, 7);
  auto second = w.seal(ContentType::handshake, ByteVec{4, 5});
  Deframer d;
  d.feed(*first);
  d.feed(*second);
  std::vector<std::byte> data{std::byte{9}};
  auto view = d.next_view();
  ASSERT_TRUE(view && *view);
  auto type = r.open_append(**view, data);
  ASSERT_TRUE(type) << type.error().to_string();
  EXPECT_EQ(*type, ContentType::application_data);
  EXPECT_EQ(data, (std::vector<std::byte>{std::byte{9}, std::byte{1}, std::byte{2}, std::byte{3}}));
  ByteVec bytes{8};
  view = d.next_view();
  ASSERT_TRUE(view && *view);
  type = r.open_append(**view, bytes);
  ASSERT_TRUE(type);
  EXPECT_EQ(*type, ContentType::handshake);
  EXPECT_EQ(bytes, (ByteVec{8, 4, 5}));
}

TEST_F(native_record_protection, open_append_failure_leaves_the_vector_as_it_was) {
  Protection w = make();
  Protection r = make();
  auto rec = w.seal(ContentType::application_data, ByteVec(100, 0x42));
  (*rec)[50] ^= 1;
  Deframer d;
  d.feed(*rec);
  std::vector<std::byte> data{std::byte{9}};
  auto view = d.next_view();
  ASSERT_TRUE(view && *view);
  auto type = r.open_append(**view, data);
  ASSERT_FALSE(type);
  EXPECT_EQ(type.error().alert, Alert::bad_record_mac);
  ASSERT_EQ(data.size(), 1U);
  // Nothing unauthenticated stays behind in the vector's spare capacity either.
  const auto* spare = reinterpret_cast<const std::uint8_t*>(data.data());
  for (std::size_t i = 1; i < 1 + 100 && i < data.capacity(); ++i) {
    EXPECT_NE(spare[i], 0x42) << i;
  }
}

TEST_F(native_record_protection, reader_delivers_application_data_to_the_direct_sink_only) {
  RecordWriter writer;
  writer.set_protection(make());
  ByteVec out;
  ASSERT_TRUE(writer.write(ContentType::application_data, ByteVec(300, 7), out));
  ASSERT_TRUE(writer.write(ContentType::alert, ByteVec{1, 0}, out));
  RecordReader reader;
  ASSERT_TRUE(reader.set_protection(make()));
  reader.lend(out);
  std::vector<std::byte> data;
  DataSink sink(data);
  auto in = reader.next(&sink);
  ASSERT_TRUE(in && *in);
  EXPECT_TRUE((*in)->delivered);
  EXPECT_TRUE((*in)->data.empty());
  EXPECT_EQ(data, std::vector<std::byte>(300, std::byte{7}));
  // An alert is not application data: it comes out as a unit, the vector unchanged.
  in = reader.next(&sink);
  ASSERT_TRUE(in && *in);
  EXPECT_EQ((*in)->type, ContentType::alert);
  EXPECT_FALSE((*in)->delivered);
  EXPECT_EQ((*in)->data, (ByteVec{1, 0}));
  EXPECT_EQ(data.size(), 300U);
  reader.retain();
}

// read_application_data(): an established connection's application data in one pass, and
// everything else left to next() exactly as next() alone would have treated it.
class native_record_fast_path : public native_record_protection {
 protected:
  /// A reader keyed as `make()` that has read one protected handshake record (the peer's
  /// Finished, as it were), and the writer that continues the peer's side.
  void SetUp() override {
    native_record_protection::SetUp();
    writer_.set_protection(make());
    ASSERT_TRUE(reader_.set_protection(make()));
    ByteVec out;
    ASSERT_TRUE(writer_.write(ContentType::handshake, finished_, out));
    reader_.feed(out);
    auto in = reader_.next();
    ASSERT_TRUE(in && *in);
    ASSERT_EQ((*in)->data, finished_);
  }
  ByteVec sealed(ContentType type, Bytes content) {
    ByteVec out;
    EXPECT_TRUE(writer_.write(type, content, out));
    return out;
  }
  const ByteVec finished_{20, 0, 0, 1, 9};
  const ByteVec key_update_{24, 0, 0, 1, 0};  // KeyUpdate, update_not_requested
  RecordWriter writer_;
  RecordReader reader_;
};

TEST_F(native_record_fast_path, data_in_one_pass_and_the_rest_held_for_next) {
  ByteVec in = sealed(ContentType::application_data, ByteVec(300, 1));
  const auto append = [&in](const ByteVec& more) { in.insert(in.end(), more.begin(), more.end()); };
  append(sealed(ContentType::application_data, ByteVec(max_plaintext_length, 2)));  // largest
  append(sealed(ContentType::application_data, ByteVec{}));                         // empty
  append(sealed(ContentType::handshake, key_update_));
  append(sealed(ContentType::application_data, ByteVec(200, 3)));
  append(sealed(ContentType::alert, ByteVec{1, 0}));
  reader_.lend(in);
  std::vector<std::byte> data;
  auto run = reader_.read_application_data(data);
  ASSERT_TRUE(run) << run.error().to_string();
  EXPECT_EQ(run->records, 3U);
  EXPECT_FALSE(run->drained);
  std::vector<std::byte> expected(300, std::byte{1});
  expected.insert(expected.end(), max_plaintext_length, std::byte{2});
  EXPECT_EQ(data, expected);
  // The KeyUpdate was decrypted into `data` and moved out of it: next() returns it first.
  run = reader_.read_application_data(data);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->records, 0U);
  EXPECT_EQ(data.size(), expected.size());
  auto unit = reader_.next();
  ASSERT_TRUE(unit && *unit);
  EXPECT_EQ((*unit)->type, ContentType::handshake);
  EXPECT_EQ((*unit)->data, key_update_);
  run = reader_.read_application_data(data);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->records, 1U);
  expected.insert(expected.end(), 200, std::byte{3});
  EXPECT_EQ(data, expected);
  unit = reader_.next();
  ASSERT_TRUE(unit && *unit);
  EXPECT_EQ((*unit)->type, ContentType::alert);
  EXPECT_EQ((*unit)->data, (ByteVec{1, 0}));
  run = reader_.read_application_data(data);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->records, 0U);
  EXPECT_TRUE(run->drained);
  reader_.retain();
}

TEST_F(native_record_fast_path, an_incomplete_record_waits_for_the_rest) {
  const ByteVec in = sealed(ContentType::application_data, ByteVec(100, 4));
  std::vector<std::byte> data;
  reader_.feed(Bytes(in).first(60));
  auto run = reader_.read_application_data(data);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->records, 0U);
  EXPECT_FALSE(run->drained);
  reader_.feed(Bytes(in).subspan(60));
  run = reader_.read_application_data(data);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->records, 1U);
  EXPECT_TRUE(run->drained);
  EXPECT_EQ(data, std::vector<std::byte>(100, std::byte{4}));
}

TEST_F(native_record_fast_path, refuses_what_next_refuses_and_leaves_the_vector_alone) {
  const std::vector<std::byte> before(7, std::byte{9});
  // A record longer than our record_size_limit allows (RFC 8449 §4): record_overflow.
  {
    RecordReader reader;
    auto protection = make();
    protection.set_inner_plaintext_limit(1000);
    ASSERT_TRUE(reader.set_protection(std::move(protection)));
    RecordWriter writer;
    writer.set_protection(make());
    ByteVec in;
    ASSERT_TRUE(writer.write(ContentType::handshake, finished_, in));
    ASSERT_TRUE(writer.write(ContentType::application_data, ByteVec(1000, 5), in));
    reader.feed(in);
    ASSERT_TRUE(reader.next());
    auto data = before;
    auto run = reader.read_application_data(data);
    ASSERT_FALSE(run);
    EXPECT_EQ(run.error().alert, Alert::record_overflow);
    EXPECT_EQ(data, before);
  }
  // A tampered record: bad_record_mac.
  {
    ByteVec in = sealed(ContentType::application_data, ByteVec(50, 6));
    in.back() ^= 1U;
    reader_.feed(in);
    auto data = before;
    auto run = reader_.read_application_data(data);
    ASSERT_FALSE(run);
    EXPECT_EQ(run.error().alert, Alert::bad_record_mac);
    EXPECT_EQ(data, before);
  }
}

TEST_F(native_record_fast_path, refuses_a_sequence_number_that_would_wrap) {
  // RFC 8446 §5.3: the connection ends before a sequence number could wrap. The peer's
  // Finished comes under the next-to-last value; the reader is then at the last one.
  RecordWriter writer;
  auto write = make();
  write.hazmat_set_sequence_number(UINT64_MAX - 1);
  writer.set_protection(std::move(write));
  ByteVec in;
  ASSERT_TRUE(writer.write(ContentType::handshake, finished_, in));
  // The writer refuses to seal under the last value.
  ByteVec refused;
  ASSERT_FALSE(writer.write(ContentType::application_data, ByteVec(10, 1), refused));
  RecordReader reader;
  auto read = make();
  read.hazmat_set_sequence_number(UINT64_MAX - 1);
  ASSERT_TRUE(reader.set_protection(std::move(read)));
  reader.feed(in);
  ASSERT_TRUE(reader.next());
  // Any record now is refused before decryption.
  reader.feed(sealed(ContentType::application_data, ByteVec(10, 1)));
  std::vector<std::byte> data;
  auto run = reader.read_application_data(data);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().alert, Alert::internal_error);
  EXPECT_TRUE(data.empty());
}

TEST_F(native_record_fast_path, steps_aside_where_next_decides) {
  std::vector<std::byte> data;
  // A plaintext record after the keys: not for the fast path; next() refuses it.
  reader_.feed(header(22, 4));
  reader_.feed(ByteVec{20, 0, 0, 0});
  auto run = reader_.read_application_data(data);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->records, 0U);
  EXPECT_FALSE(run->drained);
  auto unit = reader_.next(nullptr);
  ASSERT_FALSE(unit);
  EXPECT_EQ(unit.error().alert, Alert::unexpected_message);
}

TEST_F(native_record_fast_path, nothing_while_a_handshake_message_is_split) {
  // RFC 8446 §5.1: no other record between the records of a split message: next() refuses the
  // data record, so the fast path must not deliver it first.
  reader_.feed(sealed(ContentType::handshake, ByteVec{24, 0, 0, 1}));  // half a KeyUpdate
  auto unit = reader_.next();                                          // takes the half message
  ASSERT_TRUE(unit);
  ASSERT_FALSE(*unit) << "no complete unit yet";
  reader_.feed(sealed(ContentType::application_data, ByteVec(10, 1)));
  std::vector<std::byte> data;
  auto run = reader_.read_application_data(data);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->records, 0U);
  unit = reader_.next(nullptr);
  ASSERT_FALSE(unit);
  EXPECT_EQ(unit.error().alert, Alert::unexpected_message);
  EXPECT_TRUE(data.empty());
}

TEST(native_record_fast_path12, tls12_records_checked_as_next_checks_them) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  const tls12::WriteKeys keys{SecretBytes(ByteVec(16, 0x11)), SecretBytes(ByteVec(4, 0x22))};
  auto make = [&] { return *Protection12::create(**p, crypto::AeadAlgorithm::aes_128_gcm, keys); };
  RecordWriter writer;
  writer.set_protection12(make());
  ByteVec in;
  ASSERT_TRUE(writer.write(ContentType::application_data, ByteVec(max_plaintext_length, 1), in));
  ASSERT_TRUE(writer.write(ContentType::alert, ByteVec{1, 0}, in));
  RecordReader reader;
  ASSERT_TRUE(reader.set_protection12(make()));
  reader.require_record_version(tls12_version);
  reader.feed(in);
  std::vector<std::byte> data;
  auto run = reader.read_application_data(data);
  ASSERT_TRUE(run) << run.error().to_string();
  EXPECT_EQ(run->records, 1U);
  EXPECT_EQ(data, std::vector<std::byte>(max_plaintext_length, std::byte{1}));
  auto unit = reader.next();
  ASSERT_TRUE(unit && *unit);
  EXPECT_EQ((*unit)->type, ContentType::alert);
  EXPECT_EQ((*unit)->data, (ByteVec{1, 0}));

  // Another record version than the negotiated one: protocol_version (RFC 5246 §E.1).
  ByteVec wrong;
  ASSERT_TRUE(writer.write(ContentType::application_data, ByteVec(5, 2), wrong));
  wrong[2] = 1;
  reader.feed(wrong);
  run = reader.read_application_data(data);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().alert, Alert::protocol_version);

  // The last sequence number is never used (RFC 5246 §6.1).
  RecordReader exhausted;
  auto last = make();
  last.hazmat_set_sequence_number(UINT64_MAX);
  ASSERT_TRUE(exhausted.set_protection12(std::move(last)));
  RecordWriter fresh;
  fresh.set_protection12(make());
  ByteVec record;
  ASSERT_TRUE(fresh.write(ContentType::application_data, ByteVec(5, 3), record));
  exhausted.feed(record);
  data.clear();
  run = exhausted.read_application_data(data);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().alert, Alert::internal_error);
  EXPECT_TRUE(data.empty());

  // A plaintext over the limit we advertised (RFC 8449 §4): record_overflow.
  RecordReader limited;
  auto small = make();
  small.set_plaintext_limit(100);
  ASSERT_TRUE(limited.set_protection12(std::move(small)));
  RecordWriter big;
  big.set_protection12(make());
  ByteVec over;
  ASSERT_TRUE(big.write(ContentType::application_data, ByteVec(101, 4), over));
  limited.feed(over);
  run = limited.read_application_data(data);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().alert, Alert::record_overflow);
  EXPECT_TRUE(data.empty());
}

TEST_F(native_record_protection, a_kept_aead_context_gives_what_fresh_ones_give) {
  // The AEAD keeps its keyed context between records: every record must still be what a
  // freshly keyed AEAD makes of it, also after a failed open and a change of direction.
  for (auto alg : {crypto::AeadAlgorithm::aes_128_gcm, crypto::AeadAlgorithm::aes_256_gcm,
                   crypto::AeadAlgorithm::chacha20_poly1305}) {
    const ByteVec key(crypto::aead_key_length(alg), 0x21);
    auto kept = provider_->aead(alg, key);
    ASSERT_TRUE(kept);
    for (std::uint8_t i = 0; i < 4; ++i) {
      const ByteVec nonce(crypto::aead_nonce_length, i);
      const ByteVec aad{23, 3, 3, i};
      const ByteVec plain(1000 + i, static_cast<std::uint8_t>(0x40 + i));
      auto fresh = provider_->aead(alg, key);
      ASSERT_TRUE(fresh);
      auto sealed = (*kept)->seal(nonce, aad, plain);
      auto expected = (*fresh)->seal(nonce, aad, plain);
      ASSERT_TRUE(sealed && expected);
      EXPECT_EQ(*sealed, *expected);
      auto opened = (*kept)->open(nonce, aad, *sealed);
      ASSERT_TRUE(opened);
      EXPECT_EQ(*opened, plain);
      ByteVec bad = *sealed;
      bad[3] ^= 1;
      EXPECT_EQ((*kept)->open(nonce, aad, bad).error().alert, Alert::bad_record_mac);
    }
  }
}

/// The reference for the test below: one record sealed by a context keyed with the key and the
/// nonce together, through EVP only (none of the AEAD's own per-record nonce handling).
ByteVec evp_seal(const char* cipher_name, const ByteVec& key, const ByteVec& nonce,
                 const ByteVec& aad, const ByteVec& plain) {
  std::unique_ptr<EVP_CIPHER, decltype(&EVP_CIPHER_free)> cipher(
      EVP_CIPHER_fetch(nullptr, cipher_name, nullptr), &EVP_CIPHER_free);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  ByteVec out(plain.size() + crypto::aead_tag_length);
  int len = 0;
  int written = 0;
  const bool ok =
      cipher && ctx &&
      EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key.data(), nonce.data(), nullptr) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), out.data(), &written, plain.data(),
                        static_cast<int>(plain.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG,
                          static_cast<int>(crypto::aead_tag_length),
                          out.data() + plain.size()) == 1;
  EXPECT_TRUE(ok) << cipher_name;
  return out;
}

TEST_F(native_record_protection, records_in_a_row_are_sealed_under_each_ones_own_nonce) {
  // A kept context takes each record's nonce without being keyed again (AES-GCM through
  // SET_IV_FIXED, see LibcryptoAead::set_nonce): records sealed in a row in one direction must be
  // what EVP makes of the same key and nonce from scratch (a nonce that did not take would
  // reuse the previous one: both ends of a native pair would still agree), and opening in a row
  // must need each record's own nonce.
  const std::pair<crypto::AeadAlgorithm, const char*> algorithms[] = {
      {crypto::AeadAlgorithm::aes_128_gcm, "AES-128-GCM"},
      {crypto::AeadAlgorithm::aes_256_gcm, "AES-256-GCM"},
      {crypto::AeadAlgorithm::chacha20_poly1305, "ChaCha20-Poly1305"}};
  for (const auto& [alg, name] : algorithms) {
    const ByteVec key(crypto::aead_key_length(alg), 0x5a);
    auto sealer = provider_->aead(alg, key);
    auto opener = provider_->aead(alg, key);
    ASSERT_TRUE(sealer && opener);
    std::vector<ByteVec> sealed;
    for (std::uint8_t i = 0; i < 5; ++i) {
      ByteVec nonce(crypto::aead_nonce_length, 0x33);
      nonce[crypto::aead_nonce_length - 1 - i] ^= static_cast<std::uint8_t>(i + 1);
      const ByteVec aad{23, 3, 3, 4, i};
      const ByteVec plain(1024U + i, static_cast<std::uint8_t>(0x61 + i));
      auto record = (*sealer)->seal(nonce, aad, plain);
      ASSERT_TRUE(record);
      EXPECT_EQ(*record, evp_seal(name, key, nonce, aad, plain)) << name << " record " << int{i};
      // The previous record's nonce does not open this one; its own does.
      if (i > 0) {
        ByteVec previous(crypto::aead_nonce_length, 0x33);
        previous[crypto::aead_nonce_length - i] ^= i;
        auto wrong = (*opener)->open(previous, aad, *record);
        ASSERT_FALSE(wrong) << name;
        EXPECT_EQ(wrong.error().alert, Alert::bad_record_mac);
        opener = provider_->aead(alg, key);  // a failed open ends a connection: a new one
        ASSERT_TRUE(opener);
      }
      sealed.push_back(*record);
    }
    auto in_a_row = provider_->aead(alg, key);
    ASSERT_TRUE(in_a_row);
    for (std::uint8_t i = 0; i < 5; ++i) {
      ByteVec nonce(crypto::aead_nonce_length, 0x33);
      nonce[crypto::aead_nonce_length - 1 - i] ^= static_cast<std::uint8_t>(i + 1);
      const ByteVec aad{23, 3, 3, 4, i};
      auto opened = (*in_a_row)->open(nonce, aad, sealed[i]);
      ASSERT_TRUE(opened) << name << " record " << int{i};
      EXPECT_EQ(*opened, ByteVec(1024U + i, static_cast<std::uint8_t>(0x61 + i)));
    }
  }
}

TEST_F(native_record_protection, writer_seals_into_a_vector_of_std_byte) {
  RecordWriter a;
  RecordWriter b;
  a.set_protection(make());
  b.set_protection(make());
  const ByteVec big(40000, 0x33);
  ByteVec u8{1, 2};
  std::vector<std::byte> bytes{std::byte{1}, std::byte{2}};
  ASSERT_TRUE(a.write(ContentType::application_data, big, u8));
  ASSERT_TRUE(b.write(ContentType::application_data, big, bytes));
  ASSERT_EQ(u8.size(), bytes.size());
  EXPECT_TRUE(
      std::equal(u8.begin(), u8.end(), reinterpret_cast<const std::uint8_t*>(bytes.data())));
}

}  // namespace
}  // namespace sanstls::native::record

namespace sanstls::native::record {
namespace {

// RFC 8448 only uses TLS_AES_128_GCM_SHA256; the other two suites go through the same record
// path, keyed from a traffic secret as §7.3 says.
class native_record_suites : public ::testing::TestWithParam<CipherSuite> {};

TEST_P(native_record_suites, round_trip_through_writer_and_reader) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  const auto params = suite_params(GetParam());
  ASSERT_TRUE(params);
  const KeyDerivation kd(**p, params->hash);
  const SecretBytes secret(ByteVec(crypto::hash_length(params->hash), 0x5c));
  auto keys = kd.traffic_keys(secret.span(), params->aead);
  ASSERT_TRUE(keys);
  RecordWriter writer;
  RecordReader reader;
  writer.set_protection(*Protection::create(**p, params->aead, *keys));
  ASSERT_TRUE(reader.set_protection(*Protection::create(**p, params->aead, *keys)));
  ByteVec out;
  const ByteVec big(40000, 0x33);
  ASSERT_TRUE(writer.write(ContentType::application_data, big, out));
  ASSERT_TRUE(writer.write(ContentType::alert, ByteVec{1, 0}, out));
  reader.feed(out);
  ByteVec got;
  for (;;) {
    auto in = reader.next();
    ASSERT_TRUE(in) << in.error().to_string();
    ASSERT_TRUE(*in);
    if ((*in)->type == ContentType::alert) {
      EXPECT_EQ((*in)->data, (ByteVec{1, 0}));
      break;
    }
    EXPECT_LE((*in)->data.size(), max_plaintext_length);
    got.insert(got.end(), (*in)->data.begin(), (*in)->data.end());
  }
  EXPECT_EQ(got, big);
}

// The core's output buffer (base::OutputBuffer) gets large records sealed straight from the
// caller's bytes (Protection::seal_from), small ones copied and sealed in place: the same bytes
// as the std::vector path either way, and the reader takes them.
TEST_P(native_record_suites, output_buffer_records_are_the_vector_records) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  const auto params = suite_params(GetParam());
  ASSERT_TRUE(params);
  const KeyDerivation kd(**p, params->hash);
  const SecretBytes secret(ByteVec(crypto::hash_length(params->hash), 0x5c));
  auto keys = kd.traffic_keys(secret.span(), params->aead);
  ASSERT_TRUE(keys);
  RecordWriter to_vector;
  RecordWriter to_buffer;
  RecordReader reader;
  to_vector.set_protection(*Protection::create(**p, params->aead, *keys));
  to_buffer.set_protection(*Protection::create(**p, params->aead, *keys));
  ASSERT_TRUE(reader.set_protection(*Protection::create(**p, params->aead, *keys)));
  ByteVec sent;
  std::vector<std::byte> vector_out;
  base::OutputBuffer buffer_out;
  for (const std::size_t size :
       {std::size_t{1}, Protection::seal_from_content_min - 1, Protection::seal_from_content_min,
        std::size_t{16384}, std::size_t{40001}}) {
    ByteVec data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 31 + size);
    ASSERT_TRUE(to_vector.write(ContentType::application_data, data, vector_out));
    ASSERT_TRUE(to_buffer.write(ContentType::application_data, data, buffer_out));
    sent.insert(sent.end(), data.begin(), data.end());
  }
  ASSERT_EQ(buffer_out.size(), vector_out.size());
  EXPECT_TRUE(std::equal(vector_out.begin(), vector_out.end(), buffer_out.data()));
  reader.feed(
      std::span(reinterpret_cast<const std::uint8_t*>(buffer_out.data()), buffer_out.size()));
  ByteVec got;
  for (;;) {
    auto in = reader.next();
    ASSERT_TRUE(in) << in.error().to_string();
    if (!*in) break;
    ASSERT_EQ((*in)->type, ContentType::application_data);
    got.insert(got.end(), (*in)->data.begin(), (*in)->data.end());
  }
  EXPECT_EQ(got, sent);
}

// Padding through the one-pass seal: up to max_trailer_padding from the trailer, more through
// the copy; the records open to the content and type sealed.
TEST_P(native_record_suites, output_buffer_records_with_padding) {
  auto p = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(p);
  const auto params = suite_params(GetParam());
  ASSERT_TRUE(params);
  const KeyDerivation kd(**p, params->hash);
  const SecretBytes secret(ByteVec(crypto::hash_length(params->hash), 0x5c));
  auto keys = kd.traffic_keys(secret.span(), params->aead);
  ASSERT_TRUE(keys);
  auto writer = Protection::create(**p, params->aead, *keys);
  auto reader = Protection::create(**p, params->aead, *keys);
  ASSERT_TRUE(writer && reader);
  const ByteVec content(Protection::seal_from_content_min + 7, 0x42);
  for (const std::size_t padding : {std::size_t{0}, std::size_t{1}, Protection::max_trailer_padding,
                                    Protection::max_trailer_padding + 1, std::size_t{300}}) {
    base::OutputBuffer out;
    ASSERT_TRUE(writer->seal_append(ContentType::handshake, content, padding, out));
    ASSERT_EQ(out.size(), Protection::sealed_record_size(content.size(), padding));
    Deframer d;
    d.feed(std::span(reinterpret_cast<const std::uint8_t*>(out.data()), out.size()));
    auto framed = d.next();
    ASSERT_TRUE(framed && *framed);
    auto opened = reader->open(**framed);
    ASSERT_TRUE(opened) << opened.error().to_string();
    EXPECT_EQ(opened->type, ContentType::handshake);
    EXPECT_EQ(opened->content, content);
  }
}

INSTANTIATE_TEST_SUITE_P(suites, native_record_suites,
                         ::testing::Values(CipherSuite::tls_aes_128_gcm_sha256,
                                           CipherSuite::tls_aes_256_gcm_sha384,
                                           CipherSuite::tls_chacha20_poly1305_sha256));

}  // namespace
}  // namespace sanstls::native::record

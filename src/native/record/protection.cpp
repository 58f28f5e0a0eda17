// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/record/protection.hpp"

#include "wire/writer.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>

namespace sanstls::native::record {

namespace {
/// The 5 bytes of additional data of a protected record: fixed-size arithmetic on the stack
/// (a wire::Writer allocated a vector for them, twice per record exchanged).
Result<std::array<std::uint8_t, 5>> header(std::size_t length) {
  // RFC 8446 §5.2: additional_data = TLSCiphertext.opaque_type || legacy_record_version ||
  // length.
  if (length > 0xffff) {
    return wire::fail(Alert::internal_error, "TLSCiphertext.length", "too long");
  }
  return std::array<std::uint8_t, 5>{static_cast<std::uint8_t>(ContentType::application_data),
                                     static_cast<std::uint8_t>(tls12_version >> 8),
                                     static_cast<std::uint8_t>(tls12_version & 0xff),
                                     static_cast<std::uint8_t>(length >> 8),
                                     static_cast<std::uint8_t>(length & 0xff)};
}
}  // namespace

Result<Protection> Protection::create(const crypto::CryptoProvider& provider,
                                      crypto::AeadAlgorithm aead, const TrafficKeys& keys) {
  if (keys.iv.size() != crypto::aead_nonce_length) {
    return wire::fail(Alert::internal_error, "Protection.iv", "wrong length");
  }
  WIRE_TRY(auto a, provider.aead(aead, keys.key.span()));
  return Protection(std::move(a), keys.iv);
}

void Protection::set_inner_plaintext_limit(std::size_t limit) {
  limit_ = std::min(limit, max_plaintext_length + 1);
}

Result<std::array<std::uint8_t, crypto::aead_nonce_length>> Protection::nonce() const {
  // RFC 8446 §5.3: "If a TLS implementation would need to wrap a sequence number, it MUST either
  // rekey (Section 4.6.3) or terminate the connection."
  if (seq_ == UINT64_MAX) {
    return wire::fail(Alert::internal_error, "sequence_number", "exhausted");
  }
  // "The 64-bit record sequence number is encoded in network byte order and padded to the left
  // with zeros to iv_length. The padded sequence number is XORed with ... write_iv". Computed
  // on the stack: it is arithmetic on the IV, not wire bytes. The zero padding leaves the first
  // iv_length - 8 bytes of the IV alone; the last 8 are XORed with the sequence number as one
  // 64-bit word (a byte loop was ~150 instructions per record, a tenth of the record layer).
  std::array<std::uint8_t, crypto::aead_nonce_length> out{};
  std::memcpy(out.data(), iv_.data(), out.size());
  xor_sequence_number(std::span(out).last<8>(), seq_);
  return out;
}

Result<ByteVec> Protection::seal(ContentType type, Bytes content, std::size_t padding) {
  ByteVec out;
  WIRE_CHECK(seal_append(type, content, padding, out));
  return out;
}

Status Protection::seal_append(ContentType type, Bytes content, std::size_t padding, ByteVec& out) {
  return seal_append_to(type, content, padding, out);
}

Status Protection::seal_append(ContentType type, Bytes content, std::size_t padding,
                               std::vector<std::byte>& out) {
  return seal_append_to(type, content, padding, out);
}

Status Protection::seal_append(ContentType type, Bytes content, std::size_t padding,
                               base::OutputBuffer& out) {
  return seal_append_to(type, content, padding, out);
}

template <class Vec>
Status Protection::seal_append_to(ContentType type, Bytes content, std::size_t padding, Vec& out) {
  if (content.size() + 1 + padding > limit_) {
    return wire::fail(Alert::internal_error, "TLSInnerPlaintext", "longer than the record limit");
  }
  if constexpr (std::is_same_v<Vec, base::OutputBuffer>) {
    if (content.size() >= seal_from_content_min && padding <= max_trailer_padding) {
      // One pass: sealed from the caller's bytes into the record (the buffer does not zero what
      // it grows by, so nothing else touches those bytes), TLSInnerPlaintext.type and the
      // padding from a trailer on the stack.
      const std::size_t start = out.size();
      out.resize(start + sealed_record_size(content.size(), padding));
      const std::span<std::uint8_t> record(reinterpret_cast<std::uint8_t*>(out.data()) + start,
                                           out.size() - start);
      if (auto ok = seal_from(type, content, padding, record); !ok) {
        OPENSSL_cleanse(record.data(), record.size());
        out.resize(start);
        return ok;
      }
      return {};
    }
  }
  // TLSInnerPlaintext = content || type || zeros, laid out in the record itself and sealed there
  // in place: one AEAD update over all of it. The content is copied once, into the record (a
  // resize would first zero the bytes it then overwrites); sealing it from the caller's buffer
  // and the type byte from a trailer took a second AEAD update per record, dearer than the copy.
  const std::size_t start = out.size();
  out.resize(start + record_header_length);
  const auto* first = reinterpret_cast<const typename Vec::value_type*>(content.data());
  out.insert(out.end(), first, first + content.size());
  out.resize(out.size() + 1 + padding + crypto::aead_tag_length);
  const std::span<std::uint8_t> record(reinterpret_cast<std::uint8_t*>(out.data()) + start,
                                       out.size() - start);
  if (auto ok = seal_in_place(type, content.size(), padding, record); !ok) {
    OPENSSL_cleanse(record.data(), record.size());  // no plaintext left where records go
    out.resize(start);
    return ok;
  }
  return {};
}

Status Protection::seal_in_place(ContentType type, std::size_t content_length, std::size_t padding,
                                 std::span<std::uint8_t> record) {
  if (record.size() != sealed_record_size(content_length, padding)) {
    return wire::fail(Alert::internal_error, "TLSCiphertext", "wrong record size");
  }
  const std::size_t inner = content_length + 1 + padding;
  WIRE_TRY(auto n, nonce());
  WIRE_TRY(const auto aad, header(inner + crypto::aead_tag_length));
  std::copy(aad.begin(), aad.end(), record.begin());
  const auto body = record.subspan(aad.size());
  body[content_length] = static_cast<std::uint8_t>(type);  // TLSInnerPlaintext.type
  std::fill_n(body.begin() + static_cast<std::ptrdiff_t>(content_length + 1), padding, 0);
  WIRE_CHECK(aead_->seal_into(n, aad, body.first(inner), {}, body));
  ++seq_;
  return {};
}

Status Protection::seal_from(ContentType type, Bytes content, std::size_t padding,
                             std::span<std::uint8_t> record) {
  if (record.size() != sealed_record_size(content.size(), padding) ||
      padding > max_trailer_padding) {
    return wire::fail(Alert::internal_error, "TLSCiphertext", "wrong record size");
  }
  const std::size_t inner = content.size() + 1 + padding;
  WIRE_TRY(auto n, nonce());
  WIRE_TRY(const auto aad, header(inner + crypto::aead_tag_length));
  std::copy(aad.begin(), aad.end(), record.begin());
  std::array<std::uint8_t, 1 + max_trailer_padding> trailer{};
  trailer[0] = static_cast<std::uint8_t>(type);  // TLSInnerPlaintext.type, then zero padding
  WIRE_CHECK(aead_->seal_into(n, aad, content, std::span(trailer).first(1 + padding),
                              record.subspan(aad.size())));
  ++seq_;
  return {};
}

Status Protection::check_ciphertext(ContentType type, std::size_t length) const {
  if (type != ContentType::application_data) {
    return wire::fail(Alert::unexpected_message, "TLSCiphertext.opaque_type",
                      "protected record is not application_data");
  }
  // RFC 8449 §4: a record larger than our advertised limit (plus the AEAD expansion) is a
  // record_overflow; checked before spending work on decryption.
  if (length > limit_ + 255) {
    return wire::fail(Alert::record_overflow, "TLSCiphertext.length", "longer than the limit");
  }
  return {};
}

Result<Opened> Protection::open(const Record& record) {
  Record copy{record.type, record.legacy_record_version, record.fragment};
  return open(std::move(copy));
}

Result<Opened> Protection::open(Record&& record) {
  WIRE_CHECK(check_ciphertext(record.type, record.fragment.size()));
  WIRE_TRY(auto n, nonce());
  WIRE_TRY(auto aad, header(record.fragment.size()));
  ByteVec plaintext = std::move(record.fragment);
  WIRE_TRY(const std::size_t length, aead_->open_in_place(n, aad, plaintext));
  // The tag's bytes are not plaintext.
  plaintext.resize(length);
  ++seq_;
  // RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets" (or the
  // record_size_limit we advertised, RFC 8449 §4).
  if (plaintext.size() > limit_) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return wire::fail(Alert::record_overflow, "TLSInnerPlaintext", "longer than the limit");
  }
  WIRE_TRY(auto inner, wire::split_inner_plaintext(plaintext));
  const auto type = static_cast<ContentType>(inner.content_type);
  plaintext.resize(inner.content.size());
  return Opened{type, std::move(plaintext)};
}

Result<ContentType> Protection::open_append(const RecordView& record, DataSink out) {
  WIRE_CHECK(check_ciphertext(record.type, record.fragment.size()));
  WIRE_TRY(auto n, nonce());
  WIRE_TRY(auto aad, header(record.fragment.size()));
  const std::size_t before = out.size();
  const std::size_t body = record.fragment.size() >= crypto::aead_tag_length
                               ? record.fragment.size() - crypto::aead_tag_length
                               : 0;
  const auto plaintext = out.grow(body);
  auto opened = aead_->open_into(n, aad, record.fragment, plaintext);
  if (!opened) {
    out.shrink(before);  // open_into wiped what it wrote
    return tl::unexpected<Error>(opened.error());
  }
  ++seq_;
  // RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets" (or the
  // record_size_limit we advertised, RFC 8449 §4).
  if (*opened > limit_) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    out.shrink(before);
    return wire::fail(Alert::record_overflow, "TLSInnerPlaintext", "longer than the limit");
  }
  auto inner = wire::split_inner_plaintext(plaintext.first(*opened));
  if (!inner) {
    out.shrink(before);  // all zeros: nothing to wipe
    return tl::unexpected<Error>(inner.error());
  }
  out.shrink(before + inner->content.size());
  return static_cast<ContentType>(inner->content_type);
}

}  // namespace sanstls::native::record

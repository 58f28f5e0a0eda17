// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/record/protection.hpp"

#include "wire/writer.hpp"

#include <openssl/crypto.h>

namespace sanstls::native::record {

namespace {
Result<ByteVec> header(std::size_t length) {
  // RFC 8446 §5.2: additional_data = TLSCiphertext.opaque_type || legacy_record_version ||
  // length.
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(ContentType::application_data), "TLSCiphertext.opaque_type");
  w.u16(tls12_version, "TLSCiphertext.legacy_record_version");
  if (length > 0xffff) {
    return wire::fail(Alert::internal_error, "TLSCiphertext.length", "too long");
  }
  w.u16(static_cast<std::uint16_t>(length), "TLSCiphertext.length");
  return std::move(w).finish();
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
  // with zeros to iv_length. The padded sequence number is XORed with ... write_iv".
  wire::Writer w;
  w.zeros(crypto::aead_nonce_length - 8);
  w.u64(seq_);
  WIRE_TRY(auto padded, std::move(w).finish());
  std::array<std::uint8_t, crypto::aead_nonce_length> out{};
  const auto iv = iv_.span();
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(padded[i] ^ iv[i]);
  }
  return out;
}

Result<ByteVec> Protection::seal(ContentType type, Bytes content, std::size_t padding) {
  ByteVec out;
  WIRE_CHECK(seal_append(type, content, padding, out));
  return out;
}

Status Protection::seal_append(ContentType type, Bytes content, std::size_t padding, ByteVec& out) {
  if (content.size() + 1 + padding > limit_) {
    return wire::fail(Alert::internal_error, "TLSInnerPlaintext", "longer than the record limit");
  }
  // TLSInnerPlaintext = content || type || zeros; the content is encrypted straight from the
  // caller's buffer and the type and padding from a small trailer.
  wire::Writer trailer_writer;
  trailer_writer.u8(static_cast<std::uint8_t>(type), "TLSInnerPlaintext.type");
  trailer_writer.zeros(padding, "TLSInnerPlaintext.zeros");
  WIRE_TRY(const auto trailer, std::move(trailer_writer).finish());
  const std::size_t sealed = content.size() + trailer.size() + crypto::aead_tag_length;
  WIRE_TRY(auto n, nonce());
  WIRE_TRY(const auto aad, header(sealed));
  const std::size_t start = out.size();
  out.insert(out.end(), aad.begin(), aad.end());
  out.resize(start + aad.size() + sealed);
  const auto body = std::span<std::uint8_t>(out).subspan(start + aad.size());
  if (auto ok = aead_->seal_into(n, aad, content, trailer, body); !ok) {
    out.resize(start);
    return ok;
  }
  ++seq_;
  return {};
}

Result<Opened> Protection::open(const Record& record) {
  Record copy{record.type, record.legacy_record_version, record.fragment};
  return open(std::move(copy));
}

Result<Opened> Protection::open(Record&& record) {
  if (record.type != ContentType::application_data) {
    return wire::fail(Alert::unexpected_message, "TLSCiphertext.opaque_type",
                      "protected record is not application_data");
  }
  // RFC 8449 §4: a record larger than our advertised limit (plus the AEAD expansion) is a
  // record_overflow; checked before spending work on decryption.
  if (record.fragment.size() > limit_ + 255) {
    return wire::fail(Alert::record_overflow, "TLSCiphertext.length", "longer than the limit");
  }
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

}  // namespace sanstls::native::record

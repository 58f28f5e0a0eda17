#include "native/record/protection.hpp"

#include "wire/writer.hpp"

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
  if (content.size() + 1 + padding > limit_) {
    return wire::fail(Alert::internal_error, "TLSInnerPlaintext", "longer than the record limit");
  }
  wire::Writer inner;
  inner.bytes(content, "TLSInnerPlaintext.content");
  inner.u8(static_cast<std::uint8_t>(type), "TLSInnerPlaintext.type");
  inner.zeros(padding, "TLSInnerPlaintext.zeros");
  WIRE_TRY(auto plaintext, std::move(inner).finish());
  WIRE_TRY(auto n, nonce());
  WIRE_TRY(auto aad, header(plaintext.size() + crypto::aead_tag_length));
  WIRE_TRY(auto ciphertext, aead_->seal(n, aad, plaintext));
  ++seq_;
  wire::Writer w;
  w.bytes(aad, "TLSCiphertext.header");
  w.bytes(ciphertext, "TLSCiphertext.encrypted_record");
  return std::move(w).finish();
}

Result<Opened> Protection::open(const Record& record) {
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
  WIRE_TRY(auto plaintext, aead_->open(n, aad, record.fragment));
  ++seq_;
  // RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets" (or the
  // record_size_limit we advertised, RFC 8449 §4).
  if (plaintext.size() > limit_) {
    return wire::fail(Alert::record_overflow, "TLSInnerPlaintext", "longer than the limit");
  }
  WIRE_TRY(auto inner, wire::split_inner_plaintext(plaintext));
  return Opened{static_cast<ContentType>(inner.content_type),
                ByteVec(inner.content.begin(), inner.content.end())};
}

}  // namespace sanstls::native::record

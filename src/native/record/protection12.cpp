// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/record/protection12.hpp"

#include "wire/writer.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace sanstls::native::record {

Result<Protection12> Protection12::create(const crypto::CryptoProvider& provider,
                                          crypto::AeadAlgorithm aead,
                                          const tls12::WriteKeys& keys) {
  if (keys.iv.size() != tls12::fixed_iv_length(aead) ||
      keys.key.size() != crypto::aead_key_length(aead)) {
    return wire::fail(Alert::internal_error, "Protection12.keys", "wrong length");
  }
  WIRE_TRY(auto a, provider.aead(aead, keys.key.span()));
  return Protection12(aead, std::move(a), keys.iv);
}

void Protection12::set_plaintext_limit(std::size_t limit) {
  limit_ = std::min(limit, max_plaintext_length);
}

Status Protection12::check_sequence() const {
  // RFC 5246 §6.1: "Sequence numbers are of type uint64 and may not exceed 2^64-1." and "If a
  // TLS implementation would need to wrap a sequence number, it must renegotiate instead." We
  // never renegotiate: the connection ends before the last value could be reused.
  if (seq_ == UINT64_MAX) {
    return wire::fail(Alert::internal_error, "sequence_number", "exhausted");
  }
  return {};
}

Result<std::array<std::uint8_t, crypto::aead_nonce_length>> Protection12::nonce(
    Bytes explicit_nonce) const {
  std::array<std::uint8_t, crypto::aead_nonce_length> out{};
  const auto iv = iv_.span();
  if (alg_ == crypto::AeadAlgorithm::chacha20_poly1305) {
    // RFC 7905 §2: "The 64-bit record sequence number is serialized as an 8-byte, big-endian
    // value and padded on the left with four 0x00 bytes. The padded sequence number is XORed
    // with the client_write_IV (when the client is sending) or server_write_IV".
    // On the stack (a Writer allocated a vector per record): the four zero bytes leave the IV's
    // first four alone.
    std::copy(iv.begin(), iv.end(), out.begin());
    xor_sequence_number(std::span(out).last<8>(), seq_);
    return out;
  }
  // RFC 5288 §3: struct { opaque salt[4]; opaque nonce_explicit[8]; } GCMNonce; "The salt is the
  // "implicit" part of the nonce and is not sent in the packet."
  if (explicit_nonce.size() != 8) {
    return wire::fail(Alert::internal_error, "GCMNonce.nonce_explicit", "not 8 bytes");
  }
  std::copy(iv.begin(), iv.end(), out.begin());
  std::copy(explicit_nonce.begin(), explicit_nonce.end(), out.begin() + 4);
  return out;
}

Result<std::array<std::uint8_t, 13>> Protection12::additional_data(ContentType type,
                                                                   std::size_t length) const {
  // RFC 5246 §6.2.3.3: additional_data = seq_num + TLSCompressed.type + TLSCompressed.version +
  // TLSCompressed.length; the length is the plaintext's.
  // Fixed-size arithmetic on the stack (a Writer allocated a vector for it, twice per record).
  if (length > 0xffff) {
    return wire::fail(Alert::internal_error, "TLSCompressed.length", "too long");
  }
  std::array<std::uint8_t, 13> out{};
  xor_sequence_number(std::span(out).first<8>(), seq_);    // seq_num, over zeros
  out[8] = static_cast<std::uint8_t>(type);                // TLSCompressed.type
  out[9] = static_cast<std::uint8_t>(tls12_version >> 8);  // TLSCompressed.version
  out[10] = static_cast<std::uint8_t>(tls12_version & 0xff);
  out[11] = static_cast<std::uint8_t>(length >> 8);  // TLSCompressed.length
  out[12] = static_cast<std::uint8_t>(length & 0xff);
  return out;
}

Result<ByteVec> Protection12::seal(ContentType type, Bytes content) {
  ByteVec out;
  WIRE_CHECK(seal_append(type, content, out));
  return out;
}

Status Protection12::seal_append(ContentType type, Bytes content, ByteVec& out) {
  return seal_append_to(type, content, out);
}

Status Protection12::seal_append(ContentType type, Bytes content, std::vector<std::byte>& out) {
  return seal_append_to(type, content, out);
}

Status Protection12::seal_append(ContentType type, Bytes content, base::OutputBuffer& out) {
  return seal_append_to(type, content, out);
}

template <class Vec>
Status Protection12::seal_append_to(ContentType type, Bytes content, Vec& out) {
  if (content.size() > limit_) {
    return wire::fail(Alert::internal_error, "TLSPlaintext", "longer than the record limit");
  }
  WIRE_CHECK(check_sequence());
  // RFC 5288 §3: "The nonce_explicit MAY be the 64-bit sequence number." We always use it: a
  // sequence number never repeats under one key, so neither does the nonce (a random one could).
  std::array<std::uint8_t, 8> explicit_nonce{};
  xor_sequence_number(explicit_nonce, seq_);
  const std::size_t explicit_length = tls12::explicit_nonce_length(alg_);
  WIRE_TRY(const auto n, nonce(explicit_nonce));
  WIRE_TRY(const auto aad, additional_data(type, content.size()));
  const std::size_t fragment_length = explicit_length + content.size() + crypto::aead_tag_length;
  // The header (and the explicit nonce) as fixed-size arithmetic straight into `out` (two
  // Writers allocated two vectors per record).
  const std::size_t head = record_header_length + explicit_length;
  const std::size_t start = out.size();
  out.resize(start + head + content.size() + crypto::aead_tag_length);
  auto* record = reinterpret_cast<std::uint8_t*>(out.data()) + start;
  record[0] = static_cast<std::uint8_t>(type);                  // TLSCiphertext.type
  record[1] = static_cast<std::uint8_t>(tls12_version >> 8);    // TLSCiphertext.version
  record[2] = static_cast<std::uint8_t>(tls12_version & 0xff);  //
  record[3] = static_cast<std::uint8_t>(fragment_length >> 8);  // TLSCiphertext.length
  record[4] = static_cast<std::uint8_t>(fragment_length & 0xff);
  std::copy_n(explicit_nonce.begin(), explicit_length, record + record_header_length);
  const std::span<std::uint8_t> body(record + head, content.size() + crypto::aead_tag_length);
  if (auto ok = aead_->seal_into(n, aad, content, {}, body); !ok) {
    out.resize(start);
    return ok;
  }
  ++seq_;
  return {};
}

Result<Opened> Protection12::open(const Record& record) {
  Record copy{record.type, record.legacy_record_version, record.fragment};
  return open(std::move(copy));
}

Result<std::size_t> Protection12::check_record(std::uint16_t version, std::size_t length) const {
  // RFC 5246 §6.2.3: "The length MUST NOT exceed 2^14 + 2048." The record_overflow alert is the
  // one §7.2.2 names for it.
  if (length > max_ciphertext_length12) {
    return wire::fail(Alert::record_overflow, "TLSCiphertext.length", "longer than 2^14 + 2048");
  }
  // RFC 5246 §E.1: once the version is negotiated, records carry it ("The client ... MUST use
  // the negotiated version"); another one is refused as OpenSSL and GnuTLS do.
  if (version != tls12_version) {
    return wire::fail(Alert::protocol_version, "TLSCiphertext.version", "not TLS 1.2");
  }
  WIRE_CHECK(check_sequence());
  const std::size_t explicit_length = tls12::explicit_nonce_length(alg_);
  // A fragment too short to hold the explicit nonce and the tag cannot authenticate.
  if (length < explicit_length + crypto::aead_tag_length) {
    return wire::fail(Alert::bad_record_mac, "GenericAEADCipher", "shorter than nonce and tag");
  }
  const std::size_t plaintext_length = length - explicit_length - crypto::aead_tag_length;
  // RFC 8449 §4 / RFC 5246 §6.2.1: a plaintext longer than our limit is a record_overflow;
  // checked before spending work on decryption (the length is known from the framing).
  if (plaintext_length > limit_) {
    return wire::fail(Alert::record_overflow, "TLSPlaintext.length", "longer than the limit");
  }
  return plaintext_length;
}

Result<Opened> Protection12::open(Record&& record) {
  WIRE_TRY(const std::size_t plaintext_length,
           check_record(record.legacy_record_version, record.fragment.size()));
  const std::size_t explicit_length = tls12::explicit_nonce_length(alg_);
  const Bytes fragment(record.fragment);
  WIRE_TRY(const auto n, nonce(fragment.first(explicit_length)));
  WIRE_TRY(const auto aad, additional_data(record.type, plaintext_length));
  ByteVec data = std::move(record.fragment);
  const auto sealed = std::span<std::uint8_t>(data).subspan(explicit_length);
  WIRE_TRY(const std::size_t length, aead_->open_in_place(n, aad, sealed));
  // open_in_place wrote the plaintext at the front of `sealed`; move it to the front of `data`.
  if (explicit_length != 0) {
    std::copy_n(sealed.begin(), length, data.begin());
    OPENSSL_cleanse(data.data() + length, data.size() - length);
  }
  data.resize(length);
  ++seq_;
  return Opened{record.type, std::move(data)};
}

Status Protection12::open_append(const RecordView& record, DataSink out) {
  WIRE_TRY(const std::size_t plaintext_length,
           check_record(record.legacy_record_version, record.fragment.size()));
  const std::size_t explicit_length = tls12::explicit_nonce_length(alg_);
  WIRE_TRY(const auto n, nonce(record.fragment.first(explicit_length)));
  WIRE_TRY(const auto aad, additional_data(record.type, plaintext_length));
  const std::size_t before = out.size();
  const auto plaintext = out.grow(plaintext_length);
  auto opened = aead_->open_into(n, aad, record.fragment.subspan(explicit_length), plaintext);
  if (!opened) {
    out.shrink(before);  // open_into wiped what it wrote
    return tl::unexpected<Error>(opened.error());
  }
  ++seq_;
  return {};
}

}  // namespace sanstls::native::record

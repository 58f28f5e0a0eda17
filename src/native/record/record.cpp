// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/record/record.hpp"

#include "wire/writer.hpp"

namespace sanstls::native::record {

namespace {
bool known_content_type(std::uint8_t t) {
  return t == static_cast<std::uint8_t>(ContentType::change_cipher_spec) ||
         t == static_cast<std::uint8_t>(ContentType::alert) ||
         t == static_cast<std::uint8_t>(ContentType::handshake) ||
         t == static_cast<std::uint8_t>(ContentType::application_data);
}
}  // namespace

void Deframer::feed(Bytes data) {
  retain();
  // Drop consumed bytes before growing, so the buffer stays about one record long.
  if (start_ > 0 && start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  } else if (start_ > 4096 && start_ * 2 > buf_.size()) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
}

void Deframer::lend(Bytes data) {
  retain();
  if (start_ != buf_.size()) {
    feed(data);  // a partial record is buffered: the new bytes complete it there
    return;
  }
  buf_.clear();
  start_ = 0;
  borrowed_ = data;
}

void Deframer::retain() {
  if (borrowed_.empty()) return;
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
  buf_.insert(buf_.end(), borrowed_.begin(), borrowed_.end());
  borrowed_ = {};
}

Result<std::optional<RecordView>> Deframer::next_view() {
  const bool borrowed = !borrowed_.empty();
  wire::Reader r(borrowed ? borrowed_ : Bytes(buf_).subspan(start_));
  if (r.remaining() < record_header_length) {
    return std::optional<RecordView>{};
  }
  // The header's three fields from one bounds-checked 5-byte read (a Reader call per field was
  // a fifth of the record layer's own cost for a 1 KiB record).
  WIRE_TRY(const Bytes header, r.bytes(record_header_length, "TLSPlaintext header"));
  // struct { ContentType type; ProtocolVersion legacy_record_version; uint16 length; ... }
  const std::uint8_t type = header[0];
  const auto version = static_cast<std::uint16_t>((header[1] << 8U) | header[2]);
  const auto length = static_cast<std::uint16_t>((header[3] << 8U) | header[4]);
  // RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST terminate
  // the connection with an "unexpected_message" alert."
  if (!known_content_type(type)) {
    return wire::fail(Alert::unexpected_message, "TLSPlaintext.type", "unknown content type");
  }
  // RFC 8446 §5.1 says legacy_record_version "MUST be ignored for all purposes"; its meaning is
  // ignored, but a first byte other than 3 (SSL 3.0 to TLS 1.3 all use 3.x) means the stream is
  // not TLS at all. Refusing at once, as OpenSSL and GnuTLS do, beats waiting for up to 16 KiB of
  // garbage to complete a "record".
  if ((version >> 8U) != 3U) {
    return wire::fail(Alert::decode_error, "TLSPlaintext.legacy_record_version", "not TLS");
  }
  // RFC 8446 §5.2: "An endpoint that receives a record from its peer with TLSCiphertext.length
  // larger than 2^14 + 256 octets MUST terminate the connection with a "record_overflow" alert."
  // Only application_data can be a protected record; others are plaintext, and for those
  // §5.1: "The length MUST NOT exceed 2^14 bytes."
  const bool maybe_protected = type == static_cast<std::uint8_t>(ContentType::application_data);
  if (length > (maybe_protected ? max_ciphertext_length : max_plaintext_length)) {
    return wire::fail(Alert::record_overflow, "TLSPlaintext.length", "record too long");
  }
  if (r.remaining() < length) {
    return std::optional<RecordView>{};
  }
  WIRE_TRY(auto fragment, r.bytes(length, "TLSPlaintext.fragment"));
  if (borrowed) {
    borrowed_ = borrowed_.subspan(record_header_length + length);
  } else {
    start_ += record_header_length + length;
  }
  return std::optional<RecordView>(RecordView{static_cast<ContentType>(type), version, fragment});
}

Result<std::optional<Record>> Deframer::next() {
  WIRE_TRY(auto view, next_view());
  if (!view) return std::optional<Record>{};
  return std::optional<Record>(Record{view->type, view->legacy_record_version,
                                      ByteVec(view->fragment.begin(), view->fragment.end())});
}

Result<ByteVec> encode_plaintext(ContentType type, std::uint16_t legacy_record_version,
                                 Bytes fragment) {
  if (fragment.size() > max_plaintext_length) {
    return wire::fail(Alert::internal_error, "TLSPlaintext.fragment", "longer than 2^14");
  }
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(type), "TLSPlaintext.type");
  w.u16(legacy_record_version, "TLSPlaintext.legacy_record_version");
  w.vec16(fragment, "TLSPlaintext.fragment");
  return std::move(w).finish();
}

}  // namespace sanstls::native::record

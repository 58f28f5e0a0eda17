// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/record/handshake_reassembler.hpp"

namespace sanstls::native::record {

Status HandshakeReassembler::add(Bytes fragment) {
  // RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types, even
  // if those fragments contain padding."
  if (fragment.empty()) {
    return wire::fail(Alert::unexpected_message, "TLSPlaintext.fragment",
                      "zero-length handshake fragment");
  }
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
  buf_.insert(buf_.end(), fragment.begin(), fragment.end());
  return {};
}

Result<std::optional<std::vector<std::uint8_t>>> HandshakeReassembler::next() {
  wire::Reader r(Bytes(buf_).subspan(start_));
  if (r.remaining() < 4) {
    return std::optional<std::vector<std::uint8_t>>{};
  }
  WIRE_TRY(auto type, r.u8("Handshake.msg_type"));
  (void)type;
  WIRE_TRY(auto length, r.u24("Handshake.length"));
  if (length + 4U > max_message_) {
    return wire::fail(Alert::decode_error, "Handshake.length", "message larger than allowed");
  }
  if (r.remaining() < length) {
    return std::optional<std::vector<std::uint8_t>>{};
  }
  wire::Reader whole(Bytes(buf_).subspan(start_));
  WIRE_TRY(auto message, whole.bytes(4U + length, "Handshake"));
  std::vector<std::uint8_t> out(message.begin(), message.end());
  start_ += out.size();
  return std::optional<std::vector<std::uint8_t>>(std::move(out));
}

Status HandshakeReassembler::check_key_change() const {
  // RFC 8446 §5.1: "Implementations MUST verify that all messages immediately preceding a key
  // change align with a record boundary; if not, then they MUST terminate the connection with an
  // "unexpected_message" alert."
  if (start_ != buf_.size()) {
    return wire::fail(Alert::unexpected_message, "Handshake", "key change inside a message");
  }
  return {};
}

Status HandshakeReassembler::check_interleave(ContentType other) const {
  // RFC 8446 §5.1: "if a handshake message is split over two or more records, there MUST NOT be
  // any other records between them."
  if (other != ContentType::handshake && has_partial()) {
    return wire::fail(Alert::unexpected_message, "Handshake",
                      "other record inside a split handshake message");
  }
  return {};
}

}  // namespace sanstls::native::record

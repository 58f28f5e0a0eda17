// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/record/record_layer.hpp"

#include <algorithm>

namespace sanstls::native::record {

Result<std::optional<Inbound>> RecordReader::next() {
  for (;;) {
    WIRE_TRY(auto message, reassembler_.next());
    if (message) {
      return std::optional<Inbound>(
          Inbound{ContentType::handshake, std::move(*message), protection_.has_value()});
    }
    WIRE_TRY(auto rec, deframer_.next());
    if (!rec) {
      // Everything decodable is out: buffers that held the peer's flights (a certificate chain
      // can be many KiB) are freed rather than kept at their peak for the connection's life.
      deframer_.release_if_empty();
      reassembler_.release_if_empty();
      return std::optional<Inbound>{};
    }
    Inbound in;
    if (rec->type == ContentType::change_cipher_spec) {
      // RFC 8446 §5: a change_cipher_spec record is never protected; the handshake decides
      // whether this is the one compatibility record it drops.
      in = Inbound{rec->type, std::move(rec->fragment), false};
    } else if (protection12_) {
      // TLS 1.2: every record after the peer's ChangeCipherSpec is protected (RFC 5246 §6.1).
      WIRE_TRY(auto opened, protection12_->open(std::move(*rec)));
      in = Inbound{opened.type, std::move(opened.content), true};
    } else if (protection_ && rec->type == ContentType::alert && !peer_sent_protected_) {
      // A peer that failed on our hello before it could derive the handshake keys can only
      // alert in plaintext (RFC 8446 §6: alerts are encrypted "as specified by the current
      // connection state", and the peer's state has no keys yet). Accepted until the peer's
      // first protected record; a plaintext alert after that is refused below.
      in = Inbound{rec->type, std::move(rec->fragment), false};
    } else if (protection_) {
      WIRE_TRY(auto opened, protection_->open(std::move(*rec)));
      peer_sent_protected_ = true;
      in = Inbound{opened.type, std::move(opened.content), true};
    } else {
      if (rec->type == ContentType::application_data) {
        return wire::fail(Alert::unexpected_message, "TLSPlaintext.type",
                          "application data before keys");
      }
      in = Inbound{rec->type, std::move(rec->fragment), false};
    }
    WIRE_CHECK(reassembler_.check_interleave(in.type));
    switch (in.type) {
      case ContentType::handshake:
        WIRE_CHECK(reassembler_.add(in.data));
        continue;
      case ContentType::alert:
        // RFC 8446 §5.4: "Implementations MUST NOT send Handshake and Alert records that have a
        // zero-length TLSInnerPlaintext.content; if such a message is received, the receiving
        // implementation MUST terminate the connection with an "unexpected_message" alert."
        // (Empty handshake fragments: the reassembler.)
        if (in.was_protected && in.data.empty()) {
          return wire::fail(Alert::unexpected_message, "TLSInnerPlaintext.content",
                            "zero-length alert");
        }
        return std::optional<Inbound>(std::move(in));
      case ContentType::application_data:
      case ContentType::change_cipher_spec:
        return std::optional<Inbound>(std::move(in));
      default:
        // RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST
        // terminate the connection with an "unexpected_message" alert."
        return wire::fail(Alert::unexpected_message, "TLSInnerPlaintext.type",
                          "unknown content type");
    }
  }
}

Status RecordReader::set_protection(std::optional<Protection> protection) {
  WIRE_CHECK(reassembler_.check_key_change());
  protection_ = std::move(protection);
  return {};
}

Status RecordReader::set_protection12(Protection12 protection) {
  WIRE_CHECK(reassembler_.check_key_change());
  protection12_ = std::move(protection);
  return {};
}

Status RecordWriter::write(ContentType type, Bytes data, ByteVec& out) {
  const std::size_t max_fragment =
      protection12_ ? protection12_->max_content_length()
      : protection_ ? std::min(protection_->max_content_length(), max_plaintext_length)
                    : max_plaintext_length;
  wire::Reader r(data);
  // Zero-length application data records are legal; zero-length handshake or alert are not.
  do {
    WIRE_TRY(const Bytes fragment, r.bytes(std::min(max_fragment, r.remaining()), "fragment"));
    // RFC 8446 §5: change_cipher_spec records are never protected, even after keys are set.
    if (protection12_) {
      WIRE_CHECK(protection12_->seal_append(type, fragment, out));
    } else if (protection_ && type != ContentType::change_cipher_spec) {
      WIRE_CHECK(protection_->seal_append(type, fragment, 0, out));
    } else {
      WIRE_TRY(const auto rec, encode_plaintext(type, plaintext_version_, fragment));
      out.insert(out.end(), rec.begin(), rec.end());
    }
  } while (!r.empty());
  return {};
}

}  // namespace sanstls::native::record

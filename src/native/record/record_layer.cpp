// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/record/record_layer.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace sanstls::native::record {

Result<std::optional<Inbound>> RecordReader::read_unit(DataSink* direct, bool& skipped) {
  WIRE_TRY(auto rec, deframer_.next_view());
  if (!rec) {
    // Everything decodable is out: buffers that held the peer's flights (a certificate chain
    // can be many KiB) are freed rather than kept at their peak for the connection's life.
    deframer_.release_if_empty();
    reassembler_.release_if_empty();
    return std::optional<Inbound>{};
  }
  WIRE_CHECK(check_version(*rec));
  const auto copy = [](Bytes fragment) { return ByteVec(fragment.begin(), fragment.end()); };
  Inbound in;
  if (rec->type == ContentType::change_cipher_spec) {
    // RFC 8446 §5: a change_cipher_spec record is never protected; the handshake decides
    // whether this is the one compatibility record it drops.
    in = Inbound{rec->type, copy(rec->fragment), false};
  } else if (protection12_) {
    // TLS 1.2: every record after the peer's ChangeCipherSpec is protected (RFC 5246 §6.1).
    // (Decrypted in a copy of the record here; an established connection's application data
    // takes read_application_data()'s one pass.)
    WIRE_TRY(auto opened, protection12_->open(
                              Record{rec->type, rec->legacy_record_version, copy(rec->fragment)}));
    in = Inbound{opened.type, std::move(opened.content), true};
  } else if (protection_ && rec->type == ContentType::alert && !peer_sent_protected_) {
    // A peer that failed on our hello before it could derive the handshake keys can only
    // alert in plaintext (RFC 8446 §6: alerts are encrypted "as specified by the current
    // connection state", and the peer's state has no keys yet). Accepted until the peer's
    // first protected record; a plaintext alert after that is refused below.
    in = Inbound{rec->type, copy(rec->fragment), false};
  } else if (protection_ && skipping_early_data_ && rec->type == ContentType::application_data) {
    // RFC 8446 §4.2.10: a server that rejects early data "skip[s] past early data by attempting
    // to deprotect received records using the handshake traffic key, discarding records which
    // fail deprotection (up to the configured max_early_data_size). Once a record is
    // deprotected successfully, it is treated as the start of the client's second flight".
    auto opened =
        protection_->open(Record{rec->type, rec->legacy_record_version, copy(rec->fragment)});
    if (!opened) {
      WIRE_CHECK(skip(*rec));
      skipped = true;
      return std::optional<Inbound>{};
    }
    skipping_early_data_ = false;
    peer_sent_protected_ = true;
    in = Inbound{opened->type, std::move(opened->content), true};
  } else if (protection_) {
    // One pass from the received bytes to where the content goes: the caller's vector for
    // application data, a buffer of our own otherwise.
    ByteVec own;
    DataSink sink = direct != nullptr ? *direct : DataSink(own);
    const std::size_t before = sink.size();
    WIRE_TRY(const ContentType type, protection_->open_append(*rec, sink));
    peer_sent_protected_ = true;
    if (type == ContentType::application_data && direct != nullptr) {
      in = Inbound{type, {}, true, /*delivered=*/true};
    } else {
      if (direct != nullptr) {
        // Not application data after all (a post-handshake message or an alert): it moves
        // from the caller's vector to the unit.
        const auto content = sink.tail(before);
        own.assign(content.begin(), content.end());
        OPENSSL_cleanse(content.data(), content.size());
        sink.shrink(before);
      }
      in = Inbound{type, std::move(own), true};
    }
  } else {
    if (rec->type == ContentType::application_data && skipping_early_data_) {
      // RFC 8446 §4.2.10: after a HelloRetryRequest the server "MUST ... skip all records with
      // an external content type of "application_data" (indicating that they are encrypted),
      // up to the configured max_early_data_size".
      WIRE_CHECK(skip(*rec));
      skipped = true;
      return std::optional<Inbound>{};
    }
    if (rec->type == ContentType::application_data) {
      return wire::fail(Alert::unexpected_message, "TLSPlaintext.type",
                        "application data before keys");
    }
    in = Inbound{rec->type, copy(rec->fragment), false};
  }
  return std::optional<Inbound>(std::move(in));
}

Status RecordReader::check_version(const RecordView& rec) const {
  // RFC 5246 §6.2.1: "version: The version of the protocol being employed"; Appendix E.1:
  // after the ServerHello, records carry the negotiated version (only the ClientHello's record
  // may say {03,00} to {03,03}). OpenSSL refuses another with protocol_version ("wrong version
  // number"). Encrypted records would fail their MAC anyway (the version is in the additional
  // data, RFC 5246 §6.2.3.3); plaintext ones would pass unnoticed.
  if (required_version_ && rec.legacy_record_version != *required_version_) {
    return tl::unexpected<Error>(
        Error{Alert::protocol_version, "TLSPlaintext.legacy_record_version",
              "not the negotiated version", wire::Refusal::wrong_record_version});
  }
  return {};
}

Result<RecordReader::DataRun> RecordReader::read_application_data(DataSink sink) {
  DataRun run;
  // Only where next() would hand such a record on as it is: read keys installed (TLS 1.3's
  // after the peer's first protected record, so a plaintext alert is next()'s to judge), no
  // handshake message in progress (check_interleave), nothing held, no early data skipped.
  const bool keyed = protection12_.has_value() || (protection_ && peer_sent_protected_);
  if (!keyed || held_ || skipping_early_data_ || reassembler_.has_partial()) return run;
  while (deframer_.next_is(ContentType::application_data)) {
    WIRE_TRY(auto rec, deframer_.next_view());
    if (!rec) break;  // incomplete
    WIRE_CHECK(check_version(*rec));
    if (protection12_) {
      // TLS 1.2: the outer type is the content's (authenticated as additional data).
      WIRE_CHECK(protection12_->open_append(*rec, sink));
    } else {
      const std::size_t before = sink.size();
      WIRE_TRY(const ContentType type, protection_->open_append(*rec, sink));
      if (type != ContentType::application_data) {
        // A post-handshake message or an alert: it moves from the caller's vector to a unit of
        // its own, which next() checks and returns as it would have read it.
        const auto content = sink.tail(before);
        ByteVec own(content.begin(), content.end());
        OPENSSL_cleanse(content.data(), content.size());
        sink.shrink(before);
        held_ = Inbound{type, std::move(own), true};
        return run;
      }
    }
    ++run.records;
  }
  if (deframer_.buffered() == 0) {
    // As next() does when the input is used up.
    deframer_.release_if_empty();
    reassembler_.release_if_empty();
    run.drained = true;
  }
  return run;
}

Result<std::optional<Inbound>> RecordReader::next(DataSink* direct) {
  for (;;) {
    WIRE_TRY(auto message, reassembler_.next());
    if (message) {
      return std::optional<Inbound>(
          Inbound{ContentType::handshake, std::move(*message), protection_.has_value()});
    }
    Inbound in;
    if (held_) {
      in = std::move(*held_);
      held_.reset();
    } else {
      bool skipped = false;
      WIRE_TRY(auto unit, read_unit(direct, skipped));
      if (skipped) continue;
      if (!unit) return std::optional<Inbound>{};
      in = std::move(*unit);
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

Status RecordReader::skip(const RecordView& rec) {
  // The inner plaintext is the ciphertext less the tag (a record shorter than a tag counts 0).
  const std::size_t length = rec.fragment.size() > crypto::aead_tag_length
                                 ? rec.fragment.size() - crypto::aead_tag_length
                                 : 0;
  early_data_skipped_ += length;
  // RFC 8446 §4.6.1: "A server receiving more than max_early_data_size bytes of 0-RTT data
  // SHOULD terminate the connection with an "unexpected_message" alert." Beyond the limit, a
  // record that does not decrypt is not early data we may skip.
  if (early_data_skipped_ > early_data_skip_limit_) {
    return wire::fail(Alert::unexpected_message, "early data",
                      "more skipped than max_early_data_size");
  }
  return {};
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
  return write_to(type, data, out);
}

Status RecordWriter::write(ContentType type, Bytes data, std::vector<std::byte>& out) {
  return write_to(type, data, out);
}

Status RecordWriter::write(ContentType type, Bytes data, base::OutputBuffer& out) {
  return write_to(type, data, out);
}

template <class Vec>
Status RecordWriter::write_to(ContentType type, Bytes data, Vec& out) {
  const std::size_t max_fragment =
      protection12_ ? protection12_->max_content_length()
      : protection_ ? std::min(protection_->max_content_length(), max_plaintext_length)
                    : max_plaintext_length;
  if (has_protection() && type != ContentType::change_cipher_spec) {
    // Room for every record at once: one allocation (or none) however many records follow.
    // (TLS 1.2's records are no larger: an 8-byte explicit nonce for TLS 1.3's type byte and
    // padding allowance below.)
    constexpr std::size_t per_record = Protection::sealed_record_size(0, 8);
    static_assert(per_record >= record_header_length + 8 + crypto::aead_tag_length);
    const std::size_t records = data.empty() ? 1 : (data.size() + max_fragment - 1) / max_fragment;
    const std::size_t need = out.size() + data.size() + records * per_record;
    if (need > out.capacity()) out.reserve(std::max(need, 2 * out.capacity()));
  }
  // Our own bytes cut into fragments (not parsed: no Reader needed). Zero-length application
  // data records are legal; zero-length handshake or alert are not.
  Bytes rest = data;
  do {
    const Bytes fragment = rest.first(std::min(max_fragment, rest.size()));
    rest = rest.subspan(fragment.size());
    // RFC 8446 §5: change_cipher_spec records are never protected, even after keys are set.
    if (protection12_) {
      WIRE_CHECK(protection12_->seal_append(type, fragment, out));
    } else if (protection_ && type != ContentType::change_cipher_spec) {
      WIRE_CHECK(protection_->seal_append(type, fragment, 0, out));
    } else {
      WIRE_TRY(const auto rec, encode_plaintext(type, plaintext_version_, fragment));
      const auto* first = reinterpret_cast<const typename Vec::value_type*>(rec.data());
      out.insert(out.end(), first, first + rec.size());
    }
  } while (!rest.empty());
  return {};
}

}  // namespace sanstls::native::record

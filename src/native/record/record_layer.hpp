// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The record layer of one connection: incoming bytes to messages (deframe, decrypt, reassemble)
// and outgoing messages to records (fragment, encrypt), with the key changes in between.

#include "native/record/handshake_reassembler.hpp"
#include "native/record/protection.hpp"
#include "native/record/protection12.hpp"
#include "native/record/record.hpp"

#include <optional>

namespace sanstls::native::record {

/// What the peer sent, one unit at a time.
struct Inbound {
  ContentType type = ContentType::invalid;
  /// A complete handshake message (header included), a 2-byte alert, application data, or the
  /// change_cipher_spec byte.
  ByteVec data;
  /// Whether it arrived under record protection.
  bool was_protected = false;
};

class RecordReader {
 public:
  void feed(Bytes data) { deframer_.feed(data); }
  /// The next unit, nothing when more input is needed, or the error to alert with.
  Result<std::optional<Inbound>> next();
  /// Installs new read keys (or none). Fails if a handshake message is split across the change.
  Status set_protection(std::optional<Protection> protection);
  /// TLS 1.2: installs the read keys after the peer's ChangeCipherSpec (RFC 5246 §7.1). Fails
  /// if a handshake message is split across the change.
  Status set_protection12(Protection12 protection);
  [[nodiscard]] bool has_partial_handshake() const noexcept { return reassembler_.has_partial(); }

 private:
  Deframer deframer_;
  HandshakeReassembler reassembler_;
  std::optional<Protection> protection_;
  std::optional<Protection12> protection12_;
  /// Whether the peer has sent a record under protection yet (see next()).
  bool peer_sent_protected_ = false;
};

class RecordWriter {
 public:
  /// Appends records carrying `data` of `type` to `out`, split into fragments of at most the
  /// allowed size (2^14, or the peer's record_size_limit less the content type).
  Status write(ContentType type, Bytes data, ByteVec& out);
  /// Installs new write keys (or none).
  void set_protection(std::optional<Protection> protection) { protection_ = std::move(protection); }
  /// TLS 1.2: installs the write keys after our ChangeCipherSpec (RFC 5246 §7.1).
  void set_protection12(Protection12 protection) { protection12_ = std::move(protection); }
  [[nodiscard]] bool has_protection() const noexcept {
    return protection_.has_value() || protection12_.has_value();
  }
  /// The legacy_record_version of plaintext records: 0x0301 for an initial ClientHello
  /// (RFC 8446 §5.1 allows it for compatibility), 0x0303 otherwise.
  void set_plaintext_version(std::uint16_t version) { plaintext_version_ = version; }

 private:
  std::optional<Protection> protection_;
  std::optional<Protection12> protection12_;
  std::uint16_t plaintext_version_ = tls12_version;
};

}  // namespace sanstls::native::record

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
  /// Application data already appended to the DataSink given to RecordReader::next() (`data`
  /// is then empty).
  bool delivered = false;
};

class RecordReader {
 public:
  void feed(Bytes data) { deframer_.feed(data); }
  /// feed() without a copy: the caller must call retain() before `data` goes away (see
  /// Deframer::lend).
  void lend(Bytes data) { deframer_.lend(data); }
  /// Copies what is left of lent input (an incomplete record) into the reader's own buffer.
  void retain() { deframer_.retain(); }
  /// The next unit, nothing when more input is needed, or the error to alert with. With a
  /// `direct` sink, protected application data is decrypted straight onto its end and returned
  /// as delivered (only pass one once application data is acceptable).
  Result<std::optional<Inbound>> next(DataSink* direct = nullptr);

  /// What read_application_data() did.
  struct DataRun {
    /// Protected application_data records whose content went to the sink (empty ones too).
    std::size_t records = 0;
    /// Every input byte was consumed: next() would return nothing.
    bool drained = false;
  };
  /// The established connection's fast path, for a caller that accepts application data as it
  /// comes (the handshake is complete and no early data is being read): decrypts the complete
  /// protected application_data records at the front of the input straight onto the end of
  /// `sink`, one pass each, with the checks next() applies to them. Stops at anything else and
  /// leaves it to next(): a record of another outer type, an incomplete record, or one whose
  /// content is not application data after all (TLS 1.3's inner type: a KeyUpdate,
  /// NewSessionTicket or alert, held in decrypted form and returned by next() first). Does
  /// nothing while a handshake message is incomplete or early data is skipped.
  Result<DataRun> read_application_data(DataSink sink);
  /// Installs new read keys (or none). Fails if a handshake message is split across the change.
  Status set_protection(std::optional<Protection> protection);
  /// TLS 1.2: installs the read keys after the peer's ChangeCipherSpec (RFC 5246 §7.1). Fails
  /// if a handshake message is split across the change.
  Status set_protection12(Protection12 protection);
  [[nodiscard]] bool has_partial_handshake() const noexcept { return reassembler_.has_partial(); }
  /// TLS 1.2, once the version is negotiated: every later record must carry `version` in its
  /// header (RFC 5246 §6.2.1, Appendix E.1), else protocol_version. Never set for TLS 1.3,
  /// whose legacy_record_version "MUST be ignored for all purposes" (RFC 8446 §5.1).
  void require_record_version(std::uint16_t version) noexcept { required_version_ = version; }
  /// Server that rejected the client's 0-RTT offer (RFC 8446 §4.2.10): from now on, skip early
  /// data records, at most `limit` bytes of them in total: application_data records while no
  /// read keys are installed (after a HelloRetryRequest), and protected records that fail to
  /// decrypt. The first record that decrypts ends the skipping; more than `limit` bytes is
  /// unexpected_message.
  void skip_early_data(std::size_t limit) noexcept {
    skipping_early_data_ = true;
    early_data_skip_limit_ = limit;
    early_data_skipped_ = 0;
  }
  [[nodiscard]] bool skipping_early_data() const noexcept { return skipping_early_data_; }
  /// Bytes of early data skipped so far (ciphertext less the AEAD tag).
  [[nodiscard]] std::size_t early_data_skipped() const noexcept { return early_data_skipped_; }

 private:
  /// Counts one skipped record against the limit.
  Status skip(const RecordView& rec);
  /// TLS 1.2: the record carries the negotiated version (see require_record_version).
  Status check_version(const RecordView& rec) const;
  /// The next unit from the input: a record, decrypted or not (next() checks what it carries).
  /// Nothing when more input is needed; `skipped` when a record was skipped as early data.
  Result<std::optional<Inbound>> read_unit(DataSink* direct, bool& skipped);

  Deframer deframer_;
  HandshakeReassembler reassembler_;
  std::optional<Protection> protection_;
  std::optional<Protection12> protection12_;
  /// Whether the peer has sent a record under protection yet (see next()).
  bool peer_sent_protected_ = false;
  std::optional<std::uint16_t> required_version_;
  bool skipping_early_data_ = false;
  std::size_t early_data_skip_limit_ = 0;
  std::size_t early_data_skipped_ = 0;
  /// A unit read_application_data() decrypted but does not deliver itself (next() returns it).
  std::optional<Inbound> held_;
};

class RecordWriter {
 public:
  /// Appends records carrying `data` of `type` to `out`, split into fragments of at most the
  /// allowed size (2^14, or the peer's record_size_limit less the content type).
  Status write(ContentType type, Bytes data, ByteVec& out);
  /// The same into a vector of std::byte (the core's output buffer): records are sealed in
  /// place there, with no intermediate buffer.
  Status write(ContentType type, Bytes data, std::vector<std::byte>& out);
  /// The same into the core's output buffer (large records sealed from `data` in one pass).
  Status write(ContentType type, Bytes data, base::OutputBuffer& out);
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
  template <class Vec>
  Status write_to(ContentType type, Bytes data, Vec& out);

  std::optional<Protection> protection_;
  std::optional<Protection12> protection12_;
  std::uint16_t plaintext_version_ = tls12_version;
};

}  // namespace sanstls::native::record

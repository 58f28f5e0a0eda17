// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Resource limits every session enforces, whatever its engine (docs/limits.md). A peer that
// reaches one gets a clear Errc::limit_exceeded error and a closed session, never unbounded
// memory or CPU.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace sanstls::core::limits {

/// The largest record a peer may send: a 5-byte header and at most 2^14 + 2048 bytes of
/// ciphertext (RFC 5246 §6.2.3; TLS 1.3 allows only 2^14 + 256, RFC 8446 §5.2).
inline constexpr std::size_t max_record_body = 16384 + 2048;
inline constexpr std::size_t max_record_size = 5 + max_record_body;
/// Input a session keeps between receive_data() calls: at most one incomplete record.
inline constexpr std::size_t max_buffered_input = max_record_size;
/// Everything the peer may send before the handshake completes (all its flights, however
/// they are split into records). Bounds a handshake message that never completes, floods of
/// tiny records or warning alerts during the handshake, and oversized hellos. Real handshakes
/// need a few KiB; a 16-certificate chain of RSA-4096 certificates is about 40 KiB.
inline constexpr std::size_t max_handshake_input = 256 * 1024;
/// The largest first handshake message (ClientHello, ServerHello) a peer may announce:
/// OpenSSL's ClientHello limit (CLIENT_HELLO_MAX_LENGTH), applied to every engine.
inline constexpr std::size_t max_hello_size = 131396;
/// Records in a row, once established, that carry no application data (empty records,
/// warning alerts, KeyUpdate, NewSessionTicket, HelloRequest, renegotiation attempts...).
inline constexpr std::size_t max_records_without_data = 256;
/// Bytes in a row, once established, that carry no application data. Bounds what an engine
/// buffers of a post-handshake message that never completes (GnuTLS has no bound of its own)
/// and floods of padded empty records; a real NewSessionTicket is a few hundred bytes.
inline constexpr std::size_t max_input_without_data = 256 * 1024;
/// Bytes one receive_data() call may make the session send (handshake flights, KeyUpdate
/// answers, alerts).
inline constexpr std::size_t max_output_per_receive = 256 * 1024;
/// Automatic key changes (RFC 8446 §5.5: "AES-GCM ... up to 2^24.5 full-size records ... may
/// be encrypted on a given connection while keeping a safety margin of approximately 2^-57";
/// implementations "MUST NOT attempt to encrypt more than" the limits). Every TLS 1.3 session
/// sends a KeyUpdate of its own (update_not_requested) after this many records under one
/// sending key, whatever the suite (ChaCha20-Poly1305's limit is far higher: one interval
/// for all keeps it simple and still bounded).
inline constexpr std::uint64_t key_update_interval_records = std::uint64_t{1} << 23U;
/// After receiving this many records since we last asked, a TLS 1.3 session asks the peer to
/// change its keys too (update_requested): a peer that never updates on its own (OpenSSL 3.0)
/// still changes keys within 2^24 records. Twice the sending interval, so a peer that updates on
/// its own schedule (another sanstls) is rarely asked; asked and answered updates never cross
/// with a request of ours, which GnuTLS 3.7 would refuse.
inline constexpr std::uint64_t key_update_request_factor = 2;
/// TLS 1.2 cannot change keys: an AES-GCM session refuses to send more than
/// key_update_request_factor × key_update_interval_records (2^24, below 2^24.5) records under
/// its one key and asks the application to reconnect.
/// Application data written before the handshake completed (Session::write_data() right after
/// start()), queued until it does; more is Errc::limit_exceeded (docs/limits.md).
inline constexpr std::size_t max_queued_before_handshake = 64 * 1024;
/// The largest output buffer a session keeps between write_data() calls (SessionCore::flush):
/// small writes then reuse one buffer instead of allocating one per call, while a session that
/// wrote large amounts holds no more than this once idle (and one that only handshook, none).
inline constexpr std::size_t max_kept_output_buffer = 4096;
/// The peer's certificate chain as presented: certificates, and their total DER size.
inline constexpr std::size_t max_peer_chain_certificates = 32;
inline constexpr std::size_t max_peer_chain_bytes = 128 * 1024;

// ---- Resumption and 0-RTT (docs/limits.md) ----
/// ServerOptions::session_tickets: NewSessionTicket messages per handshake.
inline constexpr std::uint8_t max_session_tickets = 8;
/// EarlyDataOptions::max_size: bytes of 0-RTT data a ticket allows.
inline constexpr std::uint32_t max_early_data_size = 1024 * 1024;
/// EarlyDataOptions::replay_register_entries: ticket identities remembered per configuration.
inline constexpr std::size_t max_replay_register_entries = 1024 * 1024;
/// A server's ticket context (core-owned part of a ticket: identity, SNI, ALPN, peer chain).
inline constexpr std::size_t max_ticket_context = 8 + 256 + 256 + max_peer_chain_bytes + 64;
/// Revoked session identities a server configuration remembers (sessions that ended in a
/// fatal alert or a truncation); past it, every ticket issued before the oldest forgotten one is
/// refused too (never a resumption of a revoked session).
inline constexpr std::size_t max_revoked_sessions = 65536;
/// Stored sessions a client takes out of its store per handshake looking for a usable one
/// (unusable ones, of another engine or configuration, are dropped).
inline constexpr std::size_t max_stored_sessions_tried = 4;
/// RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)";
/// clients cap what they are told at it too.
inline constexpr std::chrono::seconds max_ticket_lifetime{604800};
/// A client's stored session (core envelope + engine state).
inline constexpr std::size_t max_stored_session = 16 + 256 + 256 + max_peer_chain_bytes + 16384;

/// Follows the record framing of the peer's byte stream (headers only, O(1) memory) so the
/// core can count records whatever engine decrypts them.
class RecordCounter {
 public:
  /// Consumes bytes; returns how many records they completed.
  std::size_t feed(std::span<const std::byte> bytes) {
    std::size_t complete = 0;
    while (!bytes.empty()) {
      if (header_size_ < header_.size()) {
        // A whole header at once when it is there (the common case: the record starts the
        // input), else byte by byte across calls.
        if (header_size_ == 0 && bytes.size() >= header_.size()) {
          std::memcpy(header_.data(), bytes.data(), header_.size());
          header_size_ = header_.size();
          bytes = bytes.subspan(header_.size());
        } else {
          header_[header_size_++] = static_cast<std::uint8_t>(bytes.front());
          bytes = bytes.subspan(1);
        }
        if (header_size_ == header_.size()) {
          body_left_ = static_cast<std::size_t>((header_[3] << 8U) | header_[4]);
          if (body_left_ > max_record_body) oversized_ = true;
        }
      } else {
        const std::size_t n = body_left_ < bytes.size() ? body_left_ : bytes.size();
        if (header_[0] == handshake_type) {
          for (std::size_t i = 0; i < n && hello_size_ < hello_header_.size(); ++i) {
            hello_header_[hello_size_++] = static_cast<std::uint8_t>(bytes[i]);
          }
        }
        body_left_ -= n;
        bytes = bytes.subspan(n);
      }
      if (header_size_ == header_.size() && body_left_ == 0) {
        ++complete;
        header_size_ = 0;
      }
    }
    return complete;
  }
  /// A record header announced more than max_record_body bytes.
  [[nodiscard]] bool oversized() const { return oversized_; }
  /// The length the peer's first handshake message announces (0 until its header arrived).
  [[nodiscard]] std::size_t first_message_length() const {
    if (hello_size_ < 4) return 0;
    return (std::size_t{hello_header_[1]} << 16U) | (std::size_t{hello_header_[2]} << 8U) |
           hello_header_[3];
  }
  /// The type of the peer's first handshake message (0 until it arrived; 0 is also
  /// HelloRequest, which no peer sends first).
  [[nodiscard]] std::uint8_t first_message_type() const {
    return hello_size_ == 0 ? 0 : hello_header_[0];
  }
  /// The two bytes after the first handshake message's header: a hello's legacy_version
  /// (nothing until they arrived).
  [[nodiscard]] std::optional<std::uint16_t> first_message_version() const {
    if (hello_size_ < hello_header_.size()) return std::nullopt;
    return static_cast<std::uint16_t>((hello_header_[4] << 8U) | hello_header_[5]);
  }

 private:
  static constexpr std::uint8_t handshake_type = 22;
  std::array<std::uint8_t, 5> header_{};
  std::size_t header_size_ = 0;
  std::size_t body_left_ = 0;
  bool oversized_ = false;
  /// Handshake header (4) and legacy_version (2) of the first handshake message.
  std::array<std::uint8_t, 6> hello_header_{};
  std::size_t hello_size_ = 0;
};

}  // namespace sanstls::core::limits

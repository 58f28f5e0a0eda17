// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The first handshake message a peer sends (ClientHello or ServerHello), read from the raw
// record stream before GnuTLS sees it.
//
// The GnuTLS engine needs what GnuTLS cannot give it at the right moment:
//  - the SNI name before certificate selection, so that a certificate store may answer later
//    (GnuTLS's post-client-hello hook cannot suspend certificate selection: GnuTLS selects the
//    cipher suite and the certificate in the same call, right after the hook returns);
//  - the versions and extensions the peer offered, so that the engine refuses forbidden
//    versions and a missing extended master secret with the same error as the other engines
//    (core::forbidden_versions_error), before any certificate store is bothered.
// Nothing here is trusted for security: when the bytes are not a readable hello, the engine
// simply lets GnuTLS process them and report its own error.

#include <sanstls/error.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sanstls::gnutls_backend {

/// What a ClientHello or ServerHello says about versions, suites and the server name.
struct HelloSummary {
  /// ClientHello: the versions offered (supported_versions, or every version up to
  /// legacy_version when that extension is absent), GREASE removed. ServerHello: the one
  /// version chosen.
  std::vector<std::uint16_t> versions;
  /// ClientHello: the offered cipher suites (GREASE removed); ServerHello: the chosen one.
  std::vector<std::uint16_t> cipher_suites;
  /// ClientHello: the SNI host_name, lower-cased; empty when there is none.
  std::string server_name;
  /// Whether extended_master_secret (RFC 7627) is offered (ClientHello) or accepted
  /// (ServerHello).
  bool extended_master_secret = false;
  /// ClientHello: the signature_algorithms extension (RFC 8446 §4.2.3), if present.
  std::optional<std::vector<std::uint16_t>> signature_algorithms;
  /// ClientHello: the refusal of a key_share extension holding an empty share
  /// (core::refuse_empty_key_share).
  std::optional<Error> empty_key_share;
  /// ClientHello: the first PskIdentity of pre_shared_key (RFC 8446 §4.2.11), with its
  /// obfuscated_ticket_age; or the RFC 5077 session_ticket extension's ticket (age 0).
  std::vector<std::uint8_t> ticket;
  std::uint32_t obfuscated_ticket_age = 0;
  /// `ticket` is a TLS 1.3 PskIdentity (else an RFC 5077 ticket).
  bool ticket_is_psk = false;
  /// ClientHello: psk_key_exchange_modes offers psk_dhe_ke (RFC 8446 §4.2.9).
  bool psk_dhe_ke = false;
  /// ClientHello: the early_data extension (RFC 8446 §4.2.10) is present.
  bool early_data = false;
};

/// Collects the peer's first bytes until its first handshake message is complete.
class HelloSniffer {
 public:
  enum class Status { need_more, complete, not_a_hello };

  /// `client_hello`: expect a ClientHello (server side) or a ServerHello (client side).
  explicit HelloSniffer(bool client_hello) : client_hello_(client_hello) {}

  /// Adds received bytes; returns where the sniffer stands. Once complete or not_a_hello,
  /// further bytes are ignored (and nothing more is copied).
  Status feed(std::span<const std::byte> bytes);
  [[nodiscard]] Status status() const { return status_; }
  /// The summary once status() is complete.
  [[nodiscard]] const std::optional<HelloSummary>& summary() const { return summary_; }

 private:
  Status parse();

  bool client_hello_;
  Status status_ = Status::need_more;
  std::vector<std::uint8_t> raw_;
  std::optional<HelloSummary> summary_;
};

/// Follows the record boundaries of the peer's byte stream during the handshake and notes a
/// plaintext alert record. A TLS 1.3 peer that fails before it switched its write keys (OpenSSL
/// does, for example when it rejects our certificate) sends its alert in plaintext, which GnuTLS
/// then reports as a decryption failure; the engine reports the alert instead, as the OpenSSL
/// engine does.
class PlaintextAlertWatch {
 public:
  void feed(std::span<const std::byte> bytes);
  /// The description of the last plaintext alert record seen, if any.
  [[nodiscard]] std::optional<std::uint8_t> alert() const { return alert_; }

 private:
  std::uint8_t header_[5] = {};
  std::size_t header_size_ = 0;
  std::size_t body_left_ = 0;
  bool alert_record_ = false;
  std::uint8_t alert_body_[2] = {};
  std::size_t alert_body_size_ = 0;
  std::optional<std::uint8_t> alert_;
};

/// Parses a ClientHello handshake message (with its 4-byte header). std::nullopt if malformed.
std::optional<HelloSummary> parse_client_hello(std::span<const std::uint8_t> message);
/// Parses a ServerHello handshake message (with its 4-byte header). std::nullopt if malformed.
std::optional<HelloSummary> parse_server_hello(std::span<const std::uint8_t> message);

}  // namespace sanstls::gnutls_backend

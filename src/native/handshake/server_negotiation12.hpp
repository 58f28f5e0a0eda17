// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// TLS 1.2 ClientHello negotiation for the server (RFC 5246 with the sanstls policy): ECDHE +
// AEAD suites that fit the certificate's key, the extended master secret required (RFC 7627),
// RFC 5746 signalling read (never renegotiation), SNI, ALPN and record_size_limit as in TLS 1.3.
// Which version a ClientHello negotiates is decided once, by negotiate_version()
// (server_negotiation.hpp).

#include "native/handshake/server_states.hpp"
#include "native/key_schedule12.hpp"

namespace sanstls::native::handshake::server {

/// RFC 5746 §3.3: TLS_EMPTY_RENEGOTIATION_INFO_SCSV.
inline constexpr std::uint16_t empty_renegotiation_info_scsv = 0x00ff;
/// RFC 7507 §2: TLS_FALLBACK_SCSV.
inline constexpr std::uint16_t fallback_scsv = 0x5600;

/// The outcome of negotiating a TLS 1.2 ClientHello before the certificate is chosen.
struct Negotiation12 {
  std::array<std::uint8_t, 32> client_random{};
  ByteVec legacy_session_id;
  /// The client's suites that we implement, in our preference order (not yet narrowed to the
  /// certificate's key type).
  std::vector<CipherSuite> candidate_suites;
  /// The client's signature_algorithms (RFC 5246 §7.4.1.4.1), in its order.
  std::vector<SignatureScheme> client_signature_schemes;
  /// The ECDHE group: our first that the client lists (RFC 8422 §5.1.1).
  NamedGroup group{};
  std::optional<std::string> server_name;
  std::optional<std::string> alpn;
  std::optional<std::uint16_t> client_record_size_limit;
  /// The client signalled RFC 5746 (renegotiation_info or the SCSV): our ServerHello then
  /// carries an empty renegotiation_info (§3.6).
  bool secure_renegotiation = false;
  /// The client's session_ticket extension (RFC 5077 §3.2): empty when it asks for a ticket,
  /// the ticket it offers otherwise; nullopt when absent.
  std::optional<ByteVec> session_ticket;
};

/// Everything about a TLS 1.2 ClientHello except what depends on the certificate.
Result<Negotiation12> negotiate12(const msgs::ClientHello& ch, const Context& ctx);

/// What the certificate's key decides: the suite (our preference among the candidates whose
/// authentication fits the key) and the ServerKeyExchange signature scheme (the client's
/// preference among the schemes the key supports; never SHA-1).
struct KeyChoice12 {
  CipherSuite suite{};
  tls12::Suite12Params params{};
  SignatureScheme scheme{};
};
Result<KeyChoice12> choose_for_key12(const Negotiation12& n, const crypto::SigningKey& key);

}  // namespace sanstls::native::handshake::server

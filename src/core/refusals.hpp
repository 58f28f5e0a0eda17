// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The errors every engine reports for the same refusal, written once. Engines decide *when*
// a refusal applies (each library signals it differently); the wording, code, problem and
// alert come from here, so the same failure reads the same on every engine.

#include <sanstls/error.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::core::refusals {

/// The peer sent a fatal alert.
Error alert_received(Alert alert);
/// No AEAD suite in common (alert handshake_failure).
Error no_shared_cipher_suite();
/// A server chose a suite we did not offer (RFC 8446 §4.1.3: illegal_parameter).
Error unoffered_cipher_suite();
/// No key-exchange group in common (handshake_failure).
Error no_shared_group();
/// No signature algorithm in common (handshake_failure).
Error no_shared_signature_algorithm();
/// Server side: the client's ALPN list and ours do not overlap (RFC 7301 §3.2).
Error no_shared_application_protocol(const std::vector<std::string>& ours);
/// Client side: the server selected an ALPN protocol we did not offer, or none it should have.
Error server_chose_no_offered_protocol();
/// The peer sent no secure renegotiation indication (RFC 5746). Clients require it from TLS 1.2
/// servers (RFC 5746 §4.1); servers accept clients without it and never renegotiate (§4.4).
Error no_secure_renegotiation(bool peer_is_server);
/// Server side, required client authentication and no certificate (RFC 8446 §4.4.2.4 in
/// TLS 1.3: certificate_required; RFC 5246 §7.4.6 in TLS 1.2: handshake_failure).
Error missing_client_certificate(bool tls13);
/// Client side: the server sent no certificate.
Error missing_server_certificate();
/// TLS 1.2 without the extended master secret (RFC 7627), from the peer's side.
Error no_extended_master_secret(bool peer_is_server);
/// The certificate store has no chain for this SNI name (RFC 6066 §3: unrecognized_name).
Error no_certificate_for_name(std::string_view server_name);
/// The peer tried to renegotiate: a ClientHello after the handshake (peer_is_client) or a
/// HelloRequest. sanstls never renegotiates. In TLS 1.2 every engine answers with the
/// no_renegotiation alert, which RFC 5246 §7.2.2 makes a warning, and ends the session; in
/// TLS 1.3 the message is simply unexpected (RFC 8446 §4: unexpected_message).
Error renegotiation_refused(bool peer_is_client, bool tls13);
/// A record whose version field is not the negotiated version (RFC 5246 §6.2.1, Appendix E.1:
/// after the hellos, TLS 1.2 records carry {3,3}); the protocol_version alert is sent.
Error wrong_record_version();
/// Bytes from the peer that break TLS in a way no shared refusal names, described by the alert
/// the engine sends for them (RFC 8446 §6.2) instead of a library's own error text.
Error invalid_tls_data(std::optional<Alert> alert);
/// A flood cut off by an engine's own limit (limit_exceeded): "the peer sent too many {what}
/// in a row". `alert` is what the engine sent.
Error too_many_in_a_row(std::string_view what, std::optional<Alert> alert);
/// A handshake message longer than the engine accepts (limit_exceeded).
Error handshake_message_too_large(std::optional<Alert> alert);
/// A peer certificate that does not parse (position is 1-based).
Error malformed_peer_certificate(std::size_t position, std::string_view detail);

}  // namespace sanstls::core::refusals

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The error every wire-level and native-engine failure carries: which field failed, why, and the
// alert the engine must send. Field and reason are string literals, so failing never allocates.

#include <sanstls/error.hpp>

#include <tl/expected.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace sanstls::wire {

/// The refusals every engine words the same way (core/refusals.hpp). A native state machine tags
/// its Error with one so that the engine adapter reports it exactly as the OpenSSL and GnuTLS
/// engines do; `none` for everything else (the adapter then reports field and reason).
enum class Refusal : std::uint8_t {
  none,
  no_shared_cipher_suite,
  unoffered_cipher_suite,
  no_shared_group,
  no_shared_signature_algorithm,
  no_shared_application_protocol,    // server: the client's ALPN list and ours do not overlap
  server_chose_no_offered_protocol,  // client: ALPN answer we did not offer (or none allowed)
  missing_client_certificate,        // server: required client certificate not sent
  missing_server_certificate,        // client: server sent no certificate
  no_certificate_for_name,           // server: the certificate store declined the SNI name
  peer_chain_refused,  // the verify_chain callback failed: the adapter holds the full error
  forbidden_versions,  // the peer offered/chose only versions older than TLS 1.2
  tls12_only_peer,     // the peer speaks TLS 1.2 at most; this engine does TLS 1.3 only
  missing_extended_master_secret,  // TLS 1.2 peer without RFC 7627
  missing_renegotiation_info,      // TLS 1.2 server without RFC 5746 signalling
  renegotiation_attempt,           // a HelloRequest (TLS 1.2): we never renegotiate
  inappropriate_fallback,          // RFC 7507: TLS_FALLBACK_SCSV from a client we would give more
  wrong_record_version,            // TLS 1.2: a record after the hellos that is not {3,3}
};

/// A parse, encode or protocol failure. `field` names the wire field ("ClientHello.cipher_suites")
/// and `reason` says what was wrong with it; both point to string literals (static storage).
struct Error {
  Alert alert = Alert::decode_error;
  std::string_view field;
  std::string_view reason;
  Refusal refusal = Refusal::none;

  /// "decode_error: ClientHello.cipher_suites: truncated".
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const Error&, const Error&) = default;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

/// Shorthand for returning a failure from a function that returns Result<T>.
inline tl::unexpected<Error> fail(Alert alert, std::string_view field, std::string_view reason) {
  return tl::unexpected<Error>(Error{alert, field, reason});
}
/// A failure that is one of the shared refusals (see Refusal).
inline tl::unexpected<Error> refuse(Alert alert, Refusal refusal, std::string_view field,
                                    std::string_view reason) {
  return tl::unexpected<Error>(Error{alert, field, reason, refusal});
}
inline tl::unexpected<Error> decode_error(std::string_view field, std::string_view reason) {
  return fail(Alert::decode_error, field, reason);
}
inline tl::unexpected<Error> illegal_parameter(std::string_view field, std::string_view reason) {
  return fail(Alert::illegal_parameter, field, reason);
}

}  // namespace sanstls::wire

#define WIRE_CAT_IMPL(a, b) a##b
#define WIRE_CAT(a, b) WIRE_CAT_IMPL(a, b)
#define WIRE_TRY_IMPL(tmp, lhs, expr)                             \
  auto tmp = (expr);                                              \
  if (!tmp) {                                                     \
    return ::tl::unexpected<::sanstls::wire::Error>(tmp.error()); \
  }                                                               \
  lhs = std::move(*tmp)
/// `WIRE_TRY(auto x, reader.u16("field"));` — evaluates, returns the error upward on failure.
#define WIRE_TRY(lhs, expr) WIRE_TRY_IMPL(WIRE_CAT(wire_try_, __LINE__), lhs, expr)
/// `WIRE_CHECK(reader.expect_end("field"));` — for Status-returning calls.
#define WIRE_CHECK(expr)                                                          \
  do {                                                                            \
    auto wire_check_result = (expr);                                              \
    if (!wire_check_result) {                                                     \
      return ::tl::unexpected<::sanstls::wire::Error>(wire_check_result.error()); \
    }                                                                             \
  } while (false)

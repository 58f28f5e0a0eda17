// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/verify.hpp"

#include "base/ossl_ptr.hpp"
#include "core/credentials_impl.hpp"
#include "x509/names.hpp"
#include "x509/path/limits.hpp"
#include "x509/path/validator.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <ctime>
#include <string>

namespace sanstls::x509 {
namespace {

/// At most this many intermediate CA certificates between the leaf and the trust anchor
/// unless the request says otherwise (X509_VERIFY_PARAM_set_depth semantics: a full path holds
/// up to 12 certificates). Real Web PKI paths have 1-3 intermediates; the cap bounds the work a
/// peer can cause. The same default as sanstls's own validator (x509/path/limits.hpp).
std::size_t max_intermediates_of(const VerifyRequest& request) {
  return request.max_intermediates == 0
             ? path::limits::default_max_intermediates
             : std::min(request.max_intermediates, path::limits::max_max_intermediates);
}

/// RFC 8446 §4.4.2.2 and our policy (docs/design.md): RSA moduli below 2048 bits are refused.
constexpr int min_rsa_bits = 2048;
/// Other key types must give at least 112 bits of security (NIST SP 800-57: RSA-2048 level).
constexpr int min_security_bits = 112;
/// libcrypto's verifier applies the same floor ("auth level" 2 = 112 bits), so weak keys and
/// digests are flagged even on paths we do not re-check ourselves.
constexpr int auth_level = 2;

struct WeakDigest {
  int nid;
  const char* name;
};
/// Digests whose collision resistance is broken: a signature over them proves nothing
/// (RFC 9155 deprecates MD5 and SHA-1 in TLS 1.2 signatures; RFC 8446 §4.2.3 forbids them in
/// TLS 1.3 certificate signatures unless nothing else is available, and we never fall back).
constexpr std::array<WeakDigest, 5> weak_digests{{
    {NID_sha1, "SHA-1"},
    {NID_md5, "MD5"},
    {NID_md5_sha1, "MD5+SHA-1"},
    {NID_md4, "MD4"},
    {NID_md2, "MD2"},
}};

struct ProblemOf {
  int x509_error;
  CertificateProblem problem;
};
/// libcrypto's verification errors and the problem each one is. Unlisted errors are `other`.
constexpr std::array<ProblemOf, 62> problem_table{{
    {X509_V_ERR_CERT_HAS_EXPIRED, CertificateProblem::expired},
    {X509_V_ERR_CERT_NOT_YET_VALID, CertificateProblem::not_yet_valid},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, CertificateProblem::unknown_issuer},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, CertificateProblem::unknown_issuer},
    {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, CertificateProblem::unknown_issuer},
    {X509_V_ERR_CERT_UNTRUSTED, CertificateProblem::unknown_issuer},
    {X509_V_ERR_CERT_REJECTED, CertificateProblem::unknown_issuer},
    {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, CertificateProblem::self_signed},
    {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, CertificateProblem::self_signed},
    {X509_V_ERR_CERT_SIGNATURE_FAILURE, CertificateProblem::bad_signature},
    {X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE, CertificateProblem::bad_signature},
    {X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH, CertificateProblem::bad_signature},
    {X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY, CertificateProblem::bad_signature},
    {X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM, CertificateProblem::bad_signature},
    {X509_V_ERR_EE_KEY_TOO_SMALL, CertificateProblem::weak_key},
    {X509_V_ERR_CA_KEY_TOO_SMALL, CertificateProblem::weak_key},
    {X509_V_ERR_CA_MD_TOO_WEAK, CertificateProblem::weak_signature_algorithm},
    {X509_V_ERR_INVALID_PURPOSE, CertificateProblem::wrong_usage},
    {X509_V_ERR_INVALID_CA, CertificateProblem::wrong_usage},
    {X509_V_ERR_INVALID_NON_CA, CertificateProblem::wrong_usage},
    {X509_V_ERR_KEYUSAGE_NO_CERTSIGN, CertificateProblem::wrong_usage},
    {X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE, CertificateProblem::wrong_usage},
    {X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA, CertificateProblem::wrong_usage},
    {X509_V_ERR_PERMITTED_VIOLATION, CertificateProblem::name_constraint_violation},
    {X509_V_ERR_EXCLUDED_VIOLATION, CertificateProblem::name_constraint_violation},
    {X509_V_ERR_SUBTREE_MINMAX, CertificateProblem::name_constraint_violation},
    {X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE, CertificateProblem::name_constraint_violation},
    {X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX, CertificateProblem::name_constraint_violation},
    {X509_V_ERR_UNSUPPORTED_NAME_SYNTAX, CertificateProblem::name_constraint_violation},
    {X509_V_ERR_PROXY_SUBJECT_NAME_VIOLATION, CertificateProblem::name_constraint_violation},
    {X509_V_ERR_PATH_LENGTH_EXCEEDED, CertificateProblem::path_length_exceeded},
    {X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED, CertificateProblem::path_length_exceeded},
    {X509_V_ERR_CERT_CHAIN_TOO_LONG, CertificateProblem::chain_too_long},
    {X509_V_ERR_PATH_LOOP, CertificateProblem::chain_too_long},
    {X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, CertificateProblem::malformed},
    {X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, CertificateProblem::malformed},
    {X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, CertificateProblem::malformed},
    {X509_V_ERR_NO_ISSUER_PUBLIC_KEY, CertificateProblem::malformed},
    {X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, CertificateProblem::malformed},
    {X509_V_ERR_INVALID_EXTENSION, CertificateProblem::malformed},
    {X509_V_ERR_INVALID_POLICY_EXTENSION, CertificateProblem::malformed},
    {X509_V_ERR_NO_EXPLICIT_POLICY, CertificateProblem::malformed},
    {X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE, CertificateProblem::malformed},
    {X509_V_ERR_UNNESTED_RESOURCE, CertificateProblem::malformed},
    {X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED, CertificateProblem::malformed},
    {X509_V_ERR_SUBJECT_ISSUER_MISMATCH, CertificateProblem::malformed},
    {X509_V_ERR_AKID_SKID_MISMATCH, CertificateProblem::malformed},
    {X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH, CertificateProblem::malformed},
    {X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA, CertificateProblem::malformed},
    {X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN, CertificateProblem::malformed},
    {X509_V_ERR_ISSUER_NAME_EMPTY, CertificateProblem::malformed},
    {X509_V_ERR_SUBJECT_NAME_EMPTY, CertificateProblem::malformed},
    {X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER, CertificateProblem::malformed},
    {X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER, CertificateProblem::malformed},
    {X509_V_ERR_EMPTY_SUBJECT_ALT_NAME, CertificateProblem::malformed},
    {X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL, CertificateProblem::malformed},
    {X509_V_ERR_CA_BCONS_NOT_CRITICAL, CertificateProblem::malformed},
    {X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL, CertificateProblem::malformed},
    {X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL, CertificateProblem::malformed},
    {X509_V_ERR_CA_CERT_MISSING_KEY_USAGE, CertificateProblem::malformed},
    {X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3, CertificateProblem::malformed},
    {X509_V_ERR_EC_KEY_EXPLICIT_PARAMS, CertificateProblem::malformed},
}};

CertificateProblem problem_of(int x509_error) {
  for (const auto& entry : problem_table) {
    if (entry.x509_error == x509_error) {
      return entry.problem;
    }
  }
  return CertificateProblem::other;
}

const char* purpose_text(Purpose purpose) {
  return purpose == Purpose::server_auth ? "server" : "client";
}

Error rejected(CertificateProblem problem, Purpose purpose, std::string message) {
  Error error = make_error(Errc::certificate_rejected, std::move(message));
  error.certificate_problem = problem;
  error.alert_sent = alert_for(problem, purpose);
  return error;
}

std::string format_time(std::chrono::system_clock::time_point when) {
  const auto day = std::chrono::floor<std::chrono::days>(when);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{std::chrono::floor<std::chrono::seconds>(when - day)};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

std::string format_time(const ASN1_TIME* when) {
  std::tm parts{};
  if (when == nullptr || ASN1_TIME_to_tm(when, &parts) != 1) {
    return "(unreadable time)";
  }
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", parts.tm_year + 1900,
                     parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
}

std::string quoted(const X509* certificate) { return "'" + display_name(certificate) + "'"; }

/// sanstls's own key policy, for any certificate of the path (the anchor's key included: a
/// weak root key lets anyone forge the whole path).
std::optional<Error> check_key(const X509* certificate, Purpose purpose) {
  const EVP_PKEY* key = X509_get0_pubkey(certificate);
  if (key == nullptr) {
    return rejected(CertificateProblem::malformed, purpose,
                    fmt::format("certificate {} has a public key that cannot be decoded ({})",
                                quoted(certificate), ossl::take_error_string()));
  }
  const int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "RSA") != 0 || EVP_PKEY_is_a(key, "RSA-PSS") != 0) {
    if (bits < min_rsa_bits) {
      return rejected(CertificateProblem::weak_key, purpose,
                      fmt::format("certificate {} has a {}-bit RSA key; sanstls requires at "
                                  "least {} bits",
                                  quoted(certificate), bits, min_rsa_bits));
    }
    return std::nullopt;
  }
  const int security_bits = EVP_PKEY_get_security_bits(key);
  if (security_bits < min_security_bits) {
    return rejected(CertificateProblem::weak_key, purpose,
                    fmt::format("certificate {} has a {}-bit {} key ({} bits of security); "
                                "sanstls requires at least {}",
                                quoted(certificate), bits, EVP_PKEY_get0_type_name(key),
                                security_bits, min_security_bits));
  }
  return std::nullopt;
}

/// sanstls's own signature policy, for every certificate except the trust anchor (whose
/// self-signature is not what makes it trusted; RFC 5280 §6.1: the anchor is an input to path
/// validation, not a certificate in the path).
std::optional<Error> check_signature(X509* certificate, Purpose purpose) {
  int digest_nid = NID_undef;
  int key_nid = NID_undef;
  int security_bits = -1;
  std::uint32_t flags = 0;
  if (X509_get_signature_info(certificate, &digest_nid, &key_nid, &security_bits, &flags) != 1) {
    // libcrypto already verified the signature, so it knows the algorithm; treat a failure to
    // describe it as an unsupported signature.
    ERR_clear_error();
    return rejected(CertificateProblem::bad_signature, purpose,
                    fmt::format("certificate {} uses a signature algorithm sanstls cannot "
                                "identify",
                                quoted(certificate)));
  }
  for (const auto& weak : weak_digests) {
    if (weak.nid == digest_nid) {
      return rejected(CertificateProblem::weak_signature_algorithm, purpose,
                      fmt::format("certificate {} is signed with {}, which sanstls refuses",
                                  quoted(certificate), weak.name));
    }
  }
  if ((flags & X509_SIG_INFO_VALID) != 0 && security_bits >= 0 &&
      security_bits < min_security_bits) {
    const char* name = OBJ_nid2sn(X509_get_signature_nid(certificate));
    return rejected(CertificateProblem::weak_signature_algorithm, purpose,
                    fmt::format("certificate {} is signed with {} ({} bits of security), which "
                                "sanstls refuses",
                                quoted(certificate),
                                name != nullptr ? name : "an unknown algorithm", security_bits));
  }
  return std::nullopt;
}

/// Why libcrypto's purpose check (X509_PURPOSE_SSL_SERVER / _CLIENT) refused `certificate`.
std::string purpose_refusal_reason(X509* certificate, Purpose purpose) {
  const bool server = purpose == Purpose::server_auth;
  // RFC 5280 §4.2.1.12: if extendedKeyUsage is present, "the certificate MUST only be used for
  // one of the purposes indicated".
  const std::uint32_t eku = X509_get_extended_key_usage(certificate);
  const std::uint32_t wanted_eku = server ? XKU_SSL_SERVER : XKU_SSL_CLIENT;
  if (eku != UINT32_MAX && (eku & wanted_eku) == 0) {
    return fmt::format("its extendedKeyUsage does not include {}",
                       server ? "serverAuth" : "clientAuth");
  }
  // RFC 5280 §4.2.1.3: when keyUsage is present the key may only be used as it says.
  const std::uint32_t key_usage = X509_get_key_usage(certificate);
  if (key_usage != UINT32_MAX && (key_usage & KU_DIGITAL_SIGNATURE) == 0) {
    return "its keyUsage does not include digitalSignature";
  }
  return "its keyUsage, extendedKeyUsage or nsCertType forbids it";
}

/// Builds the message for a failure libcrypto reported on `certificate` (at `depth` in the
/// path, 0 = leaf).
Error from_x509_error(int x509_error, X509* certificate, int depth, const VerifyRequest& request) {
  const CertificateProblem problem = problem_of(x509_error);
  const Purpose purpose = request.purpose;
  const std::string who = quoted(certificate);
  const char* reason = X509_verify_cert_error_string(x509_error);
  switch (problem) {
    case CertificateProblem::expired:
      return rejected(
          problem, purpose,
          fmt::format("certificate {} expired on {} (now {})", who,
                      format_time(X509_get0_notAfter(certificate)), format_time(request.now)));
    case CertificateProblem::not_yet_valid:
      return rejected(
          problem, purpose,
          fmt::format("certificate {} is not valid before {} (now {})", who,
                      format_time(X509_get0_notBefore(certificate)), format_time(request.now)));
    case CertificateProblem::unknown_issuer:
      return rejected(problem, purpose,
                      fmt::format("the issuer of {} ('{}') is not in the trust store and the "
                                  "peer did not send it",
                                  who, display_name(X509_get_issuer_name(certificate))));
    case CertificateProblem::self_signed:
      if (x509_error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
        return rejected(
            problem, purpose,
            fmt::format("certificate {} is self-signed and not in the trust store", who));
      }
      return rejected(problem, purpose,
                      fmt::format("the chain ends at the self-signed certificate {}, which is "
                                  "not in the trust store",
                                  who));
    case CertificateProblem::bad_signature:
      return rejected(problem, purpose,
                      fmt::format("the signature on certificate {} does not verify with its "
                                  "issuer's key ({})",
                                  who, reason));
    case CertificateProblem::weak_key:
      if (auto error = check_key(certificate, purpose)) {
        return *std::move(error);
      }
      return rejected(problem, purpose,
                      fmt::format("certificate {} has a key that is too weak ({})", who, reason));
    case CertificateProblem::weak_signature_algorithm:
      if (auto error = check_signature(certificate, purpose)) {
        return *std::move(error);
      }
      return rejected(
          problem, purpose,
          fmt::format("certificate {} has a signature that is too weak ({})", who, reason));
    case CertificateProblem::wrong_usage:
      if (x509_error == X509_V_ERR_INVALID_PURPOSE) {
        return rejected(
            problem, purpose,
            fmt::format("certificate {} may not be used for TLS {} authentication "
                        "({})",
                        who, purpose_text(purpose), purpose_refusal_reason(certificate, purpose)));
      }
      if (depth > 0) {
        // RFC 5280 §4.2.1.9 / §4.2.1.3: only a certificate with cA=TRUE and keyCertSign may
        // issue certificates.
        return rejected(problem, purpose,
                        fmt::format("certificate {} issued another certificate of the chain "
                                    "but is not allowed to act as a CA ({})",
                                    who, reason));
      }
      return rejected(problem, purpose,
                      fmt::format("certificate {} may not be used this way ({})", who, reason));
    case CertificateProblem::name_constraint_violation:
      return rejected(problem, purpose,
                      fmt::format("certificate {} has a name that the name constraints of an "
                                  "issuing CA forbid (RFC 5280 §4.2.1.10: {})",
                                  who, reason));
    case CertificateProblem::path_length_exceeded:
      return rejected(problem, purpose,
                      fmt::format("the chain has more CA certificates below {} than its "
                                  "basicConstraints pathLenConstraint of {} allows (RFC 5280 "
                                  "§4.2.1.9)",
                                  who, X509_get_pathlen(certificate)));
    case CertificateProblem::chain_too_long:
      return rejected(problem, purpose,
                      fmt::format("no path from {} to a trusted root within {} intermediate "
                                  "certificates ({})",
                                  quoted(request.presented.front().impl().x509.get()),
                                  max_intermediates_of(request), reason));
    case CertificateProblem::malformed:
      if (x509_error == X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER) {
        // RFC 5280 §4.2.1.1: the keyIdentifier of authorityKeyIdentifier "MUST be included in
        // all certificates generated by conforming CAs"; only a self-signed CA certificate may
        // omit it. Strict path validation (X509_V_FLAG_X509_STRICT) refuses the others; the
        // fix is the issuer's, so say how to re-issue.
        return rejected(
            problem, purpose,
            fmt::format("certificate {} has no authorityKeyIdentifier extension, which RFC 5280 "
                        "§4.2.1.1 requires in every certificate but a self-signed root; "
                        "re-issue it with the extension: 'sanstls cert leaf' and OpenSSL 3's "
                        "'openssl req -x509 -CA' add it, and 'openssl x509 -req' does with "
                        "'authorityKeyIdentifier=keyid,issuer' in its -extfile",
                        who));
      }
      return rejected(
          problem, purpose,
          fmt::format("certificate {} is not a valid RFC 5280 certificate: {}", who, reason));
    default:
      return rejected(CertificateProblem::other, purpose,
                      fmt::format("certificate {} failed verification: {} (libcrypto error {})",
                                  who, reason, x509_error));
  }
}

}  // namespace

// Problem → alert (RFC 8446 §6.2 definitions), chosen to match what libssl sends for the same
// verifier error, so every engine tells the peer the same thing:
//   expired, not_yet_valid      → certificate_expired ("has expired or is not currently valid")
//   unknown_issuer, self_signed,
//   chain_too_long              → unknown_ca ("the CA certificate could not be located or could
//                                 not be matched with a known trust anchor")
//   wrong_usage                 → unsupported_certificate (libssl's choice for a purpose
//                                 mismatch: the certificate is not of a type we can use)
//   bad_signature, weak_key, weak_signature_algorithm, name_mismatch (RFC 9525 §6.6),
//   name_constraint_violation, path_length_exceeded, malformed
//                               → bad_certificate ("corrupt, contained signatures that did not
//                                 verify correctly, etc."): the chain itself is unacceptable
//   missing                     → decode_error for a server (RFC 8446 §4.4.2.4: an empty server
//                                 Certificate "MUST abort the handshake with a decode_error"),
//                                 certificate_required for a client (same section)
//   rejected_by_callback        → bad_certificate (as session_core.cpp sends: the application's
//                                 own check found the certificate unacceptable)
//   other, none                 → certificate_unknown ("some other (unspecified) issue")
Alert alert_for(CertificateProblem problem, Purpose purpose) {
  switch (problem) {
    case CertificateProblem::expired:
    case CertificateProblem::not_yet_valid:
      return Alert::certificate_expired;
    case CertificateProblem::unknown_issuer:
    case CertificateProblem::self_signed:
    case CertificateProblem::chain_too_long:
      return Alert::unknown_ca;
    case CertificateProblem::wrong_usage:
      return Alert::unsupported_certificate;
    case CertificateProblem::bad_signature:
    case CertificateProblem::weak_key:
    case CertificateProblem::weak_signature_algorithm:
    case CertificateProblem::name_mismatch:
    case CertificateProblem::name_constraint_violation:
    case CertificateProblem::path_length_exceeded:
    case CertificateProblem::malformed:
    case CertificateProblem::rejected_by_callback:
      return Alert::bad_certificate;
    case CertificateProblem::missing:
      return purpose == Purpose::server_auth ? Alert::decode_error : Alert::certificate_required;
    case CertificateProblem::none:
    case CertificateProblem::other:
      break;
  }
  return Alert::certificate_unknown;
}

namespace {

/// libcrypto's X509_verify_cert, then sanstls's policy on the path it built.
Result<void> verify_with_openssl(const VerifyRequest& request);

}  // namespace

Result<void> verify_chain(const VerifyRequest& request) {
  if (request.trust == nullptr) {
    return fail(Errc::api_misuse, "verify_chain: no trust store given");
  }
  if (request.purpose == Purpose::server_auth && request.server_name == nullptr) {
    return fail(Errc::api_misuse, "verify_chain: a server certificate needs the requested name");
  }
  if (request.presented.empty()) {
    return fail(rejected(CertificateProblem::missing, request.purpose,
                         fmt::format("the {} sent no certificate", purpose_text(request.purpose))));
  }
  if (request.validator == Validator::sanstls) {
    return path::validate(request);
  }
  return verify_with_openssl(request);
}

namespace {

Result<void> verify_with_openssl(const VerifyRequest& request) {
  const auto internal = [](std::string_view what) {
    return fail(Errc::internal_error, fmt::format("certificate verification: {} failed ({})", what,
                                                  ossl::take_error_string()));
  };

  // The trust store's roots, as a libcrypto store built once with the TrustStore.
  X509_STORE* store = request.trust->impl().store.get();
  if (store == nullptr) {
    return internal("the trust store");
  }

  ossl::X509StackPtr untrusted(sk_X509_new_null());
  if (!untrusted) {
    return internal("sk_X509_new_null");
  }
  for (const Certificate& certificate : request.presented.subspan(1)) {
    X509* x509 = certificate.impl().x509.get();
    if (X509_up_ref(x509) != 1) {
      return internal("X509_up_ref");
    }
    if (sk_X509_push(untrusted.get(), x509) <= 0) {
      X509_free(x509);
      return internal("sk_X509_push");
    }
  }

  X509* leaf = request.presented.front().impl().x509.get();
  ossl::X509StoreCtxPtr ctx(X509_STORE_CTX_new_ex(request.libctx, nullptr));
  if (!ctx) {
    return internal("X509_STORE_CTX_new_ex");
  }
  if (X509_STORE_CTX_init(ctx.get(), store, leaf, untrusted.get()) != 1) {
    return internal("X509_STORE_CTX_init");
  }

  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // RFC 5280 §6.1.3 (a)(2): the certificate validity period must include the current time —
  // the injected clock, never the system's (sets X509_V_FLAG_USE_CHECK_TIME).
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(request.now));
  // X509_STRICT: refuse certificates that break RFC 5280's MUSTs (non-critical CA
  // basicConstraints, missing key identifiers, empty names, ...), not only those that fail.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_set_depth(param, static_cast<int>(max_intermediates_of(request)));
  X509_VERIFY_PARAM_set_auth_level(param, auth_level);
  // RFC 5280 §4.2.1.12 / RFC 8446 §4.4.2.2: the extendedKeyUsage, when present, must allow TLS
  // server (or client) authentication, on the leaf and on every CA that carries one.
  const int x509_purpose =
      request.purpose == Purpose::server_auth ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
  if (X509_STORE_CTX_set_purpose(ctx.get(), x509_purpose) != 1) {
    return internal("X509_STORE_CTX_set_purpose");
  }

  const int verified = X509_verify_cert(ctx.get());
  if (verified != 1) {
    const int x509_error = X509_STORE_CTX_get_error(ctx.get());
    if (verified < 0 || x509_error == X509_V_ERR_OUT_OF_MEM ||
        x509_error == X509_V_ERR_INVALID_CALL || x509_error == X509_V_ERR_STORE_LOOKUP ||
        x509_error == X509_V_OK) {
      return internal(fmt::format("X509_verify_cert (error {})", x509_error));
    }
    ERR_clear_error();
    X509* current = X509_STORE_CTX_get_current_cert(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    return fail(from_x509_error(x509_error, current != nullptr ? current : leaf, depth, request));
  }

  // libcrypto accepted the path; now sanstls's own policy, explicitly, on the path it built,
  // so the verdict does not depend on libcrypto's security-level arithmetic.
  const STACK_OF(X509)* path = X509_STORE_CTX_get0_chain(ctx.get());
  const int length = path != nullptr ? sk_X509_num(path) : 0;
  if (length <= 0) {
    return internal("X509_STORE_CTX_get0_chain");
  }
  for (int i = 0; i < length; ++i) {
    X509* certificate = sk_X509_value(path, i);
    if (auto error = check_key(certificate, request.purpose)) {
      return fail(*std::move(error));
    }
    // Without X509_V_FLAG_PARTIAL_CHAIN the last certificate is always the self-signed trust
    // anchor from the store.
    const bool is_anchor = i == length - 1;
    if (!is_anchor) {
      if (auto error = check_signature(certificate, request.purpose)) {
        return fail(*std::move(error));
      }
    }
  }

  // RFC 8446 §4.4.2.2: "the digitalSignature bit MUST be set if the Key Usage extension is
  // present". sanstls never uses static RSA or static (EC)DH key exchange, so keyEncipherment
  // or keyAgreement alone (which libcrypto's purpose check accepts) cannot serve.
  const std::uint32_t key_usage = X509_get_key_usage(leaf);
  if (key_usage != UINT32_MAX && (key_usage & KU_DIGITAL_SIGNATURE) == 0) {
    return fail(rejected(CertificateProblem::wrong_usage, request.purpose,
                         fmt::format("certificate {} has a keyUsage without digitalSignature, so "
                                     "its key may not sign a TLS handshake (RFC 8446 §4.4.2.2)",
                                     quoted(leaf))));
  }

  // A CA certificate is not an end-entity certificate (RFC 5280 §4.2.1.9: cA=TRUE asserts the
  // key signs certificates); as webpki does, sanstls refuses it as a TLS peer's leaf.
  if ((X509_get_extension_flags(leaf) & EXFLAG_CA) != 0) {
    return fail(rejected(CertificateProblem::wrong_usage, request.purpose,
                         fmt::format("certificate {} is a CA certificate (basicConstraints "
                                     "cA=TRUE), not an end-entity certificate",
                                     quoted(leaf))));
  }

  if (request.purpose == Purpose::server_auth) {
    return match_server_name(request.presented.front(), *request.server_name);
  }
  return {};
}

}  // namespace

Result<void> check_presentable(std::span<const Certificate> chain) {
  auto refuse = [](const Error& why, CredentialProblem problem) {
    Error error = make_error(Errc::bad_configuration,
                             "this chain cannot be presented, every sanstls peer would refuse "
                             "it: " +
                                 why.message);
    error.credential_problem = problem;
    return tl::unexpected<Error>(std::move(error));
  };
  for (std::size_t i = 0; i < chain.size(); ++i) {
    X509* certificate = chain[i].impl().x509.get();
    if (auto error = check_key(certificate, Purpose::server_auth)) {
      return refuse(*error, CredentialProblem::weak_key);
    }
    // A self-signed root appended to the chain is not judged by its self-signature.
    const bool self_signed = (X509_get_extension_flags(certificate) & EXFLAG_SS) != 0;
    if (!self_signed || i == 0) {
      if (auto error = check_signature(certificate, Purpose::server_auth)) {
        return refuse(*error, CredentialProblem::weak_signature_algorithm);
      }
    }
  }
  if (!chain.empty()) {
    X509* leaf = chain.front().impl().x509.get();
    const std::uint32_t key_usage = X509_get_key_usage(leaf);
    if (key_usage != UINT32_MAX && (key_usage & KU_DIGITAL_SIGNATURE) == 0) {
      Error why = make_error(Errc::bad_configuration,
                             fmt::format("certificate {} has a keyUsage without digitalSignature "
                                         "(RFC 8446 §4.4.2.2)",
                                         quoted(leaf)));
      return refuse(why, CredentialProblem::unusable_key_usage);
    }
  }
  return {};
}

}  // namespace sanstls::x509

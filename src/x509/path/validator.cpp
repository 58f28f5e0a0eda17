// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509/path/validator.hpp"

#include "core/credentials_impl.hpp"
#include "x509/der/certificate.hpp"
#include "x509/der/name.hpp"
#include "x509/names.hpp"
#include "x509/path/limits.hpp"
#include "x509/path/name_constraints.hpp"
#include "x509/path/signature.hpp"
#include "x509/path/verifier_cache.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sanstls::x509::path {
namespace {

wire::Bytes bytes_of(const Certificate& certificate) {
  const std::span<const std::byte> der = certificate.der();
  // std::byte and std::uint8_t are both byte-sized object representations: a view, no copy.
  return {reinterpret_cast<const std::uint8_t*>(der.data()), der.size()};
}

std::string format_time(std::chrono::sys_seconds when) {
  const auto day = std::chrono::floor<std::chrono::days>(when);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{when - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

const char* purpose_text(Purpose purpose) {
  return purpose == Purpose::server_auth ? "server" : "client";
}

/// A certificate of the search: one the peer sent, or a trust anchor.
struct Node {
  const Certificate* source = nullptr;
  der::ParsedCertificate cert;
  bool anchor = false;
  /// "'CN=...'" for messages.
  std::string who;
  /// The public key, imported on first use (or why the policy refused it).
  std::optional<tl::expected<PublicKey, Refusal>> key;
};

/// A failed attempt; the most informative one is reported when no path is found.
struct Failure {
  std::size_t depth = 0;
  int rank = 0;  // 0: no issuer found, 1: too long, 2: a check failed
  Error error;
};

class Validation {
 public:
  explicit Validation(const VerifyRequest& request)
      : request_(request),
        max_intermediates_(
            request.max_intermediates == 0
                ? limits::default_max_intermediates
                : std::min(request.max_intermediates, limits::max_max_intermediates)),
        now_(std::chrono::floor<std::chrono::seconds>(request.now)) {}

  Result<void> run();

 private:
  Error rejected(CertificateProblem problem, std::string message) const {
    Error error = make_error(Errc::certificate_rejected, std::move(message));
    error.certificate_problem = problem;
    error.alert_sent = alert_for(problem, request_.purpose);
    return error;
  }
  void record(std::size_t depth, int rank, Error error) {
    if (!best_ || depth > best_->depth || (depth == best_->depth && rank > best_->rank)) {
      best_ = Failure{depth, rank, std::move(error)};
    }
  }
  std::optional<Error> load();
  bool extend();
  std::optional<Failure> check_edge(std::size_t issuer);
  std::optional<Error> check_validity(const Node& node, std::size_t depth) const;
  std::optional<Error> check_leaf();
  const tl::expected<PublicKey, Refusal>& key_of(Node& node) {
    if (!node.key) {
      // The X509 object parsed the same DER (Certificate::der() is what we parsed) and keeps
      // its decoded key: reused, never decoded again per validation.
      EVP_PKEY* decoded =
          node.source != nullptr ? X509_get0_pubkey(node.source->impl().x509.get()) : nullptr;
      const path::VerifierCache* verifiers = decoded != nullptr ? request_.verifiers : nullptr;
      if (verifiers != nullptr) {
        // The same key object accepted before (a root, a cached intermediate): the same answer.
        if (const auto type = verifiers->accepted_key(decoded);
            type && EVP_PKEY_up_ref(decoded) == 1) {
          node.key = PublicKey{ossl::EvpPkeyPtr(decoded), *type};
          return *node.key;
        }
      }
      node.key = import_public_key(node.cert.spki, request_.libctx, decoded);
      if (verifiers != nullptr && *node.key) {
        verifiers->remember_accepted_key(decoded, (*node.key)->type);
      }
    }
    return *node.key;
  }
  [[nodiscard]] bool in_path(std::size_t index) const {
    return std::ranges::find(path_, index) != path_.end();
  }

  const VerifyRequest& request_;
  const std::size_t max_intermediates_;
  const std::chrono::sys_seconds now_;
  std::vector<Node> nodes_;
  std::vector<std::size_t> path_;
  std::map<std::pair<std::size_t, std::size_t>, std::optional<Refusal>> signatures_;
  std::size_t signature_checks_ = 0;
  std::size_t candidates_ = 0;
  bool exhausted_ = false;
  std::optional<Failure> best_;
};

std::optional<Error> Validation::load() {
  const std::span<const Certificate> presented = request_.presented;
  nodes_.reserve(presented.size() + request_.trust->impl().certificates.size());
  for (std::size_t i = 0; i < presented.size(); ++i) {
    const Certificate& certificate = presented[i];
    auto parsed = der::parse_certificate(bytes_of(certificate));
    if (!parsed) {
      // The peer's certificates must be DER (RFC 5280 §4.1, X.690 §10); the name comes from
      // libcrypto's more lenient parse, for the message only. Two signature algorithms in one
      // certificate (§4.1.1.2) make its signature unverifiable: bad_signature, as libcrypto.
      const bool two_algorithms = parsed.error().field == "TBSCertificate.signature";
      return rejected(
          two_algorithms ? CertificateProblem::bad_signature : CertificateProblem::malformed,
          fmt::format("certificate '{}' ({} of the chain the peer sent) is not a "
                      "valid DER X.509 certificate: {}: {} [depth {}; RFC 5280 "
                      "§4.1]",
                      display_name(certificate.impl().x509.get()), i + 1, parsed.error().field,
                      parsed.error().reason, i));
    }
    const bool duplicate = std::ranges::any_of(
        nodes_, [&](const Node& node) { return der::same_bytes(node.cert.der, parsed->der); });
    if (i > 0 && duplicate) {
      continue;
    }
    nodes_.push_back(Node{&certificate, *parsed, false,
                          "'" + der::display_name(parsed->subject) + "'", std::nullopt});
  }
  // Only an anchor whose subject is the issuer of a presented certificate can end a path (names
  // compare byte for byte): the others are not parsed at all, so a system store of ~150 roots
  // costs ~150 name comparisons per validation, not ~150 certificate parses.
  std::vector<wire::Bytes> issuers;
  for (const Node& node : nodes_) {
    issuers.push_back(node.cert.issuer);
  }
  const auto may_issue = [&](const Certificate& anchor) {
    const unsigned char* der = nullptr;
    std::size_t length = 0;
    if (X509_NAME_get0_der(X509_get_subject_name(anchor.impl().x509.get()), &der, &length) != 1) {
      return true;  // cannot tell cheaply: parse it
    }
    const wire::Bytes subject{der, length};
    return std::ranges::any_of(
        issuers, [&](wire::Bytes issuer) { return der::same_bytes(issuer, subject); });
  };
  // Trust anchors sanstls cannot parse strictly cannot anchor a path (docs/x509.md).
  for (const Certificate& certificate : request_.trust->impl().certificates) {
    if (!may_issue(certificate)) {
      continue;
    }
    auto parsed = der::parse_certificate(bytes_of(certificate), der::Role::trust_anchor);
    if (!parsed) {
      continue;
    }
    auto same = std::ranges::find_if(
        nodes_, [&](const Node& node) { return der::same_bytes(node.cert.der, parsed->der); });
    if (same != nodes_.end()) {
      same->anchor = true;  // the peer sent a certificate we trust as it is
      continue;
    }
    nodes_.push_back(Node{&certificate, *parsed, true,
                          "'" + der::display_name(parsed->subject) + "'", std::nullopt});
  }
  return std::nullopt;
}

std::optional<Error> Validation::check_validity(const Node& node, std::size_t depth) const {
  // RFC 5280 §6.1.3 (a)(2): "The certificate validity period includes the current time."
  if (now_ > node.cert.not_after) {
    return rejected(
        CertificateProblem::expired,
        fmt::format("certificate {} expired on {} (now {}) [depth {}; RFC 5280 "
                    "§6.1.3 (a)(2)]",
                    node.who, format_time(node.cert.not_after), format_time(now_), depth));
  }
  if (now_ < node.cert.not_before) {
    return rejected(
        CertificateProblem::not_yet_valid,
        fmt::format("certificate {} is not valid before {} (now {}) [depth {}; RFC "
                    "5280 §6.1.3 (a)(2)]",
                    node.who, format_time(node.cert.not_before), format_time(now_), depth));
  }
  return std::nullopt;
}

std::optional<Failure> Validation::check_edge(std::size_t issuer_index) {
  const std::size_t depth = path_.size();  // where the issuer would stand
  Node& issuer = nodes_[issuer_index];
  Node& child = nodes_[path_.back()];
  const auto failure = [&](std::size_t at, Error error) {
    return Failure{at, 2, std::move(error)};
  };
  if (!issuer.anchor && depth > max_intermediates_) {
    return Failure{depth, 1,
                   rejected(CertificateProblem::chain_too_long,
                            fmt::format("no path from {} to a trusted root within {} intermediate "
                                        "certificates (sanstls's limit, docs/limits.md)",
                                        nodes_[path_.front()].who, max_intermediates_))};
  }
  // RFC 5280 §4.2.1.1: the keyIdentifier of authorityKeyIdentifier "MUST be included in all
  // certificates generated by conforming CAs"; only a self-signed CA certificate may omit it.
  // (Checked as libcrypto's strict mode does, so both validators agree.)
  if (!child.cert.self_issued() && !child.cert.has_authority_key_identifier) {
    return failure(
        depth - 1,
        rejected(CertificateProblem::malformed,
                 fmt::format("certificate {} has no authorityKeyIdentifier extension, which RFC "
                             "5280 §4.2.1.1 requires in every certificate but a self-signed "
                             "root; re-issue it with the extension: 'sanstls cert leaf' and "
                             "OpenSSL 3's 'openssl req -x509 -CA' add it, and 'openssl x509 "
                             "-req' does with 'authorityKeyIdentifier=keyid,issuer' in its "
                             "-extfile [depth {}]",
                             child.who, depth - 1)));
  }
  // RFC 5280 §6.1.1 (d): a trust anchor is an input (name and key), not a certificate of the
  // path, so its validity period is not checked (the corpus's expired_root case).
  if (!issuer.anchor) {
    if (auto error = check_validity(issuer, depth)) {
      return failure(depth, *std::move(error));
    }
  }
  // RFC 5280 §6.1.4 (k): the issuer must be a CA (basicConstraints cA=TRUE).
  if (!issuer.cert.is_ca()) {
    return failure(depth, rejected(CertificateProblem::wrong_usage,
                                   fmt::format("certificate {} issued another certificate of "
                                               "the chain but is not allowed to act as a CA "
                                               "(no basicConstraints cA=TRUE) [depth {}; RFC "
                                               "5280 §4.2.1.9, §6.1.4 (k)]",
                                               issuer.who, depth)));
  }
  // RFC 5280 §4.2.1.9: "Conforming CAs MUST mark this extension as critical in all CA
  // certificates that contain public keys used to validate digital signatures on certificates."
  if (!issuer.cert.basic_constraints->critical) {
    return failure(depth, rejected(CertificateProblem::malformed,
                                   fmt::format("certificate {} is a CA certificate whose "
                                               "basicConstraints is not marked critical [depth "
                                               "{}; RFC 5280 §4.2.1.9]",
                                               issuer.who, depth)));
  }
  // RFC 5280 §4.2.1.2: subjectKeyIdentifier "MUST appear in all conforming CA certificates";
  // §4.2.1.3: keyUsage MUST be present in CA certificates whose key verifies certificate
  // signatures. Checked on intermediates, as libcrypto's strict mode does.
  if (!issuer.anchor && !issuer.cert.subject_key_id) {
    return failure(depth, rejected(CertificateProblem::malformed,
                                   fmt::format("certificate {} is a CA certificate without a "
                                               "subjectKeyIdentifier [depth {}; RFC 5280 "
                                               "§4.2.1.2]",
                                               issuer.who, depth)));
  }
  if (!issuer.anchor && !issuer.cert.key_usage) {
    return failure(depth, rejected(CertificateProblem::malformed,
                                   fmt::format("certificate {} is a CA certificate without a "
                                               "keyUsage extension [depth {}; RFC 5280 "
                                               "§4.2.1.3]",
                                               issuer.who, depth)));
  }
  // RFC 5280 §6.1.4 (n): "If a key usage extension is present, verify that the keyCertSign bit
  // is set."
  if (issuer.cert.key_usage && (*issuer.cert.key_usage & der::key_usage::key_cert_sign) == 0) {
    return failure(depth, rejected(CertificateProblem::wrong_usage,
                                   fmt::format("certificate {} issued another certificate of "
                                               "the chain but is not allowed to act as a CA "
                                               "(its keyUsage lacks keyCertSign) [depth {}; RFC "
                                               "5280 §4.2.1.3, §6.1.4 (n)]",
                                               issuer.who, depth)));
  }
  // RFC 5280 §4.2.1.12 (as libcrypto and the CA/Browser Forum apply it to CAs): a CA whose
  // extendedKeyUsage is present must allow the purpose.
  if (const auto& eku = issuer.cert.extended_key_usage) {
    const bool allowed =
        request_.purpose == Purpose::server_auth ? eku->server_auth : eku->client_auth;
    if (!allowed) {
      return failure(
          depth, rejected(CertificateProblem::wrong_usage,
                          fmt::format("certificate {} may not be used for TLS {} authentication "
                                      "(its extendedKeyUsage does not include {}) [depth {}; RFC "
                                      "5280 §4.2.1.12]",
                                      issuer.who, purpose_text(request_.purpose),
                                      request_.purpose == Purpose::server_auth ? "serverAuth"
                                                                               : "clientAuth",
                                      depth)));
    }
  }
  // RFC 5280 §6.1.4 (l)-(m): at most pathLenConstraint non-self-issued intermediates below.
  if (const auto& limit = issuer.cert.basic_constraints->path_length) {
    std::size_t below = 0;
    for (std::size_t i = 1; i < path_.size(); ++i) {
      below += nodes_[path_[i]].cert.self_issued() ? 0 : 1;
    }
    if (below > *limit) {
      return failure(
          depth, rejected(CertificateProblem::path_length_exceeded,
                          fmt::format("the chain has more CA certificates below {} than its "
                                      "basicConstraints pathLenConstraint of {} allows [depth {}; "
                                      "RFC 5280 §4.2.1.9]",
                                      issuer.who, *limit, depth)));
    }
  }
  // RFC 5280 §6.1.4 (i), §6.1.5 (a)-(b): requireExplicitPolicy makes the path valid only
  // for certificates that assert acceptable policies. sanstls does no policy processing
  // (docs/x509.md), so it cannot honour the demand and refuses rather than ignore it.
  if (issuer.cert.requires_explicit_policy) {
    return failure(depth, rejected(CertificateProblem::other,
                                   fmt::format("certificate {} requires explicit certificate "
                                               "policies (policyConstraints "
                                               "requireExplicitPolicy), which sanstls does not "
                                               "process [depth {}; RFC 5280 §4.2.1.11]",
                                               issuer.who, depth)));
  }
  // Key and algorithm policy (docs/x509.md), then the signature (RFC 5280 §6.1.3 (a)(1)).
  const auto& key = key_of(issuer);
  if (!key) {
    return failure(
        depth, rejected(key.error().problem, fmt::format("certificate {} {} [depth {}]", issuer.who,
                                                         key.error().reason, depth)));
  }
  const auto scheme = signature_scheme(child.cert.signature_algorithm);
  if (!scheme) {
    return failure(depth - 1, rejected(scheme.error().problem,
                                       fmt::format("certificate {} {} [depth {}]", child.who,
                                                   scheme.error().reason, depth - 1)));
  }
  const auto edge = std::make_pair(path_.back(), issuer_index);
  auto cached = signatures_.find(edge);
  if (cached == signatures_.end()) {
    if (signature_checks_ >= limits::max_signature_checks) {
      exhausted_ = true;
      return Failure{
          SIZE_MAX, 3,
          rejected(CertificateProblem::chain_too_long,
                   fmt::format("gave up looking for a path from {} to a trusted root after {} "
                               "signature checks (sanstls's limit, docs/limits.md)",
                               nodes_[path_.front()].who, signature_checks_))};
    }
    ++signature_checks_;
    auto verified =
        verify_signature(child.cert, *scheme, *key, request_.libctx, request_.verifiers);
    cached = signatures_
                 .emplace(edge, verified ? std::nullopt : std::optional<Refusal>(verified.error()))
                 .first;
  }
  if (cached->second) {
    if (child.cert.authority_key_id && issuer.cert.subject_key_id &&
        !der::same_bytes(*child.cert.authority_key_id, *issuer.cert.subject_key_id)) {
      // Same name, another key (the key identifiers say so too): not this certificate's issuer
      // but a namesake, e.g. another CA's root of the same name. Its real issuer is unknown
      // here (as libcrypto reports it), not badly signed.
      return failure(
          depth - 1,
          rejected(CertificateProblem::unknown_issuer,
                   fmt::format("certificate {} was not issued by {} of the same name: that one has "
                               "another key (its subjectKeyIdentifier is not {}'s "
                               "authorityKeyIdentifier, and the signature does not verify) "
                               "[depth {}; RFC 5280 §6.1.3 (a)(1)]",
                               child.who, issuer.who, child.who, depth - 1)));
    }
    return failure(depth - 1,
                   rejected(CertificateProblem::bad_signature,
                            fmt::format("the signature on certificate {} does not verify with "
                                        "its issuer's key ({}: {}) [depth {}; RFC 5280 §6.1.3 "
                                        "(a)(1)]",
                                        child.who, issuer.who, cached->second->reason, depth - 1)));
  }
  // RFC 5280 §6.1.3 (b)-(c) and §6.1.4 (g): the issuer's name constraints apply to every
  // certificate below it but self-issued intermediates, and to the leaf's requested name.
  if (const auto& constraints = issuer.cert.name_constraints) {
    for (std::size_t i = 0; i < path_.size(); ++i) {
      const Node& below = nodes_[path_[i]];
      if (i > 0 && below.cert.self_issued()) {
        continue;
      }
      const ServerName* matched =
          i == 0 && request_.purpose == Purpose::server_auth ? request_.server_name : nullptr;
      if (auto why = name_constraint_violation(*constraints, below.cert, matched)) {
        return failure(
            depth, rejected(CertificateProblem::name_constraint_violation,
                            fmt::format("certificate {} has a name that the name constraints of "
                                        "an issuing CA forbid (RFC 5280 §4.2.1.10: {}, by {}) "
                                        "[depth {}]",
                                        below.who, *why, issuer.who, i)));
      }
    }
  }
  return std::nullopt;
}

bool Validation::extend() {
  const Node& child = nodes_[path_.back()];
  if (child.anchor) {
    return true;
  }
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!in_path(i) && der::same_bytes(nodes_[i].cert.subject, child.cert.issuer)) {
      candidates.push_back(i);
    }
  }
  // RFC 4158 §3.5: try the likeliest issuers first: trust anchors (the shortest paths), then
  // those whose subjectKeyIdentifier matches the authorityKeyIdentifier. Only an order: every
  // candidate is tried.
  const auto score = [&](std::size_t i) {
    const Node& node = nodes_[i];
    const bool key_match = child.cert.authority_key_id && node.cert.subject_key_id &&
                           der::same_bytes(*child.cert.authority_key_id, *node.cert.subject_key_id);
    return (node.anchor ? 0 : 2) + (key_match ? 0 : 1);
  };
  std::ranges::stable_sort(candidates, {}, score);
  if (candidates.empty()) {
    const std::size_t depth = path_.size() - 1;
    if (child.cert.self_issued()) {
      record(depth + 1, 0,
             rejected(CertificateProblem::self_signed,
                      depth == 0 ? fmt::format("certificate {} is self-signed and not in the "
                                               "trust store [depth 0; RFC 5280 §6.1]",
                                               child.who)
                                 : fmt::format("the chain ends at the self-signed certificate "
                                               "{}, which is not in the trust store [depth {}; "
                                               "RFC 5280 §6.1]",
                                               child.who, depth)));
    } else {
      record(depth + 1, 0,
             rejected(CertificateProblem::unknown_issuer,
                      fmt::format("the issuer of {} ('{}') is not in the trust store and the "
                                  "peer did not send it [depth {}; RFC 5280 §6.1]",
                                  child.who, der::display_name(child.cert.issuer), depth)));
    }
    return false;
  }
  for (const std::size_t candidate : candidates) {
    if (++candidates_ > limits::max_issuer_candidates) {
      exhausted_ = true;
      best_ =
          Failure{SIZE_MAX, 3,
                  rejected(CertificateProblem::chain_too_long,
                           fmt::format("gave up looking for a path from {} to a trusted "
                                       "root after {} candidate issuers (sanstls's limit, "
                                       "docs/limits.md)",
                                       nodes_[path_.front()].who, limits::max_issuer_candidates))};
      return false;
    }
    if (auto failed = check_edge(candidate)) {
      if (exhausted_) {
        best_ = std::move(*failed);
        return false;
      }
      record(failed->depth, failed->rank, std::move(failed->error));
      continue;
    }
    path_.push_back(candidate);
    if (extend()) {
      return true;
    }
    path_.pop_back();
    if (exhausted_) {
      return false;
    }
  }
  return false;
}

std::optional<Error> Validation::check_leaf() {
  Node& leaf = nodes_[path_.front()];
  const auto& key = key_of(leaf);
  if (!key) {
    return rejected(key.error().problem,
                    fmt::format("certificate {} {} [depth 0]", leaf.who, key.error().reason));
  }
  if (auto error = check_validity(leaf, 0)) {
    return error;
  }
  const bool server = request_.purpose == Purpose::server_auth;
  // RFC 5280 §4.2.1.12: with extendedKeyUsage present, "the certificate MUST only be used for
  // one of the purposes indicated" (RFC 8446 §4.4.2.2 for TLS).
  if (const auto& eku = leaf.cert.extended_key_usage) {
    if (!(server ? eku->server_auth : eku->client_auth)) {
      return rejected(CertificateProblem::wrong_usage,
                      fmt::format("certificate {} may not be used for TLS {} authentication "
                                  "(its extendedKeyUsage does not include {}) [depth 0; RFC "
                                  "5280 §4.2.1.12]",
                                  leaf.who, purpose_text(request_.purpose),
                                  server ? "serverAuth" : "clientAuth"));
    }
  }
  // RFC 8446 §4.4.2.2: "the digitalSignature bit MUST be set if the Key Usage extension is
  // present" (sanstls never uses static RSA or (EC)DH key exchange).
  if (leaf.cert.key_usage && (*leaf.cert.key_usage & der::key_usage::digital_signature) == 0) {
    return rejected(CertificateProblem::wrong_usage,
                    fmt::format("certificate {} has a keyUsage without digitalSignature, so its "
                                "key may not sign a TLS handshake [depth 0; RFC 8446 §4.4.2.2]",
                                leaf.who));
  }
  // RFC 5280 §4.2.1.9: cA=TRUE asserts the key signs certificates; as webpki does, a CA
  // certificate is not accepted as a TLS peer's end-entity certificate.
  if (leaf.cert.is_ca()) {
    return rejected(CertificateProblem::wrong_usage,
                    fmt::format("certificate {} is a CA certificate (basicConstraints cA=TRUE), "
                                "not an end-entity certificate [depth 0]",
                                leaf.who));
  }
  return std::nullopt;
}

Result<void> Validation::run() {
  if (auto error = load()) {
    return fail(*std::move(error));
  }
  path_.push_back(0);
  if (!extend()) {
    if (!best_) {
      return fail(Errc::internal_error, "certificate verification: no path and no reason");
    }
    return fail(std::move(best_->error));
  }
  if (auto error = check_leaf()) {
    return fail(*std::move(error));
  }
  if (request_.purpose == Purpose::server_auth) {
    // RFC 9525 (no CN fallback): shared with the OpenSSL validator.
    return match_server_name(request_.presented.front(), *request_.server_name);
  }
  return {};
}

}  // namespace

Result<void> validate(const VerifyRequest& request) { return Validation(request).run(); }

}  // namespace sanstls::x509::path

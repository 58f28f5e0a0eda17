// SPDX-License-Identifier: Apache-2.0 OR MIT
// The certificate maker's policy: which extensions each kind of certificate gets, what the
// defaults are and what each Flaw changes. The libcrypto work is in x509_builder.cpp.

#include <sanstls/testing/certificate_authority.hpp>

#include "certmaker/x509_builder.hpp"
#include "core/credentials_impl.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <utility>

namespace sanstls::testing {
namespace {

using Clock = std::chrono::system_clock;
using certmaker::CertificateSpec;
using certmaker::KeyUsageBit;

struct AlgorithmName {
  KeyAlgorithm algorithm;
  std::string_view name;
};

constexpr std::array<AlgorithmName, 6> algorithm_names{{
    {KeyAlgorithm::ecdsa_p256, "ecdsa-p256"},
    {KeyAlgorithm::ecdsa_p384, "ecdsa-p384"},
    {KeyAlgorithm::rsa_2048, "rsa-2048"},
    {KeyAlgorithm::rsa_3072, "rsa-3072"},
    {KeyAlgorithm::rsa_4096, "rsa-4096"},
    {KeyAlgorithm::ed25519, "ed25519"},
}};

// Peers' clocks disagree; a certificate made "now" should already be valid for them.
constexpr std::chrono::hours clock_skew_allowance{1};

struct Validity {
  Clock::time_point not_before;
  Clock::time_point not_after;
};

Result<Validity> validity_window(const std::optional<Clock::time_point>& not_before,
                                 const std::optional<Clock::time_point>& not_after,
                                 std::chrono::seconds validity) {
  if (!not_after && validity <= std::chrono::seconds::zero()) {
    return fail(
        Errc::bad_configuration,
        fmt::format("certificate maker: validity must be positive (got {} s)", validity.count()));
  }
  const Clock::time_point now = Clock::now();
  Validity window;
  window.not_before = not_before.value_or(now - clock_skew_allowance);
  window.not_after = not_after.value_or(not_before.value_or(now) +
                                        std::chrono::duration_cast<Clock::duration>(validity));
  return window;
}

Result<CertificateSpec> ca_spec(const CaOptions& options) {
  if (options.common_name.empty()) {
    return fail(Errc::bad_configuration, "certificate maker: a CA needs a common name");
  }
  auto window = validity_window(options.not_before, options.not_after, options.validity);
  if (!window) {
    return tl::unexpected(window.error());
  }
  CertificateSpec spec;
  spec.common_name = options.common_name;
  spec.not_before = window->not_before;
  spec.not_after = window->not_after;
  spec.ca = true;
  spec.path_length = options.path_length;
  // RFC 5280 §4.2.1.3: a CA key that signs certificates and CRLs.
  spec.key_usage = {KeyUsageBit::key_cert_sign, KeyUsageBit::crl_sign};
  spec.permitted_dns_subtrees = options.permitted_dns_subtrees;
  spec.excluded_dns_subtrees = options.excluded_dns_subtrees;
  spec.permitted_ip_subtrees = options.permitted_ip_subtrees;
  spec.excluded_ip_subtrees = options.excluded_ip_subtrees;
  return spec;
}

bool is_rsa(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::rsa_2048 || algorithm == KeyAlgorithm::rsa_3072 ||
         algorithm == KeyAlgorithm::rsa_4096;
}

Result<CertificateSpec> leaf_spec(const LeafOptions& options) {
  if (options.names.empty()) {
    return fail(Errc::bad_configuration,
                "certificate maker: a leaf certificate needs at least one name");
  }
  const Flaws& flaws = options.flaws;
  auto window = validity_window(options.not_before, options.not_after, options.validity);
  if (!window) {
    return tl::unexpected(window.error());
  }
  CertificateSpec spec;
  // CN = first name for old clients that still read it; a name too long for a CN (RFC 5280
  // ub-common-name = 64) leaves the subject empty and the SAN critical instead.
  if (options.names.front().size() <= 64) {
    spec.common_name = options.names.front();
  }
  spec.alt_names = options.names;
  spec.not_before = window->not_before;
  spec.not_after = window->not_after;
  spec.ca = flaws.ca_flag_on_leaf;
  spec.sha1_signature = flaws.sha1_signature;

  const bool rsa_key = flaws.rsa_1024_key || is_rsa(options.key);
  // TLS 1.2 RSA key exchange would need keyEncipherment; sanstls never uses it, but other
  // peers built from these certificates (s_server with older settings) may expect the bit.
  spec.key_usage = {flaws.no_digital_signature_usage ? KeyUsageBit::content_commitment
                                                     : KeyUsageBit::digital_signature};
  if (rsa_key) {
    spec.key_usage.push_back(KeyUsageBit::key_encipherment);
  }

  const bool server_auth = !options.client && !flaws.no_server_auth_usage;
  const bool client_auth = options.client && !flaws.no_client_auth_usage;
  if (server_auth) {
    spec.extended_key_usage.push_back(NID_server_auth);
  }
  if (client_auth) {
    spec.extended_key_usage.push_back(NID_client_auth);
  }
  if (spec.extended_key_usage.empty()) {
    // An EKU extension that is present but names neither TLS purpose is what the flaw is
    // about (an absent EKU would mean "any purpose").
    spec.extended_key_usage.push_back(NID_email_protect);
  }
  return spec;
}

std::optional<int> subject_rsa_bits(const LeafOptions& options) {
  if (options.flaws.rsa_1024_key) {
    return 1024;
  }
  return std::nullopt;
}

// The chain helper for the leaf-making entry points: a workspace, a fresh key, a certificate.
struct Issued {
  Certificate certificate;
  PrivateKey key;
};

Result<Issued> issue(const CertificateSpec& spec, KeyAlgorithm algorithm,
                     std::optional<int> rsa_bits, const CertificateAuthority* issuer) {
  auto workspace = certmaker::Workspace::create();
  if (!workspace) {
    return tl::unexpected(workspace.error());
  }
  auto subject_key = certmaker::generate_key(*workspace, algorithm, rsa_bits);
  if (!subject_key) {
    return tl::unexpected(subject_key.error());
  }
  ossl::X509Ptr issuer_certificate;
  ossl::EvpPkeyPtr issuer_key;
  if (issuer != nullptr) {
    auto imported_certificate = certmaker::import_certificate(*workspace, issuer->certificate());
    if (!imported_certificate) {
      return tl::unexpected(imported_certificate.error());
    }
    auto imported_key = certmaker::import_key(*workspace, issuer->key());
    if (!imported_key) {
      return tl::unexpected(imported_key.error());
    }
    issuer_certificate = std::move(*imported_certificate);
    issuer_key = std::move(*imported_key);
  }
  EVP_PKEY* signing_key = issuer != nullptr ? issuer_key.get() : subject_key->get();
  auto built = certmaker::build_certificate(*workspace, spec, subject_key->get(),
                                            issuer_certificate.get(), signing_key);
  if (!built) {
    return tl::unexpected(built.error());
  }
  auto certificate = certmaker::export_certificate(built->get());
  if (!certificate) {
    return tl::unexpected(certificate.error());
  }
  auto key = certmaker::export_key(subject_key->get());
  if (!key) {
    return tl::unexpected(key.error());
  }
  return Issued{std::move(*certificate), std::move(*key)};
}

Result<CertificateChain> to_chain(Result<IssuedLeaf> leaf) {
  if (!leaf) {
    return tl::unexpected(leaf.error());
  }
  return CertificateChain::create(std::move(leaf->certificates), std::move(leaf->key));
}

}  // namespace

Result<KeyAlgorithm> parse_key_algorithm(std::string_view name) {
  for (const auto& entry : algorithm_names) {
    if (entry.name == name) {
      return entry.algorithm;
    }
  }
  std::string accepted;
  for (const auto& entry : algorithm_names) {
    accepted += accepted.empty() ? "" : ", ";
    accepted += entry.name;
  }
  return fail(Errc::bad_configuration,
              fmt::format("unknown key type '{}' (expected one of: {})", name, accepted));
}

std::string_view key_algorithm_name(KeyAlgorithm algorithm) {
  for (const auto& entry : algorithm_names) {
    if (entry.algorithm == algorithm) {
      return entry.name;
    }
  }
  return "unknown";
}

std::vector<KeyAlgorithm> all_key_algorithms() {
  std::vector<KeyAlgorithm> all;
  for (const auto& entry : algorithm_names) {
    all.push_back(entry.algorithm);
  }
  return all;
}

std::string IssuedLeaf::certificates_pem() const {
  std::string pem;
  for (const Certificate& certificate : certificates) {
    pem += certmaker::certificate_pem(certificate);
  }
  return pem;
}

std::string IssuedLeaf::key_pem() const { return certmaker::key_pem(key); }

CertificateAuthority::CertificateAuthority(Certificate certificate, PrivateKey key,
                                           std::vector<Certificate> chain, Certificate root)
    : certificate_(std::move(certificate)),
      key_(std::move(key)),
      chain_(std::move(chain)),
      root_(std::move(root)) {}

Result<CertificateAuthority> CertificateAuthority::create(const CaOptions& options) {
  auto spec = ca_spec(options);
  if (!spec) {
    return tl::unexpected(spec.error());
  }
  auto issued = issue(*spec, options.key, std::nullopt, nullptr);
  if (!issued) {
    return tl::unexpected(issued.error());
  }
  Certificate root = issued->certificate;
  return CertificateAuthority(std::move(issued->certificate), std::move(issued->key), {},
                              std::move(root));
}

Result<CertificateAuthority> CertificateAuthority::load(std::string_view cert_pem,
                                                        std::string_view key_pem) {
  auto certificates = Certificate::all_from_pem(cert_pem);
  if (!certificates) {
    return tl::unexpected(certificates.error());
  }
  if (certificates->empty()) {
    return fail(Errc::bad_configuration, "certificate maker: the CA file holds no certificate");
  }
  auto key = PrivateKey::from_pem(key_pem);
  if (!key) {
    return tl::unexpected(key.error());
  }
  for (const Certificate& certificate : *certificates) {
    if (!certmaker::is_ca_certificate(certificate)) {
      return fail(Errc::bad_configuration,
                  fmt::format("certificate maker: '{}' is not a CA certificate (basicConstraints "
                              "cA is not TRUE)",
                              certificate.subject()));
    }
  }
  if (!certmaker::key_matches(*key, certificates->front())) {
    Error error = make_error(
        Errc::bad_configuration,
        fmt::format("certificate maker: the CA key does not belong to the CA certificate '{}'",
                    certificates->front().subject()));
    error.credential_problem = CredentialProblem::key_does_not_match_leaf;
    return fail(std::move(error));
  }
  Certificate own = certificates->front();
  Certificate root = certificates->back();
  // chain(): this CA and the intermediates above it, never the root. A lone certificate is
  // the root itself.
  std::vector<Certificate> chain;
  if (certificates->size() > 1) {
    chain.assign(certificates->begin(), certificates->end() - 1);
  }
  return CertificateAuthority(std::move(own), std::move(*key), std::move(chain), std::move(root));
}

Result<CertificateAuthority> CertificateAuthority::issue_intermediate(
    const CaOptions& options) const {
  auto spec = ca_spec(options);
  if (!spec) {
    return tl::unexpected(spec.error());
  }
  auto issued = issue(*spec, options.key, std::nullopt, this);
  if (!issued) {
    return tl::unexpected(issued.error());
  }
  std::vector<Certificate> chain;
  chain.reserve(chain_.size() + 1);
  chain.push_back(issued->certificate);
  chain.insert(chain.end(), chain_.begin(), chain_.end());
  return CertificateAuthority(std::move(issued->certificate), std::move(issued->key),
                              std::move(chain), root_);
}

Result<IssuedLeaf> CertificateAuthority::issue_leaf_parts(const LeafOptions& options) const {
  auto spec = leaf_spec(options);
  if (!spec) {
    return tl::unexpected(spec.error());
  }
  auto issued = issue(*spec, options.key, subject_rsa_bits(options), this);
  if (!issued) {
    return tl::unexpected(issued.error());
  }
  std::vector<Certificate> certificates;
  certificates.reserve(chain_.size() + 1);
  certificates.push_back(std::move(issued->certificate));
  certificates.insert(certificates.end(), chain_.begin(), chain_.end());
  return IssuedLeaf{std::move(certificates), std::move(issued->key)};
}

Result<CertificateChain> CertificateAuthority::issue_leaf(const LeafOptions& options) const {
  return to_chain(issue_leaf_parts(options));
}

std::string CertificateAuthority::certificate_pem() const {
  return certmaker::certificate_pem(certificate_);
}

std::string CertificateAuthority::key_pem() const { return certmaker::key_pem(key_); }

TrustStore CertificateAuthority::trust_store() const {
  auto store = TrustStore::from_certificates({root_});
  // Only running out of memory fails here; an empty store then trusts nothing (fails closed).
  return store ? std::move(*store) : TrustStore{};
}

Result<IssuedLeaf> make_self_signed_leaf_parts(const LeafOptions& options) {
  auto spec = leaf_spec(options);
  if (!spec) {
    return tl::unexpected(spec.error());
  }
  auto issued = issue(*spec, options.key, subject_rsa_bits(options), nullptr);
  if (!issued) {
    return tl::unexpected(issued.error());
  }
  std::vector<Certificate> certificates;
  certificates.push_back(std::move(issued->certificate));
  return IssuedLeaf{std::move(certificates), std::move(issued->key)};
}

Result<CertificateChain> make_self_signed_leaf(const LeafOptions& options) {
  return to_chain(make_self_signed_leaf_parts(options));
}

}  // namespace sanstls::testing

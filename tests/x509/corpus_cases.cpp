// SPDX-License-Identifier: Apache-2.0 OR MIT
// The X.509 corpus table (see corpus_cases.hpp). Each case names the rule that decides it; the
// certificates are made fresh by the certificate maker's low-level builder
// (src/certmaker/x509_builder.hpp) and, for non-DER encodings, by hand edits of the DER that
// are signed again with the issuer's key (src/certmaker/der_edit.hpp).

#include "x509/corpus_cases.hpp"

#include "certmaker/der_edit.hpp"
#include "certmaker/x509_builder.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace sanstls::corpus {
namespace {

using certmaker::AuthorityKeyId;
using certmaker::CertificateSpec;
using certmaker::DerNode;
using certmaker::KeyUsageBit;
using certmaker::PssParameters;
using certmaker::RawExtension;
using Clock = std::chrono::system_clock;
using testing::KeyAlgorithm;
using Tweak = std::function<void(CertificateSpec&)>;

// ---- time -------------------------------------------------------------------------------------

Clock::time_point at(int year, unsigned month, unsigned day, int seconds = 0) {
  const std::chrono::sys_days date =
      std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day};
  return Clock::time_point(date) + std::chrono::seconds(seconds);
}

// Every certificate is valid 2025-01-01 .. 2030-01-01 unless a case says otherwise; the
// validation time is 2026-06-01.
const Clock::time_point default_not_before = at(2025, 1, 1);
const Clock::time_point default_not_after = at(2030, 1, 1);

// ---- set-up errors ----------------------------------------------------------------------------

/// A certificate-maker refusal while building the table: a broken corpus, not a verdict.
struct SetupFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
T must(Result<T> result, std::string_view what) {
  if (!result) {
    throw SetupFailure(fmt::format("{}: {}", what, result.error().message));
  }
  return std::move(*result);
}

// ---- a tiny PKI on top of the builder ---------------------------------------------------------

using Key = std::shared_ptr<EVP_PKEY>;

/// One certificate of a case: its DER (possibly hand-edited), the libcrypto object it was
/// made from (to issue children), its key and its CN.
struct Cert {
  Der der;
  std::shared_ptr<X509> x509;
  Key key;
  std::string name;
};

class Pki {
 public:
  Pki() : workspace_(must(certmaker::Workspace::create(), "workspace")) {}

  Key key(KeyAlgorithm algorithm = KeyAlgorithm::ecdsa_p256,
          std::optional<int> rsa_bits = std::nullopt) {
    auto made = must(certmaker::generate_key(workspace_, algorithm, rsa_bits), "key");
    return Key(made.release(), EVP_PKEY_free);
  }

  static CertificateSpec ca_spec(const std::string& name) {
    CertificateSpec spec;
    spec.common_name = name;
    spec.not_before = default_not_before;
    spec.not_after = default_not_after;
    spec.ca = true;
    spec.key_usage = {KeyUsageBit::key_cert_sign, KeyUsageBit::crl_sign};
    return spec;
  }

  static CertificateSpec leaf_spec(std::vector<std::string> names, bool client = false) {
    CertificateSpec spec;
    spec.common_name = names.front();
    spec.alt_names = std::move(names);
    spec.not_before = default_not_before;
    spec.not_after = default_not_after;
    spec.key_usage = {KeyUsageBit::digital_signature};
    spec.extended_key_usage = {client ? NID_client_auth : NID_server_auth};
    return spec;
  }

  /// Signs `spec` for `subject_key` with `issuer` (nullptr: self-signed).
  Cert issue(const CertificateSpec& spec, Key subject_key, const Cert* issuer) {
    EVP_PKEY* signer = issuer != nullptr ? issuer->key.get() : subject_key.get();
    auto built =
        must(certmaker::build_certificate(workspace_, spec, subject_key.get(),
                                          issuer != nullptr ? issuer->x509.get() : nullptr, signer),
             spec.common_name);
    Der der = must(certmaker::certificate_der(built.get()), spec.common_name);
    return Cert{std::move(der), std::shared_ptr<X509>(built.release(), X509_free),
                std::move(subject_key), spec.common_name};
  }

  Cert root(const std::string& name, const Tweak& tweak = {}, Key subject_key = nullptr) {
    CertificateSpec spec = ca_spec(name);
    if (tweak) {
      tweak(spec);
    }
    return issue(spec, subject_key ? std::move(subject_key) : key(), nullptr);
  }

  Cert ca(const std::string& name, const Cert& issuer, const Tweak& tweak = {},
          Key subject_key = nullptr) {
    CertificateSpec spec = ca_spec(name);
    if (tweak) {
      tweak(spec);
    }
    return issue(spec, subject_key ? std::move(subject_key) : key(), &issuer);
  }

  Cert leaf(const Cert& issuer, std::vector<std::string> names = {"www.example.com"},
            const Tweak& tweak = {}, Key subject_key = nullptr) {
    CertificateSpec spec = leaf_spec(std::move(names));
    if (tweak) {
      tweak(spec);
    }
    return issue(spec, subject_key ? std::move(subject_key) : key(), &issuer);
  }

  Cert client_leaf(const Cert& issuer, const Tweak& tweak = {}) {
    CertificateSpec spec = leaf_spec({"client.example.com"}, true);
    if (tweak) {
      tweak(spec);
    }
    return issue(spec, key(), &issuer);
  }

  /// `cert` with its TBSCertificate edited by `edit` and signed again by `issuer_key`.
  Cert edited(const Cert& cert, EVP_PKEY* issuer_key, const std::function<void(DerNode&)>& edit,
              bool sha1 = false) {
    Cert out = cert;
    out.der = must(certmaker::rewrite_tbs(
                       workspace_, cert.der, issuer_key,
                       [&edit](DerNode& tbs) -> Result<void> {
                         edit(tbs);
                         return {};
                       },
                       sha1),
                   cert.name + " (edited)");
    return out;
  }

 private:
  certmaker::Workspace workspace_;
};

DerNode& extension_value_of(DerNode& tbs, const char* oid) {
  DerNode* extension = certmaker::find_extension(tbs, oid);
  if (extension == nullptr) {
    throw SetupFailure(fmt::format("no extension {} to edit", oid));
  }
  return certmaker::extension_value(*extension);
}

DerNode& extensions_sequence(DerNode& tbs) {
  for (DerNode& child : tbs.children) {
    if (child.tag == 0xA3 && child.children.size() == 1) {
      return child.children.front();
    }
  }
  throw SetupFailure("no extensions to edit");
}

// ---- expectations -----------------------------------------------------------------------------

Expected valid() { return Expected{true, CertificateProblem::none, {}}; }
Expected refused(CertificateProblem problem, std::string fragment = {}) {
  return Expected{false, problem, std::move(fragment)};
}

// ---- the table ----------------------------------------------------------------------------------

class Table {
 public:
  /// `untrusted` in issuing order (the leaf's issuer first); the table shuffles them.
  void add(std::string name, std::string rule, const Cert& leaf, std::vector<Cert> untrusted,
           std::vector<Cert> trust, Expected expected, std::string host = "www.example.com",
           Purpose purpose = Purpose::server, Clock::time_point time = corpus_time()) {
    Case entry;
    entry.name = std::move(name);
    entry.rule = std::move(rule);
    entry.chain.push_back(leaf.der);
    std::vector<Der> rest;
    for (const Cert& cert : untrusted) {
      rest.push_back(cert.der);
    }
    shuffle(rest, entry.name);
    entry.chain.insert(entry.chain.end(), rest.begin(), rest.end());
    for (const Cert& cert : trust) {
      entry.trust.push_back(cert.der);
    }
    entry.host = purpose == Purpose::client ? std::string{} : std::move(host);
    entry.purpose = purpose;
    entry.time = time;
    entry.expected = std::move(expected);
    for (const Case& existing : cases_) {
      if (existing.name == entry.name) {
        throw SetupFailure("duplicate case name " + entry.name);
      }
    }
    cases_.push_back(std::move(entry));
  }

  std::vector<Case> take() { return std::move(cases_); }

 private:
  // Deterministic per case name, and never the issuing order when there are two or more
  // certificates: a path builder must not depend on the order the peer sent.
  static void shuffle(std::vector<Der>& certificates, const std::string& seed) {
    if (certificates.size() < 2) {
      return;
    }
    const std::vector<Der> original = certificates;
    std::seed_seq sequence(seed.begin(), seed.end());
    std::mt19937 random(sequence);
    std::shuffle(certificates.begin(), certificates.end(), random);
    if (certificates == original) {
      std::reverse(certificates.begin(), certificates.end());
    }
  }

  std::vector<Case> cases_;
};

constexpr CertificateProblem expired = CertificateProblem::expired;
constexpr CertificateProblem not_yet_valid = CertificateProblem::not_yet_valid;
constexpr CertificateProblem name_mismatch = CertificateProblem::name_mismatch;
constexpr CertificateProblem unknown_issuer = CertificateProblem::unknown_issuer;
constexpr CertificateProblem bad_signature = CertificateProblem::bad_signature;
constexpr CertificateProblem weak_key = CertificateProblem::weak_key;
constexpr CertificateProblem weak_signature = CertificateProblem::weak_signature_algorithm;
constexpr CertificateProblem wrong_usage = CertificateProblem::wrong_usage;
constexpr CertificateProblem name_constraint = CertificateProblem::name_constraint_violation;
constexpr CertificateProblem path_length = CertificateProblem::path_length_exceeded;
constexpr CertificateProblem too_long = CertificateProblem::chain_too_long;
constexpr CertificateProblem malformed = CertificateProblem::malformed;

void basic_cases(Pki& pki, Table& table) {
  {
    Cert root = pki.root("basic root");
    Cert ca = pki.ca("basic intermediate", root);
    Cert leaf = pki.leaf(ca);
    table.add("valid_three_certificates", "RFC 5280 §6.1: a complete path to a trust anchor", leaf,
              {ca}, {root}, valid());
    table.add("valid_root_also_sent",
              "RFC 8446 §4.4.2: the root may be sent; it is not needed and must not hurt", leaf,
              {ca, root}, {root}, valid());
    table.add("missing_intermediate",
              "RFC 5280 §6.1: no path from the leaf to a trust anchor without the intermediate",
              leaf, {}, {root}, refused(unknown_issuer));
    Cert other_root = pki.root("unrelated root");
    table.add("untrusted_root", "RFC 5280 §6.1: the path ends at a root that is not trusted", leaf,
              {ca}, {other_root}, refused(unknown_issuer));
    table.add("name_mismatch", "RFC 9525 §6.3: no subjectAltName matches the host name", leaf, {ca},
              {root}, refused(name_mismatch, "other.example.com"), "other.example.com");
    Cert stranger = pki.ca("stray intermediate", other_root);
    table.add("valid_with_unrelated_extra_certificates",
              "RFC 8446 §4.4.2: extra certificates the path does not need are ignored", leaf,
              {ca, stranger, other_root}, {root}, valid());
  }
  {
    Cert root = pki.root("direct root");
    Cert leaf = pki.leaf(root);
    table.add("valid_leaf_under_root", "RFC 5280 §6.1: a path of one certificate", leaf, {}, {root},
              valid());
  }
  {
    Cert root = pki.root("signature root");
    Cert ca = pki.ca("signature intermediate", root);
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "bad signature leaf"; });
    leaf.der.back() ^= 0x01;  // the last octet of the ECDSA s value
    table.add("bad_signature_leaf",
              "RFC 5280 §6.1.3 (a)(1): the signature must verify with the issuer's key", leaf, {ca},
              {root}, refused(bad_signature, "bad signature leaf"));
  }
  {
    Cert self = pki.issue(
        [] {
          CertificateSpec spec = Pki::leaf_spec({"www.example.com"});
          spec.common_name = "self-signed leaf";
          return spec;
        }(),
        pki.key(), nullptr);
    Cert root = pki.root("self-signed test root");
    table.add("self_signed_leaf_untrusted",
              "RFC 5280 §6.1: a self-signed end-entity certificate that is not a trust anchor",
              self, {}, {root}, refused(CertificateProblem::self_signed, "self-signed leaf"));
    table.add("self_signed_leaf_trusted",
              "RFC 5280 §6.1: a certificate that is itself the trust anchor is accepted "
              "(direct trust)",
              self, {}, {self}, valid());
  }
  {
    Cert root = pki.root("p384 root", {}, pki.key(KeyAlgorithm::ecdsa_p384));
    Cert ca = pki.ca("ed25519 intermediate", root, {}, pki.key(KeyAlgorithm::ed25519));
    Cert leaf = pki.leaf(ca, {"www.example.com"}, {}, pki.key(KeyAlgorithm::rsa_2048));
    table.add("valid_mixed_algorithms",
              "RFC 8446 §4.2.3: ECDSA P-384, Ed25519 and RSA-2048 along one path", leaf, {ca},
              {root}, valid());
  }
}

void validity_cases(Pki& pki, Table& table) {
  const auto past = [](CertificateSpec& spec) {
    spec.not_before = at(2024, 1, 1);
    spec.not_after = at(2026, 1, 1);
  };
  const auto future = [](CertificateSpec& spec) {
    spec.not_before = at(2027, 1, 1);
    spec.not_after = at(2030, 1, 1);
  };
  struct Depth {
    const char* label;
    int index;  // 0 leaf, 1 intermediate, 2 root
  };
  for (const Depth depth : {Depth{"leaf", 0}, Depth{"intermediate", 1}, Depth{"root", 2}}) {
    for (const bool is_expired : {true, false}) {
      const std::string kind = is_expired ? "expired" : "not_yet_valid";
      const std::string cn = fmt::format("{} {}", is_expired ? "expired" : "future", depth.label);
      const Tweak tweak = is_expired ? Tweak(past) : Tweak(future);
      Cert root =
          pki.root(depth.index == 2 ? cn : cn + " case root", depth.index == 2 ? tweak : Tweak{});
      Cert ca = pki.ca(depth.index == 1 ? cn : cn + " case intermediate", root,
                       depth.index == 1 ? tweak : Tweak{});
      Cert leaf = pki.leaf(ca, {"www.example.com"}, [&](CertificateSpec& spec) {
        spec.common_name = depth.index == 0 ? cn : cn + " case leaf";
        if (depth.index == 0) {
          tweak(spec);
        }
      });
      const std::string name = fmt::format("{}_{}", kind, depth.label);
      if (depth.index == 2) {
        table.add(name,
                  "RFC 5280 §6.1.1 (d): the trust anchor is an input (name and key), not a "
                  "certificate of the path; its validity period is not checked",
                  leaf, {ca}, {root}, valid());
      } else {
        table.add(name,
                  "RFC 5280 §6.1.3 (a)(2): every certificate of the path must be valid at the "
                  "validation time",
                  leaf, {ca}, {root}, refused(is_expired ? expired : not_yet_valid, cn));
      }
    }
  }
  {
    Cert root = pki.root("boundary root");
    Cert ca = pki.ca("boundary intermediate", root);
    Cert leaf = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "boundary leaf";
      spec.not_before = at(2026, 1, 1);
      spec.not_after = at(2026, 6, 1);
    });
    table.add("valid_at_not_after",
              "RFC 5280 §4.1.2.5: the validity period is notBefore through notAfter, inclusive",
              leaf, {ca}, {root}, valid(), "www.example.com", Purpose::server, at(2026, 6, 1));
    table.add("valid_at_not_before", "RFC 5280 §4.1.2.5: notBefore itself is inside the period",
              leaf, {ca}, {root}, valid(), "www.example.com", Purpose::server, at(2026, 1, 1));
    table.add("expired_one_second_after_not_after",
              "RFC 5280 §4.1.2.5 / §6.1.3 (a)(2): one second after notAfter", leaf, {ca}, {root},
              refused(expired, "boundary leaf"), "www.example.com", Purpose::server,
              at(2026, 6, 1, 1));
  }
}

void usage_cases(Pki& pki, Table& table) {
  Cert root = pki.root("usage root");
  Cert ca = pki.ca("usage intermediate", root);
  const auto eku = [](std::vector<int> nids, std::string cn) {
    return [nids = std::move(nids), cn = std::move(cn)](CertificateSpec& spec) {
      spec.extended_key_usage = nids;
      spec.common_name = cn;
    };
  };
  const std::string rule_eku =
      "RFC 5280 §4.2.1.12: with extendedKeyUsage present the certificate may only be used for "
      "the purposes listed (RFC 8446 §4.4.2.2)";
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"}, eku({}, "no eku leaf"));
    table.add("eku_absent_server",
              "RFC 5280 §4.2.1.12: without extendedKeyUsage the key is not restricted", leaf, {ca},
              {root}, valid());
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"}, eku({NID_client_auth}, "client-only leaf"));
    table.add("eku_client_only_for_server", rule_eku, leaf, {ca}, {root},
              refused(wrong_usage, "client-only leaf"));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"}, eku({NID_email_protect}, "email-only leaf"));
    table.add("eku_other_for_server", rule_eku, leaf, {ca}, {root},
              refused(wrong_usage, "email-only leaf"));
  }
  {
    Cert leaf =
        pki.leaf(ca, {"www.example.com"}, eku({NID_server_auth, NID_client_auth}, "dual-use leaf"));
    table.add("eku_both_for_server", rule_eku, leaf, {ca}, {root}, valid());
    table.add("eku_both_for_client", rule_eku, leaf, {ca}, {root}, valid(), {}, Purpose::client);
  }
  {
    Cert leaf = pki.client_leaf(ca);
    table.add("eku_client_for_client", rule_eku, leaf, {ca}, {root}, valid(), {}, Purpose::client);
    Cert server = pki.leaf(ca, {"www.example.com"}, eku({NID_server_auth}, "server-only leaf"));
    table.add("eku_server_only_for_client", rule_eku, server, {ca}, {root},
              refused(wrong_usage, "server-only leaf"), {}, Purpose::client);
    Cert none = pki.client_leaf(ca, eku({}, "client no eku"));
    table.add("eku_absent_client",
              "RFC 5280 §4.2.1.12: without extendedKeyUsage the key is not restricted", none, {ca},
              {root}, valid(), {}, Purpose::client);
  }
  {
    Cert narrow = pki.ca("client-only intermediate", root, [](CertificateSpec& spec) {
      spec.extended_key_usage = {NID_client_auth};
    });
    Cert leaf = pki.leaf(narrow);
    table.add("intermediate_eku_excludes_purpose",
              "RFC 5280 §4.2.1.12 as applied to CAs by the Web PKI (issue #19: a present EKU on "
              "an intermediate must allow the purpose)",
              leaf, {narrow}, {root}, refused(wrong_usage, "client-only intermediate"));
    Cert client = pki.client_leaf(narrow);
    table.add("intermediate_eku_allows_purpose",
              "RFC 5280 §4.2.1.12: the intermediate's EKU includes clientAuth", client, {narrow},
              {root}, valid(), {}, Purpose::client);
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "no digitalSignature leaf";
      spec.key_usage = {KeyUsageBit::key_encipherment};
    });
    table.add("leaf_key_usage_without_digital_signature",
              "RFC 8446 §4.4.2.2: the digitalSignature bit MUST be set if keyUsage is present",
              leaf, {ca}, {root}, refused(wrong_usage, "no digitalSignature leaf"));
    Cert none = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "no key usage leaf";
      spec.key_usage.clear();
    });
    table.add("leaf_key_usage_absent",
              "RFC 5280 §4.2.1.3: without keyUsage the key is not "
              "restricted",
              none, {ca}, {root}, valid());
  }
  {
    Cert no_sign = pki.ca("no keyCertSign intermediate", root, [](CertificateSpec& spec) {
      spec.key_usage = {KeyUsageBit::digital_signature};
    });
    Cert leaf = pki.leaf(no_sign);
    table.add("intermediate_without_key_cert_sign",
              "RFC 5280 §6.1.4 (n): if keyUsage is present, keyCertSign must be set", leaf,
              {no_sign}, {root}, refused(wrong_usage, "no keyCertSign intermediate"));
  }
  {
    Cert leaf_ca = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "CA flag leaf";
      spec.ca = true;
    });
    table.add("leaf_is_a_ca",
              "RFC 5280 §4.2.1.9: cA=TRUE says the key signs certificates; sanstls (like webpki) "
              "refuses a CA certificate as a TLS end entity",
              leaf_ca, {ca}, {root}, refused(wrong_usage, "CA flag leaf"));
  }
}

void constraint_cases(Pki& pki, Table& table) {
  Cert root = pki.root("constraints root");
  {
    Cert no_bc = pki.ca("no basicConstraints intermediate", root,
                        [](CertificateSpec& spec) { spec.basic_constraints = false; });
    Cert leaf = pki.leaf(no_bc);
    table.add("intermediate_without_basic_constraints",
              "RFC 5280 §6.1.4 (k): an intermediate must have basicConstraints with cA=TRUE", leaf,
              {no_bc}, {root}, refused(wrong_usage, "no basicConstraints intermediate"));
  }
  {
    Cert not_ca = pki.ca("cA false intermediate", root, [](CertificateSpec& spec) {
      spec.ca = false;
      spec.key_usage = {KeyUsageBit::digital_signature};
    });
    Cert leaf = pki.leaf(not_ca);
    table.add("intermediate_ca_false",
              "RFC 5280 §6.1.4 (k): an intermediate must have basicConstraints with cA=TRUE", leaf,
              {not_ca}, {root}, refused(wrong_usage, "cA false intermediate"));
  }
  {
    Cert top =
        pki.ca("pathlen 0 intermediate", root, [](CertificateSpec& spec) { spec.path_length = 0; });
    Cert below = pki.ca("below pathlen 0", top);
    Cert leaf = pki.leaf(below);
    table.add("path_length_zero_exceeded",
              "RFC 5280 §6.1.4 (l)/(m): pathLenConstraint 0 allows no intermediate below", leaf,
              {below, top}, {root}, refused(path_length, "pathlen 0 intermediate"));
    Cert direct = pki.leaf(top);
    table.add("path_length_zero_leaf_only",
              "RFC 5280 §4.2.1.9: pathLenConstraint counts CA certificates, not the leaf", direct,
              {top}, {root}, valid());
  }
  {
    Cert top =
        pki.ca("pathlen 1 intermediate", root, [](CertificateSpec& spec) { spec.path_length = 1; });
    Cert middle = pki.ca("pathlen 1 middle", top);
    Cert bottom = pki.ca("pathlen 1 bottom", middle);
    Cert ok = pki.leaf(middle);
    table.add("path_length_one_ok", "RFC 5280 §6.1.4 (m): one intermediate below pathLen 1", ok,
              {middle, top}, {root}, valid());
    Cert deep = pki.leaf(bottom);
    table.add("path_length_one_exceeded", "RFC 5280 §6.1.4 (l): two intermediates below pathLen 1",
              deep, {bottom, middle, top}, {root}, refused(path_length, "pathlen 1 intermediate"));
  }
  {
    Cert ca = pki.ca("pathlen leaf issuer", root);
    Cert leaf = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "pathlen on leaf";
      spec.path_length = 2;
    });
    table.add("path_length_on_non_ca",
              "RFC 5280 §4.2.1.9: CAs MUST NOT include pathLenConstraint unless cA is TRUE", leaf,
              {ca}, {root}, refused(malformed, "pathlen on leaf"));
  }
}

void name_cases(Pki& pki, Table& table) {
  Cert root = pki.root("names root");
  Cert ca = pki.ca("names intermediate", root);
  const std::string wildcard_rule =
      "RFC 9525 §6.3: '*' as the whole left-most label matches exactly one label";
  {
    Cert leaf = pki.leaf(ca, {"*.example.com"});
    table.add("wildcard_matches_one_label", wildcard_rule, leaf, {ca}, {root}, valid(),
              "a.example.com");
    table.add("wildcard_not_two_labels", wildcard_rule, leaf, {ca}, {root},
              refused(name_mismatch, "a.b.example.com"), "a.b.example.com");
    table.add("wildcard_not_the_parent", wildcard_rule, leaf, {ca}, {root},
              refused(name_mismatch, "example.com"), "example.com");
  }
  {
    Cert leaf = pki.leaf(ca, {"192.0.2.10", "2001:db8::1"});
    table.add("ip_san_v4_matches", "RFC 5280 §4.2.1.6 / RFC 9525 §6.2: iPAddress SAN", leaf, {ca},
              {root}, valid(), "192.0.2.10");
    table.add("ip_san_v6_matches", "RFC 5280 §4.2.1.6 / RFC 9525 §6.2: iPAddress SAN", leaf, {ca},
              {root}, valid(), "2001:db8::1");
    table.add("ip_san_other_address", "RFC 9525 §6.2: the address must be listed", leaf, {ca},
              {root}, refused(name_mismatch, "192.0.2.11"), "192.0.2.11");
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"});
    table.add("ip_host_against_dns_san",
              "RFC 9525 §6.2: an IP reference identity only matches iPAddress entries", leaf, {ca},
              {root}, refused(name_mismatch, "192.0.2.10"), "192.0.2.10");
  }
  {
    Cert leaf =
        pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) { spec.alt_names.clear(); });
    table.add("common_name_only",
              "RFC 9525 §6.3: the subject CN is never used; no subjectAltName means no match", leaf,
              {ca}, {root}, refused(name_mismatch, "www.example.com"));
  }
}

void name_constraint_cases(Pki& pki, Table& table) {
  Cert root = pki.root("nc root");
  // The fragment names the certificate whose names break a constraint: the leaf (CN = first SAN).
  const std::string rule =
      "RFC 5280 §4.2.1.10 / §6.1.3 (b),(c): names in the subjectAltName "
      "must be within permittedSubtrees and outside excludedSubtrees";
  const auto constrained = [&](const std::string& cn, const Tweak& tweak) {
    return pki.ca(cn, root, tweak);
  };
  {
    Cert ca = constrained("permits example.com",
                          [](CertificateSpec& s) { s.permitted_dns_subtrees = {"example.com"}; });
    table.add("nc_dns_permitted", rule, pki.leaf(ca), {ca}, {root}, valid());
    table.add("nc_dns_permitted_label_boundary",
              rule + " (a subtree matches whole labels: badexample.com is outside example.com)",
              pki.leaf(ca, {"www.badexample.com"}), {ca}, {root},
              refused(name_constraint, "www.badexample.com"), "www.badexample.com");
    table.add("nc_dns_permitted_ip_unconstrained",
              rule + " (no iPAddress subtree: addresses are not constrained)",
              pki.leaf(ca, {"www.example.com", "192.0.2.10"}), {ca}, {root}, valid());
    Cert below = pki.ca("below example.com constraint", ca);
    table.add("nc_inherited_by_lower_intermediate", rule + " (constraints of every CA above apply)",
              pki.leaf(below, {"www.example.org"}), {below, ca}, {root}, refused(name_constraint),
              "www.example.org");
  }
  {
    Cert ca = constrained("permits example.org",
                          [](CertificateSpec& s) { s.permitted_dns_subtrees = {"example.org"}; });
    table.add("nc_dns_not_permitted", rule, pki.leaf(ca), {ca}, {root},
              refused(name_constraint, "www.example.com"));
  }
  {
    Cert ca = constrained("excludes example.com",
                          [](CertificateSpec& s) { s.excluded_dns_subtrees = {"example.com"}; });
    table.add("nc_dns_excluded", rule, pki.leaf(ca), {ca}, {root},
              refused(name_constraint, "www.example.com"));
  }
  {
    Cert ca = constrained("excludes evil.test",
                          [](CertificateSpec& s) { s.excluded_dns_subtrees = {"evil.test"}; });
    table.add("nc_dns_excluded_other_san",
              rule + " (every SAN is checked, not only the one matched)",
              pki.leaf(ca, {"www.example.com", "www.evil.test"}), {ca}, {root},
              refused(name_constraint, "www.example.com"));
  }
  {
    Cert ca = constrained("excludes secret.example.com", [](CertificateSpec& s) {
      s.excluded_dns_subtrees = {"secret.example.com"};
    });
    table.add("nc_wildcard_san_inside_excluded", rule, pki.leaf(ca, {"*.secret.example.com"}), {ca},
              {root}, refused(name_constraint, "*.secret.example.com"), "a.secret.example.com");
    table.add("nc_wildcard_matches_excluded_name",
              "RFC 5280 §4.2.1.10: 'any name matching a restriction in the excludedSubtrees "
              "field is invalid'; the wildcard *.example.com stands for secret.example.com here, "
              "so the name actually matched is checked too (issue #19)",
              pki.leaf(ca, {"*.example.com"}), {ca}, {root},
              refused(name_constraint, "secret.example.com"), "secret.example.com");
    table.add("nc_wildcard_outside_excluded", rule, pki.leaf(ca, {"*.example.com"}), {ca}, {root},
              valid(), "www.example.com");
  }
  {
    Cert ca = constrained("permits 192.0.2.0/24",
                          [](CertificateSpec& s) { s.permitted_ip_subtrees = {"192.0.2.0/24"}; });
    table.add("nc_ip_permitted", rule, pki.leaf(ca, {"192.0.2.10"}), {ca}, {root}, valid(),
              "192.0.2.10");
    table.add("nc_ip_not_permitted", rule, pki.leaf(ca, {"198.51.100.7"}), {ca}, {root},
              refused(name_constraint, "198.51.100.7"), "198.51.100.7");
  }
  {
    Cert ca = constrained("excludes 192.0.2.0/24",
                          [](CertificateSpec& s) { s.excluded_ip_subtrees = {"192.0.2.0/24"}; });
    table.add("nc_ip_excluded", rule, pki.leaf(ca, {"192.0.2.10"}), {ca}, {root},
              refused(name_constraint, "192.0.2.10"), "192.0.2.10");
  }
  {
    Cert ca = constrained("excludes 2001:db8::/32",
                          [](CertificateSpec& s) { s.excluded_ip_subtrees = {"2001:db8::/32"}; });
    table.add("nc_ipv6_excluded", rule, pki.leaf(ca, {"2001:db8::1"}), {ca}, {root},
              refused(name_constraint, "2001:db8::1"), "2001:db8::1");
    table.add("nc_ipv6_outside_excluded", rule, pki.leaf(ca, {"2001:db9::1"}), {ca}, {root},
              valid(), "2001:db9::1");
  }
}

void key_identifier_cases(Pki& pki, Table& table) {
  Cert root = pki.root("key id root");
  Cert ca = pki.ca("key id intermediate", root);
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "no AKI leaf";
      spec.authority_key_identifier = AuthorityKeyId::absent;
    });
    table.add("leaf_without_authority_key_identifier",
              "RFC 5280 §4.2.1.1: the keyIdentifier of authorityKeyIdentifier MUST be included "
              "in all certificates but a self-signed root",
              leaf, {ca}, {root}, refused(malformed, "no AKI leaf"));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "wrong AKI leaf";
      spec.authority_key_identifier = AuthorityKeyId::mismatched;
    });
    table.add("leaf_authority_key_identifier_mismatch",
              "RFC 5280 §6.1: key identifiers are hints for path building, not a check; the "
              "issuer's name matches and its key verifies the signature (§4.2.1.1: the value "
              "only SHOULD be derived from the issuer key)",
              leaf, {ca}, {root}, valid());
  }
  {
    Cert no_ski = pki.ca("no SKI intermediate", root,
                         [](CertificateSpec& spec) { spec.subject_key_identifier = false; });
    Cert leaf = pki.leaf(no_ski);
    table.add("intermediate_without_subject_key_identifier",
              "RFC 5280 §4.2.1.2: subjectKeyIdentifier MUST appear in all conforming CA "
              "certificates",
              leaf, {no_ski}, {root}, refused(malformed, "no SKI intermediate"));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.subject_key_identifier = false; });
    table.add("leaf_without_subject_key_identifier",
              "RFC 5280 §4.2.1.2: for end entities subjectKeyIdentifier is only a SHOULD", leaf,
              {ca}, {root}, valid());
  }
}

void multiple_issuer_cases(Pki& pki, Table& table) {
  {
    Cert old_root = pki.root("old root");
    Cert new_root = pki.root("new root");
    Key ca_key = pki.key();
    Cert by_old = pki.ca("cross-signed intermediate", old_root, {}, ca_key);
    Cert by_new = pki.ca("cross-signed intermediate", new_root, {}, ca_key);
    Cert leaf = pki.leaf(by_new);
    table.add("cross_signed_intermediate_old_anchor",
              "RFC 4158 §2.4 / RFC 5280 §6.1: the same subject and key under two issuers; the "
              "path through the trusted one must be found",
              leaf, {by_new, by_old}, {old_root}, valid());
    table.add("cross_signed_intermediate_new_anchor",
              "RFC 4158 §2.4: the other issuer is the trusted one", leaf, {by_old, by_new},
              {new_root}, valid());
  }
  {
    Cert old_root = pki.root("legacy root");
    Key new_key = pki.key();
    Cert new_root = pki.root("modern root", {}, new_key);
    Cert cross = pki.ca("modern root", old_root, {}, new_key);
    Cert ca = pki.ca("modern intermediate", new_root);
    Cert leaf = pki.leaf(ca);
    table.add("cross_signed_root_via_legacy_anchor",
              "RFC 4158 §2.4: a new root cross-signed by an old one; only the old root is "
              "trusted and the self-signed new root is also sent",
              leaf, {ca, new_root, cross}, {old_root}, valid());
    table.add("cross_signed_root_new_anchor",
              "RFC 5280 §6.1: the shorter path to the new root, which is trusted", leaf,
              {ca, cross}, {new_root}, valid());
  }
  {
    Cert root = pki.root("renewal root");
    Key ca_key = pki.key();
    Cert stale = pki.ca(
        "renewed intermediate", root,
        [](CertificateSpec& spec) {
          spec.not_before = at(2023, 1, 1);
          spec.not_after = at(2026, 1, 1);
        },
        ca_key);
    Cert fresh = pki.ca("renewed intermediate", root, {}, ca_key);
    Cert leaf = pki.leaf(fresh);
    table.add("two_candidates_one_expired",
              "RFC 4158 §2.4 / RFC 5280 §6.1.3 (a)(2): two certificates for the same CA, one "
              "expired; the valid one completes the path",
              leaf, {fresh, stale}, {root}, valid());
  }
  {
    // Two issuers for the same intermediate; the path through one of them is a dead end
    // (its root is not trusted), and the other reaches the anchor only through a further
    // intermediate. A builder has to back out of the dead end and try the other candidate.
    Cert dead_root = pki.root("dead-end root");
    Cert good_root = pki.root("backtrack root");
    Cert dead_ca = pki.ca("dead-end intermediate", dead_root);
    Cert good_ca = pki.ca("backtrack intermediate", good_root);
    Key shared_key = pki.key();
    Cert via_dead = pki.ca("backtrack issuing CA", dead_ca, {}, shared_key);
    Cert via_good = pki.ca("backtrack issuing CA", good_ca, {}, shared_key);
    Cert leaf = pki.leaf(via_good);
    table.add("backtrack_past_dead_end",
              "RFC 4158 §2.4, §3: when a candidate path ends at an untrusted root, the builder "
              "backtracks and tries the other issuer",
              leaf, {via_dead, via_good, dead_ca, good_ca}, {good_root}, valid());
    table.add("backtrack_past_dead_end_reordered",
              "RFC 4158 §2.4, §3: as backtrack_past_dead_end, another order of the same "
              "certificates",
              leaf, {via_good, via_dead, good_ca, dead_ca, dead_root}, {good_root}, valid());
  }
  {
    Cert root = pki.root("twin root");
    Cert twin_a = pki.ca("twin intermediate", root);
    Cert twin_b = pki.ca("twin intermediate", root);  // same name, another key
    // Both twins match the leaf's issuer name; the AKI points at twin_b, and a builder that
    // ignores it must still try both and keep the one whose key verifies the signature.
    Cert leaf = pki.leaf(twin_b);
    table.add("same_name_candidates_different_keys",
              "RFC 4158 §2.4: two issuers with the same name and different keys; the one whose "
              "key verifies the signature is the issuer",
              leaf, {twin_b, twin_a}, {root}, valid());
  }
}

void cycle_and_depth_cases(Pki& pki, Table& table) {
  {
    Key key_a = pki.key();
    Key key_b = pki.key();
    Cert a_self = pki.root("cycle A", {}, key_a);
    Cert b_by_a = pki.ca("cycle B", a_self, {}, key_b);
    Cert a_by_b = pki.ca("cycle A", b_by_a, {}, key_a);
    Cert leaf = pki.leaf(b_by_a);
    Cert unrelated = pki.root("cycle unrelated root");
    table.add("cycle_without_anchor",
              "RFC 4158 §5.2 (loop detection): A signs B and B signs A; no trust anchor is "
              "reachable and the builder must stop",
              leaf, {b_by_a, a_by_b}, {unrelated}, refused(unknown_issuer));
    Cert root = pki.root("cycle exit root");
    Cert a_by_root = pki.ca("cycle A", root, {}, key_a);
    table.add("cycle_with_exit",
              "RFC 4158 §5.2: the cycle A <-> B is skipped and the path leaf -> B -> A -> root "
              "is found",
              leaf, {b_by_a, a_by_b, a_by_root}, {root}, valid());
  }
  {
    Cert root = pki.root("deep root");
    std::vector<Cert> cas;
    const Cert* issuer = &root;
    for (int i = 1; i <= 30; ++i) {
      cas.push_back(pki.ca(fmt::format("deep intermediate {}", i), *issuer));
      issuer = &cas.back();
    }
    const auto path = [&](int intermediates) {
      std::vector<Cert> chain(cas.begin(), cas.begin() + intermediates);
      std::reverse(chain.begin(), chain.end());  // issuing order: the leaf's issuer first
      return chain;
    };
    const auto leaf_under = [&](int intermediates) {
      return pki.leaf(cas[static_cast<std::size_t>(intermediates - 1)]);
    };
    table.add("depth_10_intermediates",
              "sanstls limit (docs/limits.md): at most 10 intermediate certificates",
              leaf_under(10), path(10), {root}, valid());
    table.add("depth_11_intermediates",
              "sanstls limit (docs/limits.md): 11 intermediates exceed the path budget",
              leaf_under(11), path(11), {root}, refused(too_long));
    table.add("depth_30_intermediates",
              "sanstls limit (docs/limits.md): a 30-deep chain is refused within the budget",
              leaf_under(30), path(30), {root}, refused(too_long));
  }
}

void extension_cases(Pki& pki, Table& table) {
  Cert root = pki.root("extensions root");
  Cert ca = pki.ca("extensions intermediate", root);
  const RawExtension unknown_critical{"1.3.6.1.4.1.55555.1", true, {0x05, 0x00}};
  const RawExtension unknown_plain{"1.3.6.1.4.1.55555.1", false, {0x05, 0x00}};
  const std::string duplicate_rule =
      "RFC 5280 §4.2: a certificate MUST NOT include more than one instance of a particular "
      "extension";
  const std::string critical_rule =
      "RFC 5280 §4.2: a certificate-using system MUST reject the certificate if it encounters "
      "a critical extension it does not recognize";
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "duplicate SAN leaf";
      spec.duplicated_extensions = {NID_subject_alt_name};
    });
    table.add("duplicate_extension_leaf", duplicate_rule, leaf, {ca}, {root},
              refused(malformed, "duplicate SAN leaf"));
  }
  {
    Cert dup = pki.ca("duplicate basicConstraints CA", root, [](CertificateSpec& spec) {
      spec.duplicated_extensions = {NID_basic_constraints};
    });
    table.add("duplicate_extension_intermediate", duplicate_rule, pki.leaf(dup), {dup}, {root},
              refused(malformed, "duplicate basicConstraints CA"));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"}, [&](CertificateSpec& spec) {
      spec.common_name = "critical unknown leaf";
      spec.extra_extensions = {unknown_critical};
    });
    table.add("critical_unknown_extension_leaf", critical_rule, leaf, {ca}, {root},
              refused(malformed, "critical unknown leaf"));
    Cert plain = pki.leaf(ca, {"www.example.com"},
                          [&](CertificateSpec& spec) { spec.extra_extensions = {unknown_plain}; });
    table.add("non_critical_unknown_extension",
              "RFC 5280 §4.2: a non-critical extension may be ignored if not recognized", plain,
              {ca}, {root}, valid());
  }
  {
    Cert odd = pki.ca("critical unknown CA", root,
                      [&](CertificateSpec& spec) { spec.extra_extensions = {unknown_critical}; });
    table.add("critical_unknown_extension_intermediate", critical_rule, pki.leaf(odd), {odd},
              {root}, refused(malformed, "critical unknown CA"));
  }
  {
    Cert odd_root = pki.root("critical unknown root", [&](CertificateSpec& spec) {
      spec.extra_extensions = {unknown_critical};
    });
    Cert below = pki.ca("below odd root", odd_root);
    table.add("critical_unknown_extension_anchor",
              "RFC 5280 §6.1.1 (d): a trust anchor is its name and key; the extensions of the "
              "self-signed certificate carrying it are not processed",
              pki.leaf(below), {below}, {odd_root}, valid());
  }
}

void encoding_cases(Pki& pki, Table& table) {
  Cert root = pki.root("encoding root");
  Cert ca = pki.ca("encoding intermediate", root);
  const std::string der_rule = "RFC 5280 §4.1: certificates are DER-encoded (X.690 §10-11); ";
  {
    Cert boolean_ca = pki.edited(ca, root.key.get(), [](DerNode& tbs) {
      DerNode& value = extension_value_of(tbs, "2.5.29.19");
      DerNode constraints = must(certmaker::parse_der(value.content), "basicConstraints");
      constraints.children.at(0).content = {0x01};
      value.content = certmaker::encode_der(constraints);
    });
    table.add("der_boolean_true_as_01",
              der_rule + "X.690 §11.1: a DER BOOLEAN TRUE is 0xFF (here cA is 0x01)", pki.leaf(ca),
              {boolean_ca}, {root}, refused(malformed, "encoding intermediate"));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "long-form leaf"; });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      extension_value_of(tbs, "2.5.29.17").length_form = certmaker::LengthForm::long_form;
    });
    table.add("der_long_form_length",
              der_rule + "X.690 §10.1: the definite form with the minimum number of octets", edited,
              {ca}, {root}, refused(malformed));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "indefinite leaf"; });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      extensions_sequence(tbs).length_form = certmaker::LengthForm::indefinite;
    });
    table.add("der_indefinite_length",
              der_rule + "X.690 §10.1: the indefinite length form is not DER", edited, {ca}, {root},
              refused(malformed));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "explicit default leaf"; });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, ... }: cA FALSE written out.
      extension_value_of(tbs, "2.5.29.19").content = {0x30, 0x03, 0x01, 0x01, 0x00};
    });
    table.add("der_explicit_default_value",
              der_rule + "X.690 §11.5: a value equal to its DEFAULT must be absent", edited, {ca},
              {root}, refused(malformed));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "padded serial leaf"; });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      DerNode& serial = tbs.children.at(1);
      serial.content.insert(serial.content.begin(), 0x00);
    });
    table.add("der_integer_not_minimal",
              der_rule + "X.690 §8.3.2: an INTEGER's first nine bits are not all zero", edited,
              {ca}, {root}, refused(malformed));
  }
  {
    Cert leaf = pki.leaf(ca);
    leaf.der.push_back(0x05);
    leaf.der.push_back(0x00);
    table.add("trailing_bytes_after_certificate",
              "RFC 8446 §4.4.2: each cert_data holds exactly one DER certificate; bytes after it "
              "are not part of a valid encoding",
              leaf, {ca}, {root}, refused(malformed));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "padded extension leaf"; });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      DerNode& value = extension_value_of(tbs, "2.5.29.19");
      value.content.push_back(0x05);
      value.content.push_back(0x00);
    });
    table.add("trailing_bytes_in_extension_value",
              "RFC 5280 §4.2 / X.690: extnValue holds exactly one DER value of the extension's "
              "type",
              edited, {ca}, {root}, refused(malformed));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "version 2 leaf"; });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      tbs.children.at(0).children.at(0).content = {0x01};  // v2
    });
    table.add("extensions_in_version_2",
              "RFC 5280 §4.1.2.9: extensions appear only in version 3 certificates", edited, {ca},
              {root}, refused(malformed, "version 2 leaf"));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "algorithm mismatch leaf";
    });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      // TBSCertificate.signature says ecdsa-with-SHA384; the outer signatureAlgorithm (and
      // the signature) stay ecdsa-with-SHA256.
      tbs.children.at(2).children.at(0).content = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03};
    });
    table.add("signature_algorithm_mismatch",
              "RFC 5280 §4.1.1.2: signatureAlgorithm MUST be the same as TBSCertificate.signature "
              "(one signature, one algorithm)",
              edited, {ca}, {root}, refused(bad_signature, "algorithm mismatch leaf"));
  }
}

void structure_cases(Pki& pki, Table& table) {
  Cert root = pki.root("structure root");
  Cert ca = pki.ca("structure intermediate", root);
  {
    Cert no_usage = pki.ca("no keyUsage intermediate", root,
                           [](CertificateSpec& spec) { spec.key_usage.clear(); });
    table.add("intermediate_key_usage_absent",
              "RFC 5280 §4.2.1.3: conforming CAs MUST include keyUsage in certificates whose key "
              "verifies signatures on other certificates",
              pki.leaf(no_usage), {no_usage}, {root},
              refused(malformed, "no keyUsage intermediate"));
  }
  {
    Cert nameless =
        pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) { spec.common_name.clear(); });
    table.add("empty_subject_critical_san",
              "RFC 5280 §4.2.1.6: an empty subject with a critical subjectAltName is valid",
              nameless, {ca}, {root}, valid());
    Cert edited = pki.edited(nameless, ca.key.get(), [](DerNode& tbs) {
      DerNode* san = certmaker::find_extension(tbs, "2.5.29.17");
      if (san == nullptr || san->children.size() != 3) {
        throw SetupFailure("no critical subjectAltName to edit");
      }
      san->children.erase(san->children.begin() + 1);  // drop critical TRUE
    });
    table.add("empty_subject_san_not_critical",
              "RFC 5280 §4.2.1.6: with an empty subject the subjectAltName MUST be critical",
              edited, {ca}, {root}, refused(malformed));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "empty SAN leaf"; });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      extension_value_of(tbs, "2.5.29.17").content = {0x30, 0x00};
    });
    table.add("empty_subject_alt_name",
              "RFC 5280 §4.2.1.6: GeneralNames ::= SEQUENCE SIZE (1..MAX): a present "
              "subjectAltName holds at least one name",
              edited, {ca}, {root}, refused(malformed, "empty SAN leaf"));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "generalized time leaf"; });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      DerNode& not_after = tbs.children.at(4).children.at(1);
      not_after.tag = 0x18;  // GeneralizedTime for a date before 2050
      const std::string text = "20300101000000Z";
      not_after.content.assign(text.begin(), text.end());
    });
    table.add("generalized_time_before_2050",
              "RFC 5280 §4.1.2.5: dates through 2049 MUST be encoded as UTCTime", edited, {ca},
              {root}, refused(malformed));
  }
  {
    Cert leaf = pki.leaf(ca, {"www.example.com"},
                         [](CertificateSpec& spec) { spec.common_name = "no seconds leaf"; });
    Cert edited = pki.edited(leaf, ca.key.get(), [](DerNode& tbs) {
      DerNode& not_after = tbs.children.at(4).children.at(1);
      const std::string text = "3001010000Z";  // YYMMDDHHMMZ, no seconds
      not_after.content.assign(text.begin(), text.end());
    });
    table.add("utc_time_without_seconds",
              "RFC 5280 §4.1.2.5.1: UTCTime values MUST include seconds (YYMMDDHHMMSSZ)", edited,
              {ca}, {root}, refused(malformed));
  }
}

void algorithm_cases(Pki& pki, Table& table) {
  const std::string weak_key_rule =
      "sanstls policy (RFC 8446 §4.4.2.2, docs/design.md): RSA keys below 2048 bits are "
      "refused at every depth, the anchor's included";
  const std::string sha1_rule =
      "sanstls policy (RFC 9155, RFC 8446 §4.2.3): no SHA-1 signatures on certificates of the "
      "path";
  {
    Cert root = pki.root("weak leaf root");
    Cert ca = pki.ca("weak leaf intermediate", root);
    Cert leaf = pki.leaf(
        ca, {"www.example.com"}, [](CertificateSpec& spec) { spec.common_name = "rsa-1024 leaf"; },
        pki.key(KeyAlgorithm::rsa_2048, 1024));
    table.add("weak_key_leaf", weak_key_rule, leaf, {ca}, {root},
              refused(weak_key, "rsa-1024 leaf"));
  }
  {
    Cert root = pki.root("weak intermediate root");
    Cert ca = pki.ca("rsa-1024 intermediate", root, {}, pki.key(KeyAlgorithm::rsa_2048, 1024));
    table.add("weak_key_intermediate", weak_key_rule, pki.leaf(ca), {ca}, {root},
              refused(weak_key, "rsa-1024 intermediate"));
  }
  {
    Cert root = pki.root("rsa-1024 root", {}, pki.key(KeyAlgorithm::rsa_2048, 1024));
    Cert ca = pki.ca("weak root intermediate", root);
    table.add("weak_key_root", weak_key_rule, pki.leaf(ca), {ca}, {root},
              refused(weak_key, "rsa-1024 root"));
  }
  {
    Cert root = pki.root("sha1 leaf root");
    Cert ca = pki.ca("sha1 leaf intermediate", root);
    Cert leaf = pki.leaf(ca, {"www.example.com"}, [](CertificateSpec& spec) {
      spec.common_name = "sha1 leaf";
      spec.sha1_signature = true;
    });
    table.add("sha1_signature_leaf", sha1_rule, leaf, {ca}, {root},
              refused(weak_signature, "sha1 leaf"));
  }
  {
    Cert root = pki.root("sha1 intermediate root");
    Cert ca = pki.ca("sha1 intermediate", root,
                     [](CertificateSpec& spec) { spec.sha1_signature = true; });
    table.add("sha1_signature_intermediate", sha1_rule, pki.leaf(ca), {ca}, {root},
              refused(weak_signature, "sha1 intermediate"));
  }
  {
    Cert root = pki.root("sha1 self-signed root",
                         [](CertificateSpec& spec) { spec.sha1_signature = true; });
    Cert ca = pki.ca("sha1 root intermediate", root);
    table.add("sha1_signature_on_anchor",
              "RFC 5280 §6.1.1 (d): the anchor's self-signature is not part of the path, so its "
              "hash does not matter",
              pki.leaf(ca), {ca}, {root}, valid());
  }
  {
    Cert root = pki.root("pss root", {}, pki.key(KeyAlgorithm::rsa_2048));
    const auto pss = [](PssParameters parameters, std::string cn) {
      return [parameters = std::move(parameters), cn = std::move(cn)](CertificateSpec& spec) {
        spec.rsa_pss = parameters;
        spec.common_name = cn;
      };
    };
    const std::string pss_rule =
        "RFC 8446 §4.2.3 (RSASSA-PSS, also for signatures in certificates): the MGF1 digest is "
        "the signed digest and the salt length MUST equal the digest length";
    Cert good = pki.ca("pss intermediate", root, pss({"SHA256", "SHA256", 32}, "pss intermediate"));
    table.add("rsa_pss_sha256", pss_rule, pki.leaf(good), {good}, {root}, valid());
    Cert salt = pki.ca("pss salt 20", root, pss({"SHA256", "SHA256", 20}, "pss salt 20"));
    table.add("rsa_pss_wrong_salt_length", pss_rule, pki.leaf(salt), {salt}, {root},
              refused(bad_signature, "pss salt 20"));
    Cert mgf = pki.ca("pss mgf1 sha384", root, pss({"SHA256", "SHA384", 32}, "pss mgf1 sha384"));
    table.add("rsa_pss_mgf1_digest_mismatch", pss_rule, pki.leaf(mgf), {mgf}, {root},
              refused(bad_signature, "pss mgf1 sha384"));
    Cert sha1 = pki.ca("pss sha1", root, pss({"SHA1", "SHA1", 20}, "pss sha1"));
    table.add("rsa_pss_sha1", sha1_rule, pki.leaf(sha1), {sha1}, {root},
              refused(weak_signature, "pss sha1"));
  }
}

}  // namespace

namespace {

Expected openssl_valid() { return Expected{true, CertificateProblem::none, {}}; }
Expected openssl_refuses(CertificateProblem problem) { return Expected{false, problem, {}}; }

}  // namespace

const std::vector<OpensslDisagreement>& known_openssl_disagreements() {
  static const std::vector<OpensslDisagreement> table{
      {"expired_root", openssl_refuses(CertificateProblem::expired),
       "RFC 5280 §6.1.1 (d): the trust anchor is a name and a key; libcrypto checks the "
       "validity of the self-signed certificate carrying it"},
      {"not_yet_valid_root", openssl_refuses(CertificateProblem::not_yet_valid),
       "RFC 5280 §6.1.1 (d): as expired_root"},
      {"critical_unknown_extension_anchor", openssl_refuses(CertificateProblem::malformed),
       "RFC 5280 §6.1.1 (d): the anchor certificate's extensions are not processed; libcrypto "
       "checks critical extensions on every certificate of its chain, the root included"},
      {"valid_at_not_after", openssl_refuses(CertificateProblem::expired),
       "RFC 5280 §4.1.2.5: the validity period is inclusive of notAfter; libcrypto's "
       "X509_cmp_time treats notAfter == now as expired"},
      {"leaf_authority_key_identifier_mismatch",
       openssl_refuses(CertificateProblem::unknown_issuer),
       "RFC 5280 §6.1 and §4.2.1.1: the AKI is a path-building hint (its value only SHOULD "
       "match the issuer's key); libcrypto's X509_check_akid rejects the only candidate issuer"},
      {"nc_wildcard_matches_excluded_name", openssl_valid(),
       "RFC 5280 §4.2.1.10: a name in an excluded subtree is invalid; libcrypto compares the "
       "SAN '*.example.com' literally and never checks the name actually matched"},
      {"der_boolean_true_as_01", openssl_valid(),
       "RFC 5280 §4.1 / X.690 §11.1: DER BOOLEAN TRUE is 0xFF; libcrypto decodes BER"},
      {"der_long_form_length", openssl_valid(),
       "RFC 5280 §4.1 / X.690 §10.1: minimal length octets; libcrypto decodes BER"},
      {"der_indefinite_length", openssl_valid(),
       "RFC 5280 §4.1 / X.690 §10.1: no indefinite lengths in DER; libcrypto decodes BER"},
      {"der_explicit_default_value", openssl_valid(),
       "RFC 5280 §4.1 / X.690 §11.5: DEFAULT values are omitted; libcrypto decodes BER"},
      {"duplicate_extension_leaf", openssl_refuses(CertificateProblem::unknown_issuer),
       "RFC 5280 §4.2: duplicate extensions make the certificate malformed; libcrypto marks it "
       "invalid, then finds no issuer for it and reports an unknown issuer"},
      {"duplicate_extension_intermediate", openssl_refuses(CertificateProblem::unknown_issuer),
       "RFC 5280 §4.2: as duplicate_extension_leaf, for the intermediate"},
      {"trailing_bytes_in_extension_value", openssl_valid(),
       "RFC 5280 §4.2 / X.690: extnValue is exactly one value; libcrypto's extension decoder "
       "ignores bytes after it"},
      {"generalized_time_before_2050", openssl_valid(),
       "RFC 5280 §4.1.2.5: validity dates through 2049 MUST be UTCTime; libcrypto reads either "
       "type for any date"},
      {"rsa_pss_wrong_salt_length", openssl_valid(),
       "RFC 8446 §4.2.3: the salt length MUST equal the digest length; libcrypto accepts any "
       "salt length the parameters state"},
      {"rsa_pss_mgf1_digest_mismatch", openssl_valid(),
       "RFC 8446 §4.2.3: MGF1 uses the signed digest; libcrypto accepts any MGF1 digest"},
  };
  return table;
}

const OpensslDisagreement* openssl_disagreement_for(std::string_view name) {
  for (const OpensslDisagreement& entry : known_openssl_disagreements()) {
    if (entry.case_name == name) {
      return &entry;
    }
  }
  return nullptr;
}

Clock::time_point corpus_time() { return at(2026, 6, 1); }

Result<std::vector<Case>> make_corpus() {
  try {
    Pki pki;
    Table table;
    basic_cases(pki, table);
    validity_cases(pki, table);
    usage_cases(pki, table);
    constraint_cases(pki, table);
    name_cases(pki, table);
    name_constraint_cases(pki, table);
    key_identifier_cases(pki, table);
    multiple_issuer_cases(pki, table);
    cycle_and_depth_cases(pki, table);
    extension_cases(pki, table);
    encoding_cases(pki, table);
    structure_cases(pki, table);
    algorithm_cases(pki, table);
    return table.take();
  } catch (const SetupFailure& failure) {
    return fail(Errc::internal_error, fmt::format("building the X.509 corpus: {}", failure.what()));
  }
}

std::string describe(const Expected& expected) {
  if (expected.valid) {
    return "valid";
  }
  return fmt::format("refused: {}", certificate_problem_name(expected.problem));
}

std::string to_pem(const std::vector<Der>& certificates) {
  std::string out;
  for (const Der& der : certificates) {
    std::string base64(4 * ((der.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(base64.data()), der.data(),
                                       static_cast<int>(der.size()));
    base64.resize(static_cast<std::size_t>(length));
    out += "-----BEGIN CERTIFICATE-----\n";
    for (std::size_t i = 0; i < base64.size(); i += 64) {
      out += base64.substr(i, 64);
      out += '\n';
    }
    out += "-----END CERTIFICATE-----\n";
  }
  return out;
}

namespace {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string rfc3339(Clock::time_point when) {
  const auto day = std::chrono::floor<std::chrono::days>(when);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{std::chrono::floor<std::chrono::seconds>(when - day)};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

}  // namespace

Result<void> write_corpus(const std::vector<Case>& cases, const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) {
    return fail(Errc::bad_configuration,
                fmt::format("cannot create {}: {}", directory, error.message()));
  }
  const auto write = [](const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    return static_cast<bool>(out);
  };
  std::string manifest = "{\n  \"cases\": [\n";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& entry = cases[i];
    const fs::path dir = fs::path(directory) / entry.name;
    fs::create_directories(dir, error);
    if (error || !write(dir / "chain.pem", to_pem(entry.chain)) ||
        !write(dir / "trust.pem", to_pem(entry.trust))) {
      return fail(Errc::bad_configuration,
                  fmt::format("cannot write the files of case {} in {}", entry.name, dir.string()));
    }
    manifest += fmt::format(
        "    {{\"name\": {}, \"rule\": {}, \"chain\": {}, \"trust\": {}, \"host\": {}, "
        "\"purpose\": {}, \"time\": {}, \"expected\": {}, \"problem\": {}, "
        "\"message_fragment\": {}}}{}\n",
        json_string(entry.name), json_string(entry.rule), json_string(entry.name + "/chain.pem"),
        json_string(entry.name + "/trust.pem"),
        entry.host.empty() ? std::string("null") : json_string(entry.host),
        json_string(entry.purpose == Purpose::server ? "server" : "client"),
        json_string(rfc3339(entry.time)), json_string(entry.expected.valid ? "valid" : "refused"),
        entry.expected.valid ? std::string("null")
                             : json_string(certificate_problem_name(entry.expected.problem)),
        json_string(entry.expected.message_fragment), i + 1 < cases.size() ? "," : "");
  }
  manifest += "  ]\n}\n";
  if (!write(fs::path(directory) / "manifest.json", manifest)) {
    return fail(Errc::bad_configuration, fmt::format("cannot write {}/manifest.json", directory));
  }
  return {};
}

}  // namespace sanstls::corpus

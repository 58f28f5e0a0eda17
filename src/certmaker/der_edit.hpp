// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Hand edits of certificate DER, for test certificates that libcrypto's encoder refuses to
// write: non-DER encodings (a BOOLEAN TRUE as 0x01, a long-form length where the short form is
// required, an explicitly encoded DEFAULT), trailing bytes. The edited TBSCertificate is signed
// again with the issuer's key, so that the signature stays valid and only the encoding rule
// is broken.

#include <sanstls/error.hpp>

#include "certmaker/x509_builder.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sanstls::certmaker {

/// How a node's length is written.
enum class LengthForm : std::uint8_t {
  /// DER: the shortest form (X.690 §10.1).
  minimal,
  /// One byte longer than needed: 0x81 0x05 instead of 0x05 (BER only).
  long_form,
  /// 0x80 ... 0x00 0x00 (BER indefinite length, constructed nodes only; X.690 §10.1 forbids
  /// it in DER).
  indefinite,
};

/// One TLV of a parsed DER tree. Constructed nodes (tag bit 0x20) hold children, primitive
/// nodes hold their content octets. Only low tag numbers (< 31) occur in certificates.
struct DerNode {
  std::uint8_t tag = 0;
  std::vector<std::uint8_t> content;
  std::vector<DerNode> children;
  LengthForm length_form = LengthForm::minimal;

  [[nodiscard]] bool constructed() const { return (tag & 0x20U) != 0; }
};

/// Parses exactly one DER TLV (definite lengths only) covering all of `der`.
Result<DerNode> parse_der(std::span<const std::uint8_t> der);
/// Encodes `node` (each node's length in its own LengthForm).
std::vector<std::uint8_t> encode_der(const DerNode& node);

/// The DER of an OBJECT IDENTIFIER's content octets for dotted text ("2.5.29.19").
Result<std::vector<std::uint8_t>> oid_content(const std::string& dotted);

/// Within a TBSCertificate node: the Extension SEQUENCE whose extnID is `oid` (dotted text),
/// the `occurrence`-th one (0 = first), or nullptr.
DerNode* find_extension(DerNode& tbs, const std::string& oid, std::size_t occurrence = 0);
/// The extnValue OCTET STRING of an Extension SEQUENCE (its last child).
DerNode& extension_value(DerNode& extension);

/// The certificate's DER (i2d_X509).
Result<std::vector<std::uint8_t>> certificate_der(X509* certificate);

/// Splits `certificate_der` into its TBSCertificate tree, lets `edit` change it, and returns a
/// new certificate: the edited TBSCertificate (encoded as edited), the original
/// signatureAlgorithm, and a fresh signature by `issuer_key` over the edited bytes. Works for
/// RSA PKCS #1 v1.5, ECDSA and EdDSA signers (not RSA-PSS). `sha1` signs with SHA-1 (the
/// original algorithm must then be a SHA-1 one).
template <class Edit>
Result<std::vector<std::uint8_t>> rewrite_tbs(const Workspace& workspace,
                                              std::span<const std::uint8_t> certificate_der,
                                              EVP_PKEY* issuer_key, Edit&& edit, bool sha1 = false);

/// The non-template part of rewrite_tbs: parses the certificate into (tbs, algorithm).
struct CertificateParts {
  DerNode tbs;
  DerNode signature_algorithm;
};
Result<CertificateParts> split_certificate(std::span<const std::uint8_t> certificate_der);
/// Signs `tbs` with `issuer_key` and assembles the certificate.
Result<std::vector<std::uint8_t>> assemble_certificate(const Workspace& workspace,
                                                       const CertificateParts& parts,
                                                       EVP_PKEY* issuer_key, bool sha1);

template <class Edit>
Result<std::vector<std::uint8_t>> rewrite_tbs(const Workspace& workspace,
                                              std::span<const std::uint8_t> certificate_der,
                                              EVP_PKEY* issuer_key, Edit&& edit, bool sha1) {
  auto parts = split_certificate(certificate_der);
  if (!parts) {
    return tl::unexpected(parts.error());
  }
  if (Result<void> edited = edit(parts->tbs); !edited) {
    return tl::unexpected(edited.error());
  }
  return assemble_certificate(workspace, *parts, issuer_key, sha1);
}

}  // namespace sanstls::certmaker

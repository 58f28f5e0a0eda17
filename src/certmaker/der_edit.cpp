// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "certmaker/der_edit.hpp"

#include "wire/reader.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstddef>

namespace sanstls::certmaker {
namespace {

tl::unexpected<Error> malformed(std::string_view what) {
  return fail(Errc::bad_configuration, fmt::format("certificate maker: {}", what));
}

// Nesting deeper than this is not a certificate we made.
constexpr int max_depth = 32;

Result<DerNode> parse_node(wire::Reader& reader, int depth) {
  if (depth > max_depth) {
    return malformed("DER nested too deeply");
  }
  auto tag = reader.u8("tag");
  auto first = reader.u8("length");
  if (!tag || !first) {
    return malformed("truncated DER header");
  }
  if ((*tag & 0x1FU) == 0x1FU) {
    return malformed("high tag numbers are not supported");
  }
  std::size_t length = *first;
  if ((*first & 0x80U) != 0) {
    const unsigned octets = *first & 0x7FU;
    if (octets == 0 || octets > 4) {
      return malformed("indefinite or oversized DER length");
    }
    length = 0;
    for (unsigned i = 0; i < octets; ++i) {
      auto octet = reader.u8("length");
      if (!octet) {
        return malformed("truncated DER length");
      }
      length = (length << 8U) | *octet;
    }
  }
  auto content = reader.bytes(length, "content");
  if (!content) {
    return malformed("DER content runs past the end");
  }
  DerNode node;
  node.tag = *tag;
  if (node.constructed()) {
    wire::Reader inner(*content);
    while (!inner.empty()) {
      auto child = parse_node(inner, depth + 1);
      if (!child) {
        return child;
      }
      node.children.push_back(std::move(*child));
    }
  } else {
    node.content.assign(content->begin(), content->end());
  }
  return node;
}

void append_length(std::vector<std::uint8_t>& out, std::size_t length, LengthForm form) {
  if (form == LengthForm::indefinite) {
    out.push_back(0x80);
    return;
  }
  if (length < 0x80 && form == LengthForm::minimal) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::vector<std::uint8_t> octets;
  for (std::size_t rest = length; rest != 0; rest >>= 8U) {
    octets.insert(octets.begin(), static_cast<std::uint8_t>(rest & 0xFFU));
  }
  if (octets.empty() || (form == LengthForm::long_form && length >= 0x80)) {
    octets.insert(octets.begin(), 0x00);  // one octet more than needed
  }
  out.push_back(static_cast<std::uint8_t>(0x80U | octets.size()));
  out.insert(out.end(), octets.begin(), octets.end());
}

void encode_into(const DerNode& node, std::vector<std::uint8_t>& out) {
  std::vector<std::uint8_t> content;
  if (node.constructed()) {
    for (const DerNode& child : node.children) {
      encode_into(child, content);
    }
  } else {
    content = node.content;
  }
  out.push_back(node.tag);
  append_length(out, content.size(), node.length_form);
  out.insert(out.end(), content.begin(), content.end());
  if (node.length_form == LengthForm::indefinite) {
    out.push_back(0x00);  // end-of-contents
    out.push_back(0x00);
  }
}

DerNode* extensions_of(DerNode& tbs) {
  // TBSCertificate: extensions are [3] EXPLICIT (tag 0xA3) holding a SEQUENCE OF Extension.
  for (DerNode& child : tbs.children) {
    if (child.tag == 0xA3 && child.children.size() == 1) {
      return &child.children.front();
    }
  }
  return nullptr;
}

}  // namespace

Result<DerNode> parse_der(std::span<const std::uint8_t> der) {
  wire::Reader reader(der);
  auto node = parse_node(reader, 0);
  if (node && !reader.empty()) {
    return malformed("bytes after the DER value");
  }
  return node;
}

std::vector<std::uint8_t> encode_der(const DerNode& node) {
  std::vector<std::uint8_t> out;
  encode_into(node, out);
  return out;
}

Result<std::vector<std::uint8_t>> oid_content(const std::string& dotted) {
  ASN1_OBJECT* object = OBJ_txt2obj(dotted.c_str(), 1);
  if (object == nullptr) {
    take_openssl_error();
    return malformed(fmt::format("'{}' is not an object identifier", dotted));
  }
  const std::size_t length = OBJ_length(object);
  const unsigned char* data = OBJ_get0_data(object);
  std::vector<std::uint8_t> out(data, data + length);
  ASN1_OBJECT_free(object);
  return out;
}

DerNode* find_extension(DerNode& tbs, const std::string& oid, std::size_t occurrence) {
  auto wanted = oid_content(oid);
  DerNode* extensions = extensions_of(tbs);
  if (!wanted || extensions == nullptr) {
    return nullptr;
  }
  for (DerNode& extension : extensions->children) {
    if (!extension.children.empty() && extension.children.front().tag == 0x06 &&
        extension.children.front().content == *wanted) {
      if (occurrence == 0) {
        return &extension;
      }
      --occurrence;
    }
  }
  return nullptr;
}

DerNode& extension_value(DerNode& extension) { return extension.children.back(); }

Result<std::vector<std::uint8_t>> certificate_der(X509* certificate) {
  const int length = i2d_X509(certificate, nullptr);
  if (length <= 0) {
    return malformed(fmt::format("encoding a certificate failed: {}", take_openssl_error()));
  }
  std::vector<std::uint8_t> der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  if (i2d_X509(certificate, &out) != length) {
    return malformed(fmt::format("encoding a certificate failed: {}", take_openssl_error()));
  }
  return der;
}

Result<CertificateParts> split_certificate(std::span<const std::uint8_t> certificate_der) {
  auto certificate = parse_der(certificate_der);
  if (!certificate) {
    return tl::unexpected(certificate.error());
  }
  // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
  // signatureValue }.
  if (certificate->tag != 0x30 || certificate->children.size() != 3 ||
      certificate->children[0].tag != 0x30 || certificate->children[1].tag != 0x30) {
    return malformed("not an X.509 certificate");
  }
  return CertificateParts{std::move(certificate->children[0]), std::move(certificate->children[1])};
}

Result<std::vector<std::uint8_t>> assemble_certificate(const Workspace& workspace,
                                                       const CertificateParts& parts,
                                                       EVP_PKEY* issuer_key, bool sha1) {
  auto digest = signature_digest_name(issuer_key, sha1);
  if (!digest) {
    return tl::unexpected(digest.error());
  }
  const std::vector<std::uint8_t> tbs = encode_der(parts.tbs);
  ossl::EvpMdCtxPtr context(EVP_MD_CTX_new());
  std::size_t signature_length = 0;
  if (context == nullptr ||
      EVP_DigestSignInit_ex(context.get(), nullptr, digest->empty() ? nullptr : digest->c_str(),
                            workspace.libctx(), nullptr, issuer_key, nullptr) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &signature_length, tbs.data(), tbs.size()) != 1) {
    return malformed(fmt::format("signing an edited certificate failed: {}", take_openssl_error()));
  }
  std::vector<std::uint8_t> signature(signature_length);
  if (EVP_DigestSign(context.get(), signature.data(), &signature_length, tbs.data(), tbs.size()) !=
      1) {
    return malformed(fmt::format("signing an edited certificate failed: {}", take_openssl_error()));
  }
  signature.resize(signature_length);

  DerNode bit_string;
  bit_string.tag = 0x03;
  bit_string.content.push_back(0x00);  // no unused bits
  bit_string.content.insert(bit_string.content.end(), signature.begin(), signature.end());
  std::vector<std::uint8_t> body = tbs;
  for (const DerNode* node :
       {&parts.signature_algorithm, static_cast<const DerNode*>(&bit_string)}) {
    const std::vector<std::uint8_t> encoded = encode_der(*node);
    body.insert(body.end(), encoded.begin(), encoded.end());
  }
  std::vector<std::uint8_t> out{0x30};
  append_length(out, body.size(), LengthForm::minimal);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace sanstls::certmaker

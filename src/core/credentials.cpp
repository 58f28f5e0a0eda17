// SPDX-License-Identifier: Apache-2.0 OR MIT
// Certificates, keys, chains and trust stores: strict loaders and parsed accessors.

#include <sanstls/credentials.hpp>
#include <sanstls/hazmat/hazmat.hpp>

#include "core/credentials_impl.hpp"
#include "core/pem.hpp"
#include "x509/names.hpp"
#include "x509/verify.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <set>
#include <system_error>
#include <unistd.h>

namespace sanstls {
namespace {

/// Below this many bits an RSA key is refused everywhere (certificates and our own keys).
constexpr int kMinimumRsaBits = 2048;
/// Files larger than this are not credential files; refuse rather than read them whole.
constexpr std::uintmax_t kMaximumCredentialFileSize = 64U * 1024U * 1024U;

Error credential_error(CredentialProblem problem, std::string message) {
  Error error = make_error(Errc::bad_configuration, std::move(message));
  error.credential_problem = problem;
  return error;
}

std::span<const std::uint8_t> as_u8(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

KeyType key_type_of(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      return KeyType::rsa;
    case EVP_PKEY_ED25519:
      return KeyType::ed25519;
    case EVP_PKEY_EC: {
      std::array<char, 64> curve{};
      std::size_t length = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve.data(),
                                         curve.size(), &length) != 1) {
        return KeyType::other;
      }
      const std::string_view name{curve.data(), length};
      if (name == "prime256v1" || name == "P-256") {
        return KeyType::ecdsa_p256;
      }
      if (name == "secp384r1" || name == "P-384") {
        return KeyType::ecdsa_p384;
      }
      if (name == "secp521r1" || name == "P-521") {
        return KeyType::ecdsa_p521;
      }
      return KeyType::other;
    }
    default:
      return KeyType::other;
  }
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    return {};
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

/// Checks the key against sanstls's policy: supported algorithm, RSA at least 2048 bits.
Result<void> check_key_policy(const EVP_PKEY* key, std::string_view what) {
  const KeyType type = key_type_of(key);
  if (type == KeyType::other) {
    return fail(credential_error(
        CredentialProblem::unsupported_key_type,
        fmt::format("{} uses an unsupported key type; use RSA (2048 bits or more), ECDSA "
                    "P-256/P-384/P-521 or Ed25519",
                    what)));
  }
  if (type == KeyType::rsa && EVP_PKEY_get_bits(key) < kMinimumRsaBits) {
    return fail(
        credential_error(CredentialProblem::weak_key,
                         fmt::format("{} has a {}-bit RSA key; sanstls requires at least {} bits",
                                     what, EVP_PKEY_get_bits(key), kMinimumRsaBits)));
  }
  return {};
}

Result<Certificate> certificate_from_der_bytes(
    std::span<const std::uint8_t> der, std::string_view where,
    std::shared_ptr<const core::LibraryContext> library = nullptr) {
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max())) {
    return fail(credential_error(CredentialProblem::malformed_der, "certificate too large"));
  }
  const unsigned char* cursor = der.data();
  X509* fresh = X509_new_ex(library ? library->get() : nullptr, nullptr);
  if (fresh == nullptr) {
    return fail(Errc::internal_error, "out of memory parsing a certificate");
  }
  // d2i fills `fresh` (bound to the library context); on failure libcrypto frees it.
  ossl::X509Ptr x509{d2i_X509(&fresh, &cursor, static_cast<long>(der.size()))};
  if (!x509) {
    ossl::take_error_string();
    return fail(credential_error(CredentialProblem::malformed_der,
                                 fmt::format("{} is not a valid DER X.509 certificate", where)));
  }
  // Exactly one certificate: the decoder must have consumed every byte.
  if (cursor != der.data() + der.size()) {
    return fail(
        credential_error(CredentialProblem::stray_content,
                         fmt::format("{} has {} bytes after the certificate", where,
                                     der.size() - static_cast<std::size_t>(cursor - der.data()))));
  }
  // libcrypto 3.0 fills an X509's extension cache lazily, on first use, under the object's lock
  // but read by other threads without it (ThreadSanitizer saw ASN1_STRING_cmp race with it in a
  // chain verification). A Certificate is shared between threads (PeerCertificateCache, trust
  // stores): the cache is filled here, before anyone else can see the object.
  (void)X509_check_purpose(x509.get(), -1, 0);
  auto impl = std::make_shared<Certificate::Impl>();
  const auto* first = reinterpret_cast<const std::byte*>(der.data());
  impl->library = std::move(library);
  impl->der.assign(first, first + der.size());
  impl->x509 = std::move(x509);
  return Certificate{std::move(impl)};
}

Result<std::vector<Certificate>> certificates_from_blocks(
    const std::vector<core::PemBlock>& blocks) {
  std::vector<Certificate> certificates;
  for (const auto& block : blocks) {
    auto certificate = certificate_from_der_bytes(
        block.der.span(), fmt::format("the CERTIFICATE block at line {}", block.line));
    if (!certificate) {
      return fail(certificate.error());
    }
    certificates.push_back(std::move(*certificate));
  }
  return certificates;
}

bool is_private_key_label(std::string_view label) {
  return label.find("PRIVATE KEY") != label.npos;
}

/// The blocks of a certificate-only input: keys are `extraneous_private_key`, other blocks are
/// stray content.
Result<std::vector<Certificate>> certificates_only(std::string_view pem, std::string_view what) {
  auto blocks = core::parse_pem(pem);
  if (!blocks) {
    return fail(blocks.error());
  }
  for (const auto& block : *blocks) {
    if (is_private_key_label(block.label)) {
      return fail(credential_error(
          CredentialProblem::extraneous_private_key,
          fmt::format("{} contains a private key (block at line {}); keep keys in their own "
                      "file and never give them to a trust store or chain loader",
                      what, block.line)));
    }
    if (block.label != "CERTIFICATE") {
      return fail(credential_error(
          CredentialProblem::stray_content,
          fmt::format("{} contains an unexpected '{}' block at line {}; only CERTIFICATE "
                      "blocks belong here",
                      what, block.label, block.line)));
    }
  }
  return certificates_from_blocks(*blocks);
}

}  // namespace

std::string_view key_type_name(KeyType type) {
  switch (type) {
    case KeyType::rsa:
      return "RSA";
    case KeyType::ecdsa_p256:
      return "ECDSA P-256";
    case KeyType::ecdsa_p384:
      return "ECDSA P-384";
    case KeyType::ecdsa_p521:
      return "ECDSA P-521";
    case KeyType::ed25519:
      return "Ed25519";
    case KeyType::other:
      return "unsupported key type";
  }
  return "unknown";
}

namespace {

/// Reads a whole file into `contents` (a std::string or a base::SecretString) with plain
/// read(2): no stream buffer or growing string keeps a copy, so a key file's text exists only
/// in `contents`, which is sized once before the first byte arrives.
template <class String>
Result<void> read_whole_file(const std::filesystem::path& file, String& contents) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    return fail(credential_error(CredentialProblem::unreadable_file,
                                 fmt::format("cannot read '{}': {}", file.string(), ec.message())));
  }
  if (size > kMaximumCredentialFileSize) {
    return fail(credential_error(
        CredentialProblem::unreadable_file,
        fmt::format("'{}' is {} bytes, too large for a credential file", file.string(), size)));
  }
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(credential_error(CredentialProblem::unreadable_file,
                                 fmt::format("cannot open '{}': {}", file.string(),
                                             std::generic_category().message(errno))));
  }
  // One byte more than the size, to notice a file that grew since it was measured.
  contents.resize(static_cast<std::size_t>(size) + 1);
  std::size_t filled = 0;
  int error = 0;
  while (filled < contents.size()) {
    const ssize_t got = ::read(fd, contents.data() + filled, contents.size() - filled);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      error = errno;
      break;
    }
    if (got == 0) {
      break;
    }
    filled += static_cast<std::size_t>(got);
  }
  ::close(fd);
  if (error != 0 || filled > size) {
    base::wipe_string(contents);
    return fail(credential_error(
        CredentialProblem::unreadable_file,
        error != 0 ? fmt::format("cannot read '{}': {}", file.string(),
                                 std::generic_category().message(error))
                   : fmt::format("'{}' changed while it was read; try again", file.string())));
  }
  contents.resize(filled);  // shrinking never reallocates
  return {};
}

}  // namespace

Result<std::string> read_text_file(const std::filesystem::path& file) {
  std::string contents;
  if (auto read = read_whole_file(file, contents); !read) {
    return fail(read.error());
  }
  return contents;
}

namespace core {
Result<base::SecretString> read_secret_file(const std::filesystem::path& file) {
  base::SecretString contents;
  if (auto read = read_whole_file(file, contents); !read) {
    return fail(read.error());
  }
  return contents;
}
}  // namespace core

Result<Certificate> certificate_from_der(std::span<const std::byte> der,
                                         std::shared_ptr<const core::LibraryContext> library) {
  return certificate_from_der_bytes(as_u8(der), "the DER input", std::move(library));
}

// ---- Certificate ------------------------------------------------------------------------

Certificate::Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Result<Certificate> Certificate::from_der(std::span<const std::byte> der) {
  return certificate_from_der_bytes(as_u8(der), "the DER input");
}

Result<std::vector<Certificate>> Certificate::all_from_pem(std::string_view pem) {
  auto certificates = certificates_only(pem, "the certificate PEM text");
  if (!certificates) {
    return fail(certificates.error());
  }
  if (certificates->empty()) {
    return fail(credential_error(CredentialProblem::malformed_pem,
                                 "the PEM text holds no CERTIFICATE block"));
  }
  return certificates;
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  auto certificates = all_from_pem(pem);
  if (!certificates) {
    return fail(certificates.error());
  }
  if (certificates->size() != 1) {
    return fail(credential_error(
        CredentialProblem::stray_content,
        fmt::format("expected exactly one certificate, found {}", certificates->size())));
  }
  return std::move(certificates->front());
}

std::span<const std::byte> Certificate::der() const { return impl_->der; }

std::string Certificate::to_pem() const { return core::to_pem("CERTIFICATE", as_u8(impl_->der)); }

std::string Certificate::subject() const {
  return x509::one_line_name(X509_get_subject_name(impl_->x509.get()));
}

std::string Certificate::issuer() const {
  return x509::one_line_name(X509_get_issuer_name(impl_->x509.get()));
}

std::vector<std::string> Certificate::dns_names() const {
  return x509::san_dns_names(impl_->x509.get());
}

std::vector<std::string> Certificate::ip_addresses() const {
  std::vector<std::string> text;
  for (const auto& bytes : x509::san_ip_addresses(impl_->x509.get())) {
    text.push_back(x509::ip_to_text(bytes));
  }
  return text;
}

std::chrono::system_clock::time_point Certificate::not_before() const {
  return to_time_point(X509_get0_notBefore(impl_->x509.get()));
}

std::chrono::system_clock::time_point Certificate::not_after() const {
  return to_time_point(X509_get0_notAfter(impl_->x509.get()));
}

KeyType Certificate::key_type() const {
  const EVP_PKEY* key = X509_get0_pubkey(impl_->x509.get());
  return key == nullptr ? KeyType::other : key_type_of(key);
}

int Certificate::key_bits() const {
  const EVP_PKEY* key = X509_get0_pubkey(impl_->x509.get());
  return key == nullptr ? 0 : EVP_PKEY_get_bits(key);
}

bool Certificate::is_ca() const {
  return (X509_get_extension_flags(impl_->x509.get()) & EXFLAG_CA) != 0;
}

bool operator==(const Certificate& a, const Certificate& b) {
  return std::ranges::equal(a.impl_->der, b.impl_->der);
}

// ---- PrivateKey -------------------------------------------------------------------------

PrivateKey::PrivateKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Result<PrivateKey> PrivateKey::from_der(std::span<const std::byte> der) {
  const auto bytes = as_u8(der);
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<long>::max())) {
    return fail(credential_error(CredentialProblem::malformed_der, "private key too large"));
  }
  // The key gets a library context of its own: its decoding and every later use of it (matching,
  // signing, export) run on sanstls's explicitly loaded default provider, whatever the process's
  // configuration loaded into the default context.
  auto library = core::LibraryContext::create();
  if (!library) {
    return fail(library.error());
  }
  const unsigned char* cursor = bytes.data();
  // Accepts PKCS#8 PrivateKeyInfo, SEC1 ECPrivateKey and PKCS#1 RSAPrivateKey.
  ossl::EvpPkeyPtr key{d2i_AutoPrivateKey_ex(nullptr, &cursor, static_cast<long>(bytes.size()),
                                             (*library)->get(), nullptr)};
  if (!key) {
    ossl::take_error_string();
    return fail(
        credential_error(CredentialProblem::malformed_der,
                         "the input is not an unencrypted PKCS#8, SEC1 or PKCS#1 private key"));
  }
  if (cursor != bytes.data() + bytes.size()) {
    return fail(credential_error(CredentialProblem::stray_content,
                                 "there are bytes after the private key"));
  }
  if (auto policy = check_key_policy(key.get(), "the private key"); !policy) {
    return fail(policy.error());
  }
  auto impl = std::make_shared<Impl>();
  impl->library = std::move(*library);
  impl->pkey = std::move(key);
  return PrivateKey{std::move(impl)};
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  auto blocks = core::parse_pem(pem);
  if (!blocks) {
    return fail(blocks.error());
  }
  const core::PemBlock* key_block = nullptr;
  for (const auto& block : *blocks) {
    if (block.label == "ENCRYPTED PRIVATE KEY") {
      return fail(credential_error(CredentialProblem::unsupported_key_type,
                                   "the private key is encrypted; decrypt it first (for example "
                                   "with 'openssl pkey -in key.pem -out plain.pem')"));
    }
    if (block.label == "PRIVATE KEY" || block.label == "EC PRIVATE KEY" ||
        block.label == "RSA PRIVATE KEY") {
      if (key_block != nullptr) {
        return fail(credential_error(
            CredentialProblem::stray_content,
            fmt::format("more than one private key (second one at line {})", block.line)));
      }
      key_block = &block;
    } else if (block.label == "EC PARAMETERS") {
      // `openssl ecparam -genkey` writes the curve name before the SEC1 key; the key repeats
      // it, so the block carries nothing we need and is not stray content.
    } else {
      return fail(credential_error(
          CredentialProblem::stray_content,
          fmt::format("unexpected '{}' block at line {} where only a private key belongs",
                      block.label, block.line)));
    }
  }
  if (key_block == nullptr) {
    return fail(credential_error(CredentialProblem::leaf_has_no_private_key,
                                 "the key PEM text holds no private key"));
  }
  const auto der = key_block->der.span();
  return from_der(std::as_bytes(der));
}

KeyType PrivateKey::key_type() const { return key_type_of(impl_->pkey.get()); }

int PrivateKey::key_bits() const { return EVP_PKEY_get_bits(impl_->pkey.get()); }

base::SecretBytes private_key_der(const PrivateKey& key) {
  // PKCS#8 PrivateKeyInfo, unencrypted.
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key.impl().pkey.get());
  if (info == nullptr) {
    ossl::take_error_string();
    return {};
  }
  unsigned char* der = nullptr;
  const int length = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
  PKCS8_PRIV_KEY_INFO_free(info);  // clears its key material
  if (length <= 0) {
    ossl::take_error_string();
    return {};
  }
  base::SecretBytes bytes{std::span<const std::uint8_t>{der, static_cast<std::size_t>(length)}};
  OPENSSL_clear_free(der, static_cast<std::size_t>(length));
  return bytes;
}

std::string PrivateKey::to_pem() const {
  const base::SecretBytes der = private_key_der(*this);
  if (der.empty()) {
    return {};
  }
  return core::to_pem("PRIVATE KEY", der.span());
}

bool PrivateKey::matches(const Certificate& certificate) const {
  const EVP_PKEY* public_key = X509_get0_pubkey(certificate.impl().x509.get());
  return public_key != nullptr && EVP_PKEY_eq(public_key, impl_->pkey.get()) == 1;
}

// ---- CertificateChain -------------------------------------------------------------------

CertificateChain::CertificateChain(std::vector<Certificate> certificates, PrivateKey key)
    : certificates_(std::move(certificates)), key_(std::move(key)) {}

Result<CertificateChain> CertificateChain::create(std::vector<Certificate> certificates,
                                                  PrivateKey key) {
  if (certificates.empty()) {
    return fail(credential_error(CredentialProblem::no_leaf, "the chain holds no certificate"));
  }
  const Certificate& leaf = certificates.front();
  if (leaf.is_ca()) {
    return fail(credential_error(
        CredentialProblem::no_leaf,
        fmt::format("the first certificate ('{}') is a CA certificate, not a leaf; the chain "
                    "must start with the end-entity certificate",
                    leaf.subject())));
  }
  for (std::size_t i = 1; i < certificates.size(); ++i) {
    if (!certificates[i].is_ca()) {
      return fail(credential_error(
          CredentialProblem::more_than_one_leaf,
          fmt::format("certificate {} of the chain ('{}') is a leaf too; a chain holds one leaf "
                      "followed by the CA certificates that issued it",
                      i + 1, certificates[i].subject())));
    }
  }
  for (std::size_t i = 0; i + 1 < certificates.size(); ++i) {
    X509* subject = certificates[i].impl().x509.get();
    X509* issuer = certificates[i + 1].impl().x509.get();
    EVP_PKEY* issuer_key = X509_get0_pubkey(issuer);
    if (X509_check_issued(issuer, subject) != X509_V_OK || issuer_key == nullptr ||
        X509_verify(subject, issuer_key) != 1) {
      ossl::take_error_string();
      return fail(credential_error(
          CredentialProblem::no_chain_from_leaf,
          fmt::format("certificate {} ('{}') was not issued by certificate {} ('{}'); list the "
                      "leaf first, then each issuer in order",
                      i + 1, certificates[i].subject(), i + 2, certificates[i + 1].subject())));
    }
  }
  if (!key.matches(leaf)) {
    return fail(
        credential_error(CredentialProblem::key_does_not_match_leaf,
                         fmt::format("the private key does not belong to the leaf certificate '{}'",
                                     leaf.subject())));
  }
  if (auto policy =
          check_key_policy(X509_get0_pubkey(leaf.impl().x509.get()), "the leaf certificate");
      !policy) {
    return fail(policy.error());
  }
  if (auto presentable = x509::check_presentable(certificates); !presentable) {
    return fail(presentable.error());
  }
  return CertificateChain{std::move(certificates), std::move(key)};
}

Result<CertificateChain> CertificateChain::from_pem(std::string_view chain_pem,
                                                    std::string_view key_pem) {
  auto certificates = certificates_only(chain_pem, "the certificate chain file");
  if (!certificates) {
    return fail(certificates.error());
  }
  if (certificates->empty()) {
    return fail(credential_error(CredentialProblem::no_leaf,
                                 "the certificate chain file holds no certificate"));
  }
  auto key = PrivateKey::from_pem(key_pem);
  if (!key) {
    return fail(key.error());
  }
  return create(std::move(*certificates), std::move(*key));
}

Result<CertificateChain> CertificateChain::from_files(const std::filesystem::path& chain_file,
                                                      const std::filesystem::path& key_file) {
  auto chain_text = read_text_file(chain_file);
  if (!chain_text) {
    return fail(chain_text.error());
  }
  // The key's text is the key: it stays in wiping storage from the read on.
  auto key_text = core::read_secret_file(key_file);
  if (!key_text) {
    return fail(key_text.error());
  }
  auto chain = from_pem(*chain_text, *key_text);
  if (!chain) {
    Error error = chain.error();
    error.message =
        fmt::format("{} / {}: {}", chain_file.string(), key_file.string(), error.message);
    return fail(std::move(error));
  }
  return chain;
}

const Certificate& CertificateChain::leaf() const { return certificates_.front(); }
const std::vector<Certificate>& CertificateChain::certificates() const { return certificates_; }
const PrivateKey& CertificateChain::key() const { return key_; }

std::string CertificateChain::to_pem() const {
  std::string pem;
  for (const auto& certificate : certificates_) {
    pem += certificate.to_pem();
  }
  return pem;
}

namespace core {
/// The one way around CertificateChain::create()'s checks; see hazmat::make_unchecked_chain.
struct UncheckedChainAccess {
  static CertificateChain make(std::vector<Certificate> certificates, PrivateKey key) {
    return CertificateChain{std::move(certificates), std::move(key)};
  }
};
}  // namespace core

namespace hazmat {
CertificateChain make_unchecked_chain(std::vector<Certificate> certificates, PrivateKey key) {
  return core::UncheckedChainAccess::make(std::move(certificates), std::move(key));
}
}  // namespace hazmat

// ---- TrustStore -------------------------------------------------------------------------

namespace {
/// Builds the TrustStore's libcrypto store once.
Result<std::shared_ptr<TrustStore::Impl>> make_trust_impl(std::vector<Certificate> certificates) {
  auto impl = std::make_shared<TrustStore::Impl>();
  impl->store.reset(X509_STORE_new());
  if (!impl->store) {
    return fail(Errc::internal_error, "out of memory building a trust store");
  }
  for (const Certificate& anchor : certificates) {
    // A duplicate is not an error in OpenSSL 3; anything else is.
    if (X509_STORE_add_cert(impl->store.get(), anchor.impl().x509.get()) != 1) {
      return fail(Errc::internal_error,
                  "cannot add a certificate to the trust store: " + ossl::take_error_string());
    }
  }
  impl->certificates = std::move(certificates);
  return impl;
}
}  // namespace

Result<Certificate> certificate_from_x509(X509* x509) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(x509, &der);
  if (length <= 0 || X509_up_ref(x509) != 1) {
    OPENSSL_free(der);
    return fail(credential_error(CredentialProblem::malformed_der,
                                 "the certificate cannot be encoded as DER"));
  }
  auto impl = std::make_shared<Certificate::Impl>();
  const auto* first = reinterpret_cast<const std::byte*>(der);
  impl->der.assign(first, first + length);
  OPENSSL_free(der);
  impl->x509.reset(x509);
  return Certificate{std::move(impl)};
}

TrustStore::TrustStore() {
  auto impl = make_trust_impl({});
  // Out of memory leaves a store without its libcrypto half; verification then fails closed.
  impl_ = impl ? std::move(*impl) : std::make_shared<const Impl>();
}
TrustStore::TrustStore(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Result<TrustStore> TrustStore::from_certificates(std::vector<Certificate> certificates) {
  if (certificates.empty()) {
    return fail(credential_error(CredentialProblem::no_leaf,
                                 "a trust store needs at least one certificate"));
  }
  auto impl = make_trust_impl(std::move(certificates));
  if (!impl) {
    return fail(impl.error());
  }
  return TrustStore{std::move(*impl)};
}

Result<TrustStore> TrustStore::from_pem(std::string_view pem) {
  auto certificates = certificates_only(pem, "the trust store");
  if (!certificates) {
    return fail(certificates.error());
  }
  return from_certificates(std::move(*certificates));
}

Result<TrustStore> TrustStore::from_file(const std::filesystem::path& file) {
  auto text = read_text_file(file);
  if (!text) {
    return fail(text.error());
  }
  auto store = from_pem(*text);
  if (!store) {
    Error error = store.error();
    error.message = fmt::format("{}: {}", file.string(), error.message);
    return fail(std::move(error));
  }
  return store;
}

Result<TrustStore> TrustStore::from_directory(const std::filesystem::path& directory) {
  std::error_code ec;
  std::vector<Certificate> certificates;
  std::set<std::vector<std::byte>> seen;  // c_rehash directories link each file several times
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    if (entry.is_regular_file(ec)) {
      files.push_back(entry.path());
    }
  }
  if (ec) {
    return fail(credential_error(
        CredentialProblem::unreadable_file,
        fmt::format("cannot list directory '{}': {}", directory.string(), ec.message())));
  }
  std::ranges::sort(files);
  for (const auto& file : files) {
    auto text = read_text_file(file);
    if (!text) {
      return fail(text.error());
    }
    auto found = certificates_only(*text, fmt::format("'{}'", file.string()));
    if (!found) {
      return fail(found.error());
    }
    for (auto& certificate : *found) {
      const auto der = certificate.der();
      if (seen.emplace(der.begin(), der.end()).second) {
        certificates.push_back(std::move(certificate));
      }
    }
  }
  if (certificates.empty()) {
    return fail(credential_error(CredentialProblem::no_leaf,
                                 fmt::format("no certificates in '{}'", directory.string())));
  }
  return from_certificates(std::move(certificates));
}

Result<TrustStore> TrustStore::system() {
  // OpenSSL's environment conventions, which users expect to work for every program. Read with
  // secure_getenv: in a setuid/setgid (or otherwise "secure execution") process it returns
  // nullptr, so whoever starts such a program cannot pick its trust anchors; the default file
  // applies there. SSL_CERT_FILE wins over SSL_CERT_DIR; an empty value counts as unset.
  if (const char* file = secure_getenv("SSL_CERT_FILE"); file != nullptr && *file != '\0') {
    return from_file(file);
  }
  if (const char* dir = secure_getenv("SSL_CERT_DIR"); dir != nullptr && *dir != '\0') {
    return from_directory(dir);
  }
  return from_file("/etc/ssl/certs/ca-certificates.crt");
}

const std::vector<Certificate>& TrustStore::certificates() const { return impl_->certificates; }

}  // namespace sanstls

// SPDX-License-Identifier: Apache-2.0 OR MIT
// The strict credential loaders: every refusal has its own test, and what must load loads.

#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>
#include <sanstls/testing/certificate_authority.hpp>

#include "support/test_pki.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <unistd.h>

namespace sanstls::test {
namespace {

using testing::KeyAlgorithm;

/// Asserts a credential failure: bad_configuration, the problem, a message fragment.
template <class T>
void expect_refused(const Result<T>& result, CredentialProblem problem, std::string_view fragment) {
  ASSERT_FALSE(result) << "the loader accepted input it must refuse";
  EXPECT_EQ(result.error().code, Errc::bad_configuration) << result.error().to_string();
  EXPECT_EQ(result.error().credential_problem, problem) << result.error().to_string();
  EXPECT_NE(result.error().message.find(fragment), std::string::npos) << result.error().to_string();
}

std::string leaf_pem() { return TestPki::shared().server().leaf().to_pem(); }
std::string intermediate_pem() { return TestPki::shared().intermediate().certificate().to_pem(); }
std::string key_pem() { return TestPki::shared().server().key().to_pem(); }

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return {data, static_cast<std::size_t>(length)};
}

std::string rsa_1024_key_pem() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{EVP_RSA_gen(1024), EVP_PKEY_free};
  std::unique_ptr<BIO, BioDeleter> bio{BIO_new(BIO_s_mem())};
  PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

std::string traditional_pem_of(const std::string& pkcs8_pem) {
  std::unique_ptr<BIO, BioDeleter> in{
      BIO_new_mem_buf(pkcs8_pem.data(), static_cast<int>(pkcs8_pem.size()))};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{
      PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), EVP_PKEY_free};
  std::unique_ptr<BIO, BioDeleter> out{BIO_new(BIO_s_mem())};
  PEM_write_bio_PrivateKey_traditional(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(out.get());
}

// ---- Certificate ------------------------------------------------------------------------

TEST(CertificateLoader, LoadsOnePemCertificateAndReadsItsFields) {
  auto certificate = Certificate::from_pem(leaf_pem());
  ASSERT_TRUE(certificate) << certificate.error().to_string();
  EXPECT_EQ(certificate->subject(), "CN=localhost");
  EXPECT_NE(certificate->issuer().find("CN="), std::string::npos);
  EXPECT_EQ(certificate->dns_names(), (std::vector<std::string>{"localhost", "test.example"}));
  EXPECT_EQ(certificate->ip_addresses(), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(certificate->key_type(), KeyType::ecdsa_p256);
  EXPECT_EQ(certificate->key_bits(), 256);
  EXPECT_FALSE(certificate->is_ca());
  EXPECT_LT(certificate->not_before(), std::chrono::system_clock::now());
  EXPECT_GT(certificate->not_after(), std::chrono::system_clock::now());
  EXPECT_EQ(certificate->to_pem(), leaf_pem());
  EXPECT_EQ(*certificate, TestPki::shared().server().leaf());
}

TEST(CertificateLoader, DerRoundTrip) {
  const auto& leaf = TestPki::shared().server().leaf();
  auto again = Certificate::from_der(leaf.der());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, leaf);
}

TEST(CertificateLoader, RefusesTrailingBytesAfterDer) {
  const auto der = TestPki::shared().server().leaf().der();
  std::vector<std::byte> longer(der.begin(), der.end());
  longer.push_back(std::byte{0});
  expect_refused(Certificate::from_der(longer), CredentialProblem::stray_content,
                 "1 bytes after the certificate");
}

TEST(CertificateLoader, RefusesGarbageDer) {
  const std::vector<std::byte> garbage(40, std::byte{0x30});
  expect_refused(Certificate::from_der(garbage), CredentialProblem::malformed_der,
                 "not a valid DER X.509 certificate");
}

TEST(CertificateLoader, RefusesTextBetweenBlocks) {
  expect_refused(Certificate::all_from_pem(leaf_pem() + "subject=CN=x\n" + intermediate_pem()),
                 CredentialProblem::stray_content, "unexpected text outside a PEM block");
}

TEST(CertificateLoader, RefusesTextBeforeTheFirstBlock) {
  expect_refused(Certificate::from_pem("Bag Attributes\n" + leaf_pem()),
                 CredentialProblem::stray_content, "line 1");
}

TEST(CertificateLoader, RefusesUnknownBlocks) {
  expect_refused(Certificate::all_from_pem(
                     leaf_pem() + "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"),
                 CredentialProblem::stray_content, "unexpected 'X509 CRL' block");
}

TEST(CertificateLoader, RefusesAPrivateKeyAmongCertificates) {
  expect_refused(Certificate::all_from_pem(leaf_pem() + key_pem()),
                 CredentialProblem::extraneous_private_key, "contains a private key");
}

TEST(CertificateLoader, RefusesTwoCertificatesWhereOneIsExpected) {
  expect_refused(Certificate::from_pem(leaf_pem() + intermediate_pem()),
                 CredentialProblem::stray_content, "exactly one certificate, found 2");
}

TEST(CertificateLoader, RefusesBrokenBase64) {
  std::string pem = leaf_pem();
  pem[40] = '!';
  expect_refused(Certificate::from_pem(pem), CredentialProblem::malformed_pem,
                 "is not valid base64");
}

TEST(CertificateLoader, RefusesAMissingEndLine) {
  std::string pem = leaf_pem();
  pem = pem.substr(0, pem.find("-----END"));
  expect_refused(Certificate::from_pem(pem), CredentialProblem::malformed_pem, "has no END line");
}

TEST(CertificateLoader, RefusesMismatchedEndLabel) {
  std::string pem = leaf_pem();
  pem.replace(pem.find("END CERTIFICATE"), 15, "END PRIVATE KEY");
  expect_refused(Certificate::from_pem(pem), CredentialProblem::malformed_pem,
                 "does not close BEGIN CERTIFICATE");
}

TEST(CertificateLoader, RefusesEmptyInput) {
  expect_refused(Certificate::all_from_pem(""), CredentialProblem::malformed_pem,
                 "holds no CERTIFICATE block");
}

TEST(CertificateLoader, AcceptsCrlfLineEndings) {
  std::string pem;
  for (char c : leaf_pem()) {
    if (c == '\n') {
      pem += '\r';
    }
    pem += c;
  }
  EXPECT_TRUE(Certificate::from_pem(pem));
}

// ---- PrivateKey -------------------------------------------------------------------------

TEST(PrivateKeyLoader, LoadsPkcs8Sec1AndPkcs1) {
  for (KeyAlgorithm algorithm : {KeyAlgorithm::ecdsa_p256, KeyAlgorithm::ecdsa_p384,
                                 KeyAlgorithm::rsa_2048, KeyAlgorithm::ed25519}) {
    const PrivateKey& key = TestPki::shared().server(algorithm).key();
    auto pkcs8 = PrivateKey::from_pem(key.to_pem());
    ASSERT_TRUE(pkcs8) << pkcs8.error().to_string();
    EXPECT_TRUE(pkcs8->matches(TestPki::shared().server(algorithm).leaf()));
    if (algorithm != KeyAlgorithm::ed25519) {  // Ed25519 has no traditional format
      const std::string traditional = traditional_pem_of(key.to_pem());
      EXPECT_NE(traditional.find(algorithm == KeyAlgorithm::rsa_2048 ? "BEGIN RSA PRIVATE KEY"
                                                                     : "BEGIN EC PRIVATE KEY"),
                std::string::npos);
      auto loaded = PrivateKey::from_pem(traditional);
      ASSERT_TRUE(loaded) << loaded.error().to_string();
      EXPECT_TRUE(loaded->matches(TestPki::shared().server(algorithm).leaf()));
    }
  }
}

TEST(PrivateKeyLoader, AcceptsEcParametersBeforeASec1Key) {
  const std::string sec1 = traditional_pem_of(key_pem());
  const std::string parameters =
      "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
  EXPECT_TRUE(PrivateKey::from_pem(parameters + sec1));
}

TEST(PrivateKeyLoader, RefusesInputWithoutAKey) {
  expect_refused(PrivateKey::from_pem(""), CredentialProblem::leaf_has_no_private_key,
                 "holds no private key");
}

TEST(PrivateKeyLoader, RefusesTwoKeys) {
  expect_refused(PrivateKey::from_pem(key_pem() + key_pem()), CredentialProblem::stray_content,
                 "more than one private key");
}

TEST(PrivateKeyLoader, RefusesACertificateInTheKeyFile) {
  expect_refused(PrivateKey::from_pem(key_pem() + leaf_pem()), CredentialProblem::stray_content,
                 "unexpected 'CERTIFICATE' block");
}

TEST(PrivateKeyLoader, RefusesEncryptedKeys) {
  expect_refused(PrivateKey::from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END "
                                      "ENCRYPTED PRIVATE KEY-----\n"),
                 CredentialProblem::unsupported_key_type, "decrypt it first");
  expect_refused(PrivateKey::from_pem("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                                      "AAAA\n-----END RSA PRIVATE KEY-----\n"),
                 CredentialProblem::malformed_pem, "PEM headers");
}

TEST(PrivateKeyLoader, RefusesWeakRsaKeys) {
  expect_refused(PrivateKey::from_pem(rsa_1024_key_pem()), CredentialProblem::weak_key,
                 "1024-bit RSA key; sanstls requires at least 2048 bits");
}

TEST(PrivateKeyLoader, RefusesGarbageDer) {
  const std::vector<std::byte> garbage(64, std::byte{0x42});
  expect_refused(PrivateKey::from_der(garbage), CredentialProblem::malformed_der,
                 "not an unencrypted PKCS#8, SEC1 or PKCS#1 private key");
}

// ---- CertificateChain -------------------------------------------------------------------

TEST(CertificateChainLoader, LoadsLeafIntermediateAndKey) {
  auto chain = CertificateChain::from_pem(leaf_pem() + intermediate_pem(), key_pem());
  ASSERT_TRUE(chain) << chain.error().to_string();
  EXPECT_EQ(chain->certificates().size(), 2U);
  EXPECT_EQ(chain->leaf(), TestPki::shared().server().leaf());
  EXPECT_EQ(chain->to_pem(), leaf_pem() + intermediate_pem());
}

TEST(CertificateChainLoader, RefusesALeafWithoutPrivateKey) {
  expect_refused(CertificateChain::from_pem(leaf_pem(), ""),
                 CredentialProblem::leaf_has_no_private_key, "no private key");
}

TEST(CertificateChainLoader, RefusesAChainWithoutLeaf) {
  expect_refused(CertificateChain::from_pem("", key_pem()), CredentialProblem::no_leaf,
                 "holds no certificate");
  expect_refused(CertificateChain::create({}, TestPki::shared().server().key()),
                 CredentialProblem::no_leaf, "holds no certificate");
}

TEST(CertificateChainLoader, RefusesACaCertificateFirst) {
  expect_refused(CertificateChain::from_pem(intermediate_pem(), key_pem()),
                 CredentialProblem::no_leaf, "is a CA certificate, not a leaf");
}

TEST(CertificateChainLoader, RefusesMoreThanOneLeaf) {
  const std::string other_leaf = TestPki::shared().server(KeyAlgorithm::ecdsa_p384).leaf().to_pem();
  expect_refused(CertificateChain::from_pem(leaf_pem() + other_leaf, key_pem()),
                 CredentialProblem::more_than_one_leaf, "is a leaf too");
}

TEST(CertificateChainLoader, RefusesIntermediatesOutOfOrder) {
  // The root did not issue the leaf: leaf, root is not a chain.
  const std::string root = TestPki::shared().root().certificate().to_pem();
  expect_refused(CertificateChain::from_pem(leaf_pem() + root, key_pem()),
                 CredentialProblem::no_chain_from_leaf, "was not issued by certificate 2");
  expect_refused(CertificateChain::from_pem(leaf_pem() + root + intermediate_pem(), key_pem()),
                 CredentialProblem::no_chain_from_leaf, "list the leaf first");
}

TEST(CertificateChainLoader, RefusesAKeyThatDoesNotMatchTheLeaf) {
  const std::string other_key = TestPki::shared().server(KeyAlgorithm::ecdsa_p384).key().to_pem();
  expect_refused(CertificateChain::from_pem(leaf_pem(), other_key),
                 CredentialProblem::key_does_not_match_leaf,
                 "does not belong to the leaf certificate 'CN=localhost'");
}

TEST(CertificateChainLoader, RefusesAPrivateKeyInTheChainFile) {
  expect_refused(CertificateChain::from_pem(leaf_pem() + key_pem(), key_pem()),
                 CredentialProblem::extraneous_private_key, "contains a private key");
}

TEST(CertificateChainLoader, RefusesChainsNoPeerWouldAccept) {
  const auto& intermediate = TestPki::shared().intermediate();
  testing::LeafOptions options;
  options.names = {"localhost"};
  options.flaws.sha1_signature = true;
  auto sha1 = intermediate.issue_leaf_parts(options);
  ASSERT_TRUE(sha1);
  expect_refused(CertificateChain::create(sha1->certificates, sha1->key),
                 CredentialProblem::weak_signature_algorithm, "SHA-1");
  options.flaws = {};
  options.flaws.no_digital_signature_usage = true;
  auto usage = intermediate.issue_leaf_parts(options);
  ASSERT_TRUE(usage);
  expect_refused(CertificateChain::create(usage->certificates, usage->key),
                 CredentialProblem::unusable_key_usage, "without digitalSignature");
  options.flaws = {};
  options.flaws.rsa_1024_key = true;
  auto weak = intermediate.issue_leaf_parts(options);
  ASSERT_TRUE(weak);
  expect_refused(CertificateChain::create(weak->certificates, weak->key),
                 CredentialProblem::weak_key, "1024-bit RSA key");
}

TEST(CertificateChainLoader, ReportsUnreadableFilesByName) {
  auto chain = CertificateChain::from_files("/nonexistent/chain.pem", "/nonexistent/key.pem");
  expect_refused(chain, CredentialProblem::unreadable_file, "/nonexistent/chain.pem");
}

// ---- TrustStore -------------------------------------------------------------------------

class TrustStoreLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("sanstls-trust-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    // The machine's own settings (CI images often set both) must not leak into these tests.
    ::unsetenv("SSL_CERT_FILE");
    ::unsetenv("SSL_CERT_DIR");
  }
  void TearDown() override {
    std::filesystem::remove_all(directory_);
    ::unsetenv("SSL_CERT_FILE");
    ::unsetenv("SSL_CERT_DIR");
  }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = directory_ / name;
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path directory_;
};

TEST_F(TrustStoreLoader, LoadsCertificates) {
  auto store = TrustStore::from_pem(TestPki::shared().root_pem() + intermediate_pem());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->size(), 2U);
}

TEST_F(TrustStoreLoader, RefusesAnyPrivateKey) {
  expect_refused(TrustStore::from_pem(TestPki::shared().root_pem() + key_pem()),
                 CredentialProblem::extraneous_private_key,
                 "the trust store contains a private key");
  expect_refused(TrustStore::from_file(write("mixed.pem", key_pem() + leaf_pem())),
                 CredentialProblem::extraneous_private_key, "mixed.pem");
}

TEST_F(TrustStoreLoader, RefusesEmptyInput) {
  expect_refused(TrustStore::from_pem("\n\n"), CredentialProblem::no_leaf,
                 "needs at least one certificate");
}

TEST_F(TrustStoreLoader, SystemStoreIsDebiansBundle) {
  auto store = TrustStore::system();
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_GT(store->size(), 50U);
}

TEST_F(TrustStoreLoader, SystemStoreHonoursSslCertFile) {
  const auto file = write("roots.pem", TestPki::shared().root_pem());
  ::setenv("SSL_CERT_FILE", file.c_str(), 1);
  auto store = TrustStore::system();
  ASSERT_TRUE(store) << store.error().to_string();
  ASSERT_EQ(store->size(), 1U);
  EXPECT_EQ(store->certificates().front(), TestPki::shared().root().certificate());
}

TEST_F(TrustStoreLoader, SystemStoreHonoursSslCertDir) {
  write("a.pem", TestPki::shared().root_pem());
  write("b.0", TestPki::shared().root_pem());  // c_rehash links repeat certificates
  write("c.pem", intermediate_pem());
  ::setenv("SSL_CERT_DIR", directory_.c_str(), 1);
  auto store = TrustStore::system();
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_EQ(store->size(), 2U);
}

TEST_F(TrustStoreLoader, DirectoryWithAKeyIsRefused) {
  write("a.pem", TestPki::shared().root_pem());
  write("key.pem", key_pem());
  expect_refused(TrustStore::from_directory(directory_), CredentialProblem::extraneous_private_key,
                 "key.pem");
}

TEST_F(TrustStoreLoader, EmptyTrustStoreIsAllowedAndTrustsNothing) {
  const TrustStore empty;
  EXPECT_EQ(empty.size(), 0U);
}

}  // namespace
}  // namespace sanstls::test

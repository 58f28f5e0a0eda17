// SPDX-License-Identifier: Apache-2.0 OR MIT
// The shared test PKI (tests/support/test_pki.hpp) that other test areas build on.

#include "support/test_pki.hpp"

#include "core/credentials_impl.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace sanstls::test {
namespace {

using testing::KeyAlgorithm;

int verify_error(const CertificateChain& chain, const TrustStore& trust, int purpose) {
  ossl::X509StorePtr store(X509_STORE_new());
  for (const Certificate& anchor : trust.certificates()) {
    X509_STORE_add_cert(store.get(), anchor.impl().x509.get());
  }
  ossl::X509StackPtr untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < chain.certificates().size(); ++i) {
    X509* certificate = chain.certificates()[i].impl().x509.get();
    X509_up_ref(certificate);
    sk_X509_push(untrusted.get(), certificate);
  }
  ossl::X509StoreCtxPtr context(X509_STORE_CTX_new());
  X509_STORE_CTX_init(context.get(), store.get(), chain.leaf().impl().x509.get(), untrusted.get());
  X509_STORE_CTX_set_purpose(context.get(), purpose);
  return X509_verify_cert(context.get()) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(context.get());
}

class TestPkiTest : public WithTestPki {};

TEST_F(TestPkiTest, IsBuiltOnce) {
  EXPECT_EQ(&pki(), &TestPki::shared());
  EXPECT_EQ(&pki().server(), &pki().server(KeyAlgorithm::ecdsa_p256));
  EXPECT_EQ(pki().trust_store().certificates().size(), 1U);
  EXPECT_EQ(pki().trust_store().certificates()[0], pki().root().certificate());
}

TEST_F(TestPkiTest, EveryServerChainVerifiesForEveryName) {
  for (KeyAlgorithm key : testing::all_key_algorithms()) {
    SCOPED_TRACE(testing::key_algorithm_name(key));
    const CertificateChain& chain = pki().server(key);
    ASSERT_EQ(chain.certificates().size(), 2U);
    EXPECT_EQ(chain.certificates()[1], pki().intermediate().certificate());
    EXPECT_EQ(verify_error(chain, pki().trust_store(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
    X509* leaf = chain.leaf().impl().x509.get();
    EXPECT_EQ(X509_check_host(leaf, "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_host(leaf, "test.example", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_host(leaf, "other.example", 0, 0, nullptr), 0);
    EXPECT_TRUE(chain.key().matches(chain.leaf()));
  }
}

TEST_F(TestPkiTest, ClientChainIsForClientsOnly) {
  const CertificateChain& client = pki().client();
  EXPECT_EQ(verify_error(client, pki().trust_store(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(verify_error(client, pki().trust_store(), X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_INVALID_PURPOSE);
  EXPECT_EQ(verify_error(pki().server(), pki().trust_store(), X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_INVALID_PURPOSE);
}

TEST_F(TestPkiTest, AFreshPkiIsUnrelated) {
  auto other = TestPki::build();
  ASSERT_TRUE(other) << other.error().to_string();
  EXPECT_EQ(verify_error(pki().server(), (*other)->trust_store(), X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(TestPkiTest, WrittenFilesVerifyWithOpenssl) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      fmt::format("sanstls-test-pki-{}", static_cast<long>(::getpid()));
  const TestPki::PemFiles files = pki().write_server_files(dir, KeyAlgorithm::rsa_2048);
  struct stat key_stat {};
  ASSERT_EQ(::stat(files.key.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600U);
  auto reloaded = CertificateChain::from_files(files.chain, files.key);
  ASSERT_TRUE(reloaded) << reloaded.error().to_string();
  EXPECT_EQ(reloaded->certificates(), pki().server(KeyAlgorithm::rsa_2048).certificates());
  if (std::system("openssl version >/dev/null 2>&1") == 0) {
    // openssl verify checks the first certificate of the file; the rest is passed as untrusted.
    const std::string command = fmt::format(
        "openssl verify -CAfile '{}' -untrusted '{}' -purpose sslserver '{}' >/dev/null",
        files.root.string(), files.chain.string(), files.chain.string());
    EXPECT_EQ(std::system(command.c_str()), 0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sanstls::test

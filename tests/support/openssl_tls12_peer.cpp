// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "support/openssl_tls12_peer.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <cstring>

namespace sanstls::test {

using EvpPkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Tls12Credential make_self_signed_credential(const char* common_name, bool rsa) {
  Tls12Credential c;
  EvpPkey key(rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})
                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
              &EVP_PKEY_free);
  EXPECT_TRUE(key);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  EXPECT_GT(len, 0);
  c.cert_der.assign(der, der + len);
  OPENSSL_free(der);
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
      EVP_PKEY2PKCS8(key.get()), &PKCS8_PRIV_KEY_INFO_free);
  unsigned char* p8der = nullptr;
  const int p8len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &p8der);
  EXPECT_GT(p8len, 0);
  c.pkcs8_der.assign(p8der, p8der + p8len);
  OPENSSL_free(p8der);
  return c;
}

namespace {

EvpPkey private_key(const Tls12Credential& c) {
  const unsigned char* p = c.pkcs8_der.data();
  return {d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(c.pkcs8_der.size())), &EVP_PKEY_free};
}

}  // namespace

const Tls12Credential& tls12_credential(bool rsa) {
  static const Tls12Credential ec = make_self_signed_credential("tls12.test", false);
  static const Tls12Credential r = make_self_signed_credential("tls12.test", true);
  return rsa ? r : ec;
}

OpensslTls12Peer::OpensslTls12Peer(const SSL_METHOD* method, const char* ciphers, long options,
                                   int max_version) {
  ctx_.reset(SSL_CTX_new(method));
  SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx_.get(), max_version);
  SSL_CTX_set_security_level(ctx_.get(), 0);
  EXPECT_EQ(SSL_CTX_set_cipher_list(ctx_.get(), ciphers), 1);
  SSL_CTX_set_options(ctx_.get(), static_cast<std::uint64_t>(options) | SSL_OP_NO_TICKET);
}

OpensslTls12Peer OpensslTls12Peer::server(bool rsa, const char* ciphers, long options) {
  OpensslTls12Peer peer(TLS_server_method(), ciphers, options, TLS1_2_VERSION);
  SSL_CTX* ctx = peer.ctx_.get();
  const Tls12Credential& c = tls12_credential(rsa);
  EXPECT_EQ(
      SSL_CTX_use_certificate_ASN1(ctx, static_cast<int>(c.cert_der.size()), c.cert_der.data()), 1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx, private_key(c).get()), 1);
  SSL_CTX_set_alpn_select_cb(
      ctx,
      [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
         unsigned int inlen, void*) -> int {
        // Picks "http/1.1" when offered.
        for (unsigned int i = 0; i < inlen; i += 1U + in[i]) {
          if (in[i] == 8 && std::memcmp(in + i + 1, "http/1.1", 8) == 0) {
            *out = in + i + 1;
            *outlen = in[i];
            return SSL_TLSEXT_ERR_OK;
          }
        }
        return SSL_TLSEXT_ERR_NOACK;
      },
      nullptr);
  peer.ssl_.reset(SSL_new(ctx));
  peer.in_ = BIO_new(BIO_s_mem());
  peer.out_ = BIO_new(BIO_s_mem());
  SSL_set_bio(peer.ssl_.get(), peer.in_, peer.out_);
  SSL_set_accept_state(peer.ssl_.get());
  return peer;
}

OpensslTls12Peer OpensslTls12Peer::client(const char* ciphers, long options, int max_version) {
  OpensslTls12Peer peer(TLS_client_method(), ciphers, options, max_version);
  peer.ssl_.reset(SSL_new(peer.ctx_.get()));
  peer.in_ = BIO_new(BIO_s_mem());
  peer.out_ = BIO_new(BIO_s_mem());
  SSL_set_bio(peer.ssl_.get(), peer.in_, peer.out_);
  SSL_set_connect_state(peer.ssl_.get());
  SSL_set_tlsext_host_name(peer.ssl_.get(), "tls12.test");
  static const unsigned char alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(peer.ssl_.get(), alpn, sizeof(alpn));
  return peer;
}

void OpensslTls12Peer::request_client_certificate() {
  SSL_set_verify(ssl_.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                 [](int, X509_STORE_CTX*) { return 1; });
}

void OpensslTls12Peer::use_certificate(const Tls12Credential& c) {
  EXPECT_EQ(
      SSL_use_certificate_ASN1(ssl_.get(), c.cert_der.data(), static_cast<int>(c.cert_der.size())),
      1);
  EXPECT_EQ(SSL_use_PrivateKey(ssl_.get(), private_key(c).get()), 1);
}

void OpensslTls12Peer::feed(const std::vector<std::uint8_t>& bytes) {
  if (!bytes.empty()) BIO_write(in_, bytes.data(), static_cast<int>(bytes.size()));
}

std::vector<std::uint8_t> OpensslTls12Peer::take() {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(BIO_pending(out_)));
  if (!out.empty()) BIO_read(out_, out.data(), static_cast<int>(out.size()));
  return out;
}

bool OpensslTls12Peer::step() {
  const int r = SSL_do_handshake(ssl_.get());
  ERR_clear_error();
  return r == 1;
}

std::string OpensslTls12Peer::read() {
  std::string got;
  std::array<char, 512> buf{};
  std::size_t n = 0;
  while (SSL_read_ex(ssl_.get(), buf.data(), buf.size(), &n) == 1) got.append(buf.data(), n);
  ERR_clear_error();
  return got;
}

void OpensslTls12Peer::write(const std::string& s) {
  std::size_t n = 0;
  EXPECT_EQ(SSL_write_ex(ssl_.get(), s.data(), s.size(), &n), 1);
}

}  // namespace sanstls::test

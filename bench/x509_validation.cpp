// SPDX-License-Identifier: Apache-2.0 OR MIT
// Validations per second of a 3-certificate path (ECDSA P-256 leaf, intermediate, root) with
// sanstls's own validator and with the OpenSSL one (libcrypto's X509_verify_cert plus sanstls's
// policy checks), through the public verify_certificate_chain(). Usage:
//   x509_validation_bench [seconds per validator, default 2] [rsa]
// Prints one line per validator; docs/x509.md quotes the figures.
#include <sanstls/testing/certificate_authority.hpp>
#include <sanstls/verify.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace sanstls;
  using Clock = std::chrono::steady_clock;
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const bool rsa = argc > 2 && std::string(argv[2]) == "rsa";
  const auto key = rsa ? testing::KeyAlgorithm::rsa_2048 : testing::KeyAlgorithm::ecdsa_p256;
  testing::CaOptions ca_options;
  ca_options.key = key;
  auto root = testing::CertificateAuthority::create(ca_options);
  if (!root) return std::fprintf(stderr, "%s\n", root.error().message.c_str()), 1;
  auto intermediate = root->issue_intermediate(ca_options);
  if (!intermediate) return 1;
  testing::LeafOptions leaf_options;
  leaf_options.names = {"leaf.example"};
  leaf_options.key = key;
  auto leaf = intermediate->issue_leaf_parts(leaf_options);
  if (!leaf) return 1;
  const TrustStore trust = root->trust_store();
  for (const PathValidator validator : {PathValidator::sanstls, PathValidator::openssl}) {
    ChainCheck check;
    check.name = "leaf.example";
    check.validator = validator;
    check.time = std::chrono::system_clock::now();
    long count = 0;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < end) {
      for (int i = 0; i < 16; ++i) {
        if (!verify_certificate_chain(leaf->certificates, trust, check)) return 2;
      }
      count += 16;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%-8s validator, %s 3-certificate path: %.0f validations/s (%.1f us each)\n",
                validator == PathValidator::sanstls ? "sanstls" : "openssl",
                rsa ? "RSA-2048" : "ECDSA P-256", static_cast<double>(count) / elapsed,
                1e6 * elapsed / static_cast<double>(count));
  }
  return 0;
}

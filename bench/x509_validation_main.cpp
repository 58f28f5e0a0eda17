// SPDX-License-Identifier: Apache-2.0 OR MIT
// Validations per CPU second of a 3-certificate path (leaf, intermediate, root) with sanstls's
// own validator, the OpenSSL one (libcrypto's X509_verify_cert plus sanstls's policy checks)
// through the public verify_certificate_chain(), and X509_verify_cert alone. The same rows are
// part of `sanstls bench` (x509_validation); this runs only them. Usage:
//   x509_validation_bench [CPU seconds per validator, default 2] [rsa]
#include <sanstls/testing/certificate_authority.hpp>

#include "x509_validation.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  using namespace sanstls;
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const bool rsa = argc > 2 && std::string(argv[2]) == "rsa";
  const auto key = rsa ? testing::KeyAlgorithm::rsa_2048 : testing::KeyAlgorithm::ecdsa_p256;
  testing::CaOptions ca_options;
  ca_options.key = key;
  ca_options.common_name = "sanstls bench root";
  auto root = testing::CertificateAuthority::create(ca_options);
  if (!root) return std::fprintf(stderr, "%s\n", root.error().message.c_str()), 1;
  // Distinct names (a leaf whose issuer name also matched the root made the validators try,
  // and refuse, the root's key first: one signature check more per validation).
  testing::CaOptions intermediate_options = ca_options;
  intermediate_options.common_name = "sanstls bench intermediate";
  auto intermediate = root->issue_intermediate(intermediate_options);
  if (!intermediate) return 1;
  testing::LeafOptions leaf_options;
  leaf_options.names = {"leaf.example"};
  leaf_options.key = key;
  auto leaf = intermediate->issue_leaf_parts(leaf_options);
  if (!leaf) return 1;
  std::string error;
  auto bench = bench::X509ValidationBench::create(leaf->certificates_pem(), root->certificate_pem(),
                                                  "leaf.example", error);
  if (!bench) return std::fprintf(stderr, "%s\n", error.c_str()), 1;
  for (const auto validator :
       {bench::X509Validator::sanstls, bench::X509Validator::openssl, bench::X509Validator::raw}) {
    const auto rate = bench->rate(validator, seconds);
    if (!rate) return std::fprintf(stderr, "%s\n", bench->error.c_str()), 2;
    std::printf("%-16s %s 3-certificate path: %.0f validations per CPU second (%.1f us each)\n",
                std::string(bench::x509_validator_label(validator)).c_str(),
                rsa ? "RSA-2048" : "ECDSA P-256", *rate, 1e6 / *rate);
  }
  return 0;
}

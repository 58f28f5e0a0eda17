// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Validations per CPU second of one 3-certificate path (leaf, intermediate, root): sanstls's own
// validator and the OpenSSL one through the public verify_certificate_chain(), and libcrypto's
// X509_verify_cert driven directly (what libssl runs for a client: an X509_STORE_CTX per
// validation, purpose sslserver, the host name in the verify parameters). The rows of
// `sanstls bench` (x509_validation) and of build/bench/x509_validation_bench.

#include <sanstls/sanstls.hpp>
#include <sanstls/verify.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::bench {

/// Who validates the path.
enum class X509Validator {
  sanstls,  // verify_certificate_chain(), PathValidator::sanstls
  openssl,  // verify_certificate_chain(), PathValidator::openssl (X509_verify_cert + policy)
  raw,      // X509_verify_cert alone, as libssl calls it
};

/// The JSON/table label: "sanstls", "openssl", "X509_verify_cert".
std::string_view x509_validator_label(X509Validator validator);

/// One path, parsed once for every validator.
class X509ValidationBench {
 public:
  /// `chain_pem`: leaf then intermediate; `root_pem`: the trust anchor; `name`: the DNS name the
  /// leaf is checked for. nullptr with `error` set on failure.
  static std::unique_ptr<X509ValidationBench> create(std::string_view chain_pem,
                                                     std::string_view root_pem, std::string name,
                                                     std::string& error);
  ~X509ValidationBench();
  X509ValidationBench(const X509ValidationBench&) = delete;
  X509ValidationBench& operator=(const X509ValidationBench&) = delete;

  /// Validations per CPU second of this thread over about `cpu_seconds`; nullopt when a
  /// validation fails (`error` says why).
  std::optional<double> rate(X509Validator validator, double cpu_seconds);

  std::string error;

 private:
  X509ValidationBench() = default;
  bool once(X509Validator validator);

  struct Raw;
  std::vector<Certificate> chain_;
  std::optional<TrustStore> trust_;
  std::string name_;
  std::unique_ptr<Raw> raw_;
};

}  // namespace sanstls::bench

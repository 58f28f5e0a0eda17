// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "x509_validation.hpp"

#include "drivers.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace sanstls::bench {

struct X509ValidationBench::Raw {
  X509* leaf = nullptr;
  STACK_OF(X509) * untrusted = nullptr;
  X509_STORE* store = nullptr;
  ~Raw() {
    X509_free(leaf);
    sk_X509_pop_free(untrusted, X509_free);
    X509_STORE_free(store);
  }
};

std::string_view x509_validator_label(X509Validator validator) {
  switch (validator) {
    case X509Validator::sanstls:
      return "sanstls";
    case X509Validator::openssl:
      return "openssl";
    case X509Validator::raw:
      break;
  }
  return "X509_verify_cert";
}

namespace {

X509* der_to_x509(const Certificate& certificate) {
  const auto der = certificate.der();
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  return d2i_X509(nullptr, &bytes, static_cast<long>(der.size()));
}

}  // namespace

std::unique_ptr<X509ValidationBench> X509ValidationBench::create(std::string_view chain_pem,
                                                                 std::string_view root_pem,
                                                                 std::string name,
                                                                 std::string& error) {
  std::unique_ptr<X509ValidationBench> out{new X509ValidationBench()};
  auto chain = Certificate::all_from_pem(chain_pem);
  auto root = Certificate::from_pem(root_pem);
  if (!chain || !root || chain->size() < 2) {
    error = "x509 validation: cannot parse the chain or the root";
    return nullptr;
  }
  out->chain_ = std::move(*chain);
  auto trust = TrustStore::from_certificates({*root});
  if (!trust) {
    error = fmt::format("x509 validation: {}", trust.error().to_string());
    return nullptr;
  }
  out->trust_.emplace(std::move(*trust));
  out->name_ = std::move(name);
  out->raw_ = std::make_unique<Raw>();
  Raw& raw = *out->raw_;
  raw.leaf = der_to_x509(out->chain_.front());
  raw.untrusted = sk_X509_new_null();
  raw.store = X509_STORE_new();
  X509* anchor = der_to_x509(*root);
  bool ok = raw.leaf != nullptr && raw.untrusted != nullptr && raw.store != nullptr &&
            anchor != nullptr && X509_STORE_add_cert(raw.store, anchor) == 1;
  X509_free(anchor);
  for (std::size_t i = 1; ok && i < out->chain_.size(); ++i) {
    X509* intermediate = der_to_x509(out->chain_[i]);
    ok = intermediate != nullptr && sk_X509_push(raw.untrusted, intermediate) > 0;
    if (!ok) X509_free(intermediate);
  }
  if (!ok) {
    error = "x509 validation: libcrypto refused the chain";
    return nullptr;
  }
  return out;
}

X509ValidationBench::~X509ValidationBench() = default;

bool X509ValidationBench::once(X509Validator validator) {
  if (validator != X509Validator::raw) {
    ChainCheck check;
    check.name = name_;
    check.validator =
        validator == X509Validator::sanstls ? PathValidator::sanstls : PathValidator::openssl;
    if (auto verified = verify_certificate_chain(chain_, *trust_, check); !verified) {
      error = verified.error().to_string();
      return false;
    }
    return true;
  }
  // As libssl's ssl_verify_cert_chain: a context per chain, the SSL server purpose, the name.
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  bool ok =
      ctx != nullptr && X509_STORE_CTX_init(ctx, raw_->store, raw_->leaf, raw_->untrusted) == 1;
  if (ok) {
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
    ok = X509_STORE_CTX_set_default(ctx, "ssl_server") == 1 &&
         X509_VERIFY_PARAM_set1_host(param, name_.data(), name_.size()) == 1 &&
         X509_verify_cert(ctx) == 1;
    if (!ok) {
      error = fmt::format("X509_verify_cert: {}",
                          X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
  }
  X509_STORE_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

std::optional<double> X509ValidationBench::rate(X509Validator validator, double cpu_seconds) {
  const std::int64_t start = thread_cpu_ns();
  std::int64_t spent = 0;
  std::size_t count = 0;
  do {
    for (int i = 0; i < 16; ++i) {
      if (!once(validator)) return std::nullopt;
    }
    count += 16;
    spent = thread_cpu_ns() - start;
  } while (static_cast<double>(spent) / 1e9 < cpu_seconds);
  return static_cast<double>(count) / (static_cast<double>(spent) / 1e9);
}

}  // namespace sanstls::bench

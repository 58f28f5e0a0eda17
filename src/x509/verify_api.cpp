// SPDX-License-Identifier: Apache-2.0 OR MIT
// sanstls::verify_certificate_chain: the public face of x509::verify_chain.
#include <sanstls/verify.hpp>

#include "core/library_context.hpp"
#include "x509/path/limits.hpp"
#include "x509/verify.hpp"

#include <fmt/format.h>

namespace sanstls {

Result<void> verify_certificate_chain(std::span<const Certificate> chain, const TrustStore& trust,
                                      const ChainCheck& check) {
  auto library = core::LibraryContext::create();
  if (!library) {
    return tl::unexpected<Error>(library.error());
  }
  if (check.max_intermediates > x509::path::limits::max_max_intermediates) {
    return fail(Errc::bad_configuration,
                fmt::format("at most {} intermediate certificates can be allowed, not {}",
                            x509::path::limits::max_max_intermediates, check.max_intermediates));
  }
  std::optional<x509::ServerName> name;
  if (!check.client) {
    if (check.name.empty()) {
      return fail(Errc::bad_configuration,
                  "a server certificate is verified for a name: give the host name or IP "
                  "address the client connects to");
    }
    auto parsed = x509::ServerName::parse(check.name);
    if (!parsed) {
      return tl::unexpected<Error>(parsed.error());
    }
    name = std::move(*parsed);
  }
  x509::VerifyRequest request;
  request.presented = chain;
  request.trust = &trust;
  request.purpose = check.client ? x509::Purpose::client_auth : x509::Purpose::server_auth;
  request.server_name = name ? &*name : nullptr;
  request.now = check.time.value_or(std::chrono::system_clock::now());
  request.libctx = (*library)->get();
  request.validator = check.validator == PathValidator::sanstls ? x509::Validator::sanstls
                                                                : x509::Validator::openssl;
  request.max_intermediates = check.max_intermediates;
  return x509::verify_chain(request);
}

}  // namespace sanstls

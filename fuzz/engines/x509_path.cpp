// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: path building in sanstls's own validator (src/x509/path) with many
// candidate issuers. Input: certificates as [2-byte big-endian length][DER], up to 33; the
// first is the leaf, the last the only trust anchor, the others the peer's intermediates.
// Whatever the certificates, validation ends within the budgets (x509/path/limits.hpp) with a
// verdict: valid, or certificate_rejected with a CertificateProblem.
#include <sanstls/credentials.hpp>

#include "x509/server_name.hpp"
#include "x509/verify.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sanstls;
  std::vector<Certificate> certificates;
  std::size_t at = 0;
  while (at + 2 <= size && certificates.size() < 33) {
    const std::size_t length = (static_cast<std::size_t>(data[at]) << 8U) | data[at + 1];
    at += 2;
    if (length > size - at) break;
    auto certificate =
        Certificate::from_der(std::as_bytes(std::span<const std::uint8_t>(data + at, length)));
    at += length;
    if (certificate) certificates.push_back(std::move(*certificate));
  }
  if (certificates.size() < 2) return 0;
  auto trust = TrustStore::from_certificates({certificates.back()});
  certificates.pop_back();
  if (!trust) return 0;
  static const auto name = x509::ServerName::parse("leaf.example");
  x509::VerifyRequest request;
  request.validator = x509::Validator::sanstls;
  request.presented = certificates;
  request.trust = &*trust;
  request.server_name = &*name;
  // 2030-01-01T00:00:00Z: a fixed time, so a corpus entry keeps its verdict.
  request.now = std::chrono::system_clock::time_point{std::chrono::seconds{1893456000}};
  auto verdict = x509::verify_chain(request);
  if (!verdict && verdict.error().code != Errc::certificate_rejected) __builtin_trap();
  return 0;
}

// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the credential loaders (PEM, DER, chains, trust stores).
//
// Input: one selector byte, then the loader's input.
//   0 Certificate::from_pem      1 Certificate::from_der     2 Certificate::all_from_pem
//   3 PrivateKey::from_pem       4 PrivateKey::from_der      5 TrustStore::from_pem
//   6 CertificateChain::from_pem (the input is split before its first "-----BEGIN PRIVATE KEY":
//     certificates first, then the key)
//   7 TrustStore::from_certificates and CertificateChain::create over the DER certificates
//     and key of a PEM input
// Every accessor of what loads is called; a loader either loads or reports an error.
#include <sanstls/credentials.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace {

using namespace sanstls;

void touch(const Certificate& certificate) {
  (void)certificate.der();
  (void)certificate.to_pem();
  (void)certificate.subject();
  (void)certificate.issuer();
  (void)certificate.dns_names();
  (void)certificate.ip_addresses();
  (void)certificate.not_before();
  (void)certificate.not_after();
  (void)certificate.key_type();
  (void)certificate.key_bits();
  (void)certificate.is_ca();
  // Round trip: what loads re-loads to the same certificate.
  auto again = Certificate::from_der(certificate.der());
  if (!again || !(*again == certificate)) __builtin_trap();
}

void touch(const PrivateKey& key) {
  (void)key.key_type();
  (void)key.key_bits();
  (void)key.to_pem();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto bytes = std::as_bytes(std::span<const std::uint8_t>(data + 1, size - 1));
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] & 7U) {
    case 0:
      if (auto c = Certificate::from_pem(text)) touch(*c);
      break;
    case 1:
      if (auto c = Certificate::from_der(bytes)) touch(*c);
      break;
    case 2:
      if (auto all = Certificate::all_from_pem(text)) {
        for (const auto& c : *all) touch(c);
      }
      break;
    case 3:
      if (auto k = PrivateKey::from_pem(text)) touch(*k);
      break;
    case 4:
      if (auto k = PrivateKey::from_der(bytes)) touch(*k);
      break;
    case 5:
      if (auto store = TrustStore::from_pem(text)) {
        for (const auto& c : store->certificates()) touch(c);
      }
      break;
    case 6: {
      const auto split = std::min(text.find("-----BEGIN PRIVATE KEY"), text.size());
      if (auto chain = CertificateChain::from_pem(text.substr(0, split), text.substr(split))) {
        for (const auto& c : chain->certificates()) touch(c);
        touch(chain->key());
        if (!chain->key().matches(chain->leaf())) __builtin_trap();
        (void)chain->to_pem();
      }
      break;
    }
    default: {
      const auto split = std::min(text.find("-----BEGIN PRIVATE KEY"), text.size());
      auto all = Certificate::all_from_pem(text.substr(0, split));
      if (!all) break;
      if (auto store = TrustStore::from_certificates(*all)) (void)store->size();
      if (auto key = PrivateKey::from_pem(text.substr(split))) {
        for (const auto& c : *all) (void)key->matches(c);
        (void)CertificateChain::create(*all, *key);
      }
      break;
    }
  }
  return 0;
}

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// RAII owners for GnuTLS handles: one unique_ptr type per C handle, each with its deinit function.
// A gnutls_session_t and friends are pointers to opaque structs, so unique_ptr can own them.

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace sanstls::gnutls_backend {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using SessionPtr = std::unique_ptr<std::remove_pointer_t<gnutls_session_t>, Deleter<gnutls_deinit>>;
using CertificateCredentialsPtr =
    std::unique_ptr<std::remove_pointer_t<gnutls_certificate_credentials_t>,
                    Deleter<gnutls_certificate_free_credentials>>;
using PriorityPtr =
    std::unique_ptr<std::remove_pointer_t<gnutls_priority_t>, Deleter<gnutls_priority_deinit>>;
using PrivkeyPtr =
    std::unique_ptr<std::remove_pointer_t<gnutls_privkey_t>, Deleter<gnutls_privkey_deinit>>;

/// A list of gnutls_pcert_st (certificates ready for the handshake) that deinitialises what it
/// imported. GnuTLS keeps pointers into the array while a handshake uses it, so the storage
/// never moves after the list is filled (reserve() first, then push only).
class PcertList {
 public:
  PcertList() = default;
  PcertList(const PcertList&) = delete;
  PcertList& operator=(const PcertList&) = delete;
  PcertList(PcertList&& other) noexcept : certs_(std::exchange(other.certs_, {})) {}
  PcertList& operator=(PcertList&& other) noexcept {
    if (this != &other) {
      clear();
      certs_ = std::exchange(other.certs_, {});
    }
    return *this;
  }
  ~PcertList() { clear(); }

  void reserve(std::size_t n) { certs_.reserve(n); }
  /// Imports one DER certificate; returns the GnuTLS error code (0 on success).
  int add_der(const gnutls_datum_t& der) {
    gnutls_pcert_st pcert{};
    const int ret = gnutls_pcert_import_x509_raw(&pcert, &der, GNUTLS_X509_FMT_DER, 0);
    if (ret >= 0) {
      certs_.push_back(pcert);
    }
    return ret;
  }
  [[nodiscard]] gnutls_pcert_st* data() noexcept { return certs_.data(); }
  /// For GnuTLS's certificate retrieve callbacks, which take a non-const pointer to a list they
  /// only read (a shared, cached list is handed to many sessions).
  [[nodiscard]] gnutls_pcert_st* data_for_retrieve() const noexcept {
    return const_cast<gnutls_pcert_st*>(certs_.data());
  }
  [[nodiscard]] std::size_t size() const noexcept { return certs_.size(); }
  [[nodiscard]] bool empty() const noexcept { return certs_.empty(); }
  void clear() noexcept {
    for (auto& pcert : certs_) {
      gnutls_pcert_deinit(&pcert);
    }
    certs_.clear();
  }

 private:
  std::vector<gnutls_pcert_st> certs_;
};

}  // namespace sanstls::gnutls_backend

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// A libcrypto library context that sanstls owns: the default provider loaded explicitly and
// nothing else. No configuration file is read into it (OSSL_LIB_CTX_new never loads one), so
// openssl.cnf, $OPENSSL_CONF, default properties or providers an application loads into the
// process-wide default context cannot change which algorithms sanstls uses or how chains are
// judged. One per ClientTLS/ServerTLS (core::CommonConfig::library), shared by its sessions and
// engines; immutable once made.

#include <sanstls/error.hpp>

#include "core/ossl_ptr.hpp"

#include <openssl/provider.h>

#include <memory>

namespace sanstls::core {

class LibraryContext {
 public:
  static Result<std::shared_ptr<const LibraryContext>> create();
  LibraryContext(const LibraryContext&) = delete;
  LibraryContext& operator=(const LibraryContext&) = delete;
  ~LibraryContext();

  /// Thread-safe for fetches and operations (libcrypto locks its caches internally).
  [[nodiscard]] OSSL_LIB_CTX* get() const noexcept { return context_.get(); }

 private:
  LibraryContext() = default;
  ossl::LibCtxPtr context_;
  OSSL_PROVIDER* default_provider_ = nullptr;
};

}  // namespace sanstls::core

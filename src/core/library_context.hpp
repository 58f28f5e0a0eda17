// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// A libcrypto library context that sanstls owns: the default provider loaded explicitly and
// nothing else. No configuration file is read into it (OSSL_LIB_CTX_new never loads one), so
// openssl.cnf, $OPENSSL_CONF, default properties or providers an application loads into the
// process-wide default context cannot change which algorithms sanstls uses or how chains are
// judged. One per process (see create()), shared by every configuration, session and engine;
// immutable once made.

#include <sanstls/error.hpp>

#include "base/ossl_ptr.hpp"

#include <openssl/provider.h>

#include <memory>

namespace sanstls::core {

class LibraryContext {
 public:
  /// The process's sanstls library context, made on first use and never freed. Not one per
  /// configuration: OpenSSL 3.0 keeps per-thread state (the DRBGs) for every context a thread
  /// used and releases it at thread exit through the context itself, so a context freed while a
  /// thread that used it is alive crashes that thread's exit (a thread pool outliving a
  /// ServerTLS). Issue 12 allows "one immutable per library instance"; it is the one exception
  /// to "no global state" (scripts/check-globals.sh), and nothing in it can be changed.
  static Result<std::shared_ptr<const LibraryContext>> create();
  LibraryContext(const LibraryContext&) = delete;
  LibraryContext& operator=(const LibraryContext&) = delete;
  ~LibraryContext();

  /// Thread-safe for fetches and operations (libcrypto locks its caches internally).
  [[nodiscard]] OSSL_LIB_CTX* get() const noexcept { return context_.get(); }

 private:
  LibraryContext() = default;
  /// A new context with the default provider (what create() makes once).
  static Result<std::shared_ptr<const LibraryContext>> make();
  ossl::LibCtxPtr context_;
  OSSL_PROVIDER* default_provider_ = nullptr;
};

}  // namespace sanstls::core

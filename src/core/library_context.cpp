// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "core/library_context.hpp"

#include <fmt/format.h>

namespace sanstls::core {

Result<std::shared_ptr<const LibraryContext>> LibraryContext::create() {
  // Made once, thread-safely (a function-local static), and deliberately never destroyed: a
  // destructor at exit could still race a thread's exit-time OpenSSL cleanup. Reachable until
  // exit, so leak checkers do not report it.
  static const auto* const shared =
      new Result<std::shared_ptr<const LibraryContext>>(LibraryContext::make());
  return *shared;
}

Result<std::shared_ptr<const LibraryContext>> LibraryContext::make() {
  std::shared_ptr<LibraryContext> library{new LibraryContext()};
  library->context_.reset(OSSL_LIB_CTX_new());
  if (!library->context_) {
    return fail(Errc::internal_error,
                fmt::format("cannot create a libcrypto library context (out of memory?): {}",
                            ossl::take_error_string()));
  }
  // Loaded explicitly (no fallback, no configuration): exactly the algorithms sanstls relies on.
  library->default_provider_ = OSSL_PROVIDER_load(library->context_.get(), "default");
  if (library->default_provider_ == nullptr) {
    return fail(Errc::internal_error, fmt::format("cannot load libcrypto's default provider: {}",
                                                  ossl::take_error_string()));
  }
  return std::shared_ptr<const LibraryContext>{std::move(library)};
}

LibraryContext::~LibraryContext() {
  if (default_provider_ != nullptr) {
    OSSL_PROVIDER_unload(default_provider_);
  }
}

}  // namespace sanstls::core

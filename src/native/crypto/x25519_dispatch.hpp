// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// X25519 key shares (RFC 7748) through the functions of the provider that serves X25519 in a
// library context, called directly: its key-management functions make the key (import of the
// private key, which also computes the public key; import of the peer's public key) and its
// key-exchange functions compute the shared secret.
//
// Why not EVP: OpenSSL 3.0 builds every EVP_PKEY and EVP_PKEY_CTX through a name lookup of the
// algorithm's legacy NID (EVP_KEYMGMT_names_do_all), parameter negotiation and method caches;
// callgrind measured ~0.05-0.1 M instructions of that per X25519 key and per derive, next to
// the curve arithmetic itself. The provider's functions are the public provider interface
// (provider-keymgmt(7), provider-keyexch(7)), found through the public
// OSSL_PROVIDER_query_operation for the very provider that EVP_KEYMGMT_fetch chose, and they are
// what EVP itself calls; no check is skipped (the provider rejects the same keys, and the all-zero
// check of RFC 8446 §7.4.2 is ours either way).

#include "native/crypto/provider.hpp"

#include <openssl/types.h>

#include <memory>

namespace sanstls::native::crypto {

/// RFC 8446 §7.4.2: "For X25519 and X448, implementations MUST check whether the computed
/// Diffie-Hellman shared secret is the all-zero value and abort if so": illegal_parameter.
/// Constant time in the secret's value.
Status check_x25519_shared_secret(Bytes secret);

/// The X25519 functions of one library context's provider. Immutable after fetch() and safe to
/// use from several threads (each key and each exchange has its own provider objects).
class X25519Dispatch {
 public:
  /// The functions of the provider that serves X25519 key management in `libctx`, or nullptr
  /// when there is none, when key exchange comes from another provider, or when the provider
  /// lacks one of the functions: callers then use EVP.
  static std::unique_ptr<X25519Dispatch> fetch(OSSL_LIB_CTX* libctx);

  ~X25519Dispatch();
  X25519Dispatch(const X25519Dispatch&) = delete;
  X25519Dispatch& operator=(const X25519Dispatch&) = delete;

  /// A key share from a 32-byte private key (illegal_parameter for another length). The share
  /// uses this object, which must outlive it (the LibcryptoProvider that owns it outlives its
  /// shares, as it does its library context).
  Result<std::unique_ptr<KeyShare>> key_share(Bytes private_key) const;

  struct Functions;

 private:
  X25519Dispatch(EVP_KEYMGMT* keymgmt, EVP_KEYEXCH* keyexch, std::unique_ptr<Functions> f);

  EVP_KEYMGMT* keymgmt_;  // owned: keeps the provider (and its functions) loaded
  EVP_KEYEXCH* keyexch_;  // owned
  std::unique_ptr<Functions> functions_;
};

}  // namespace sanstls::native::crypto

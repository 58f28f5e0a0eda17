// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/crypto/x25519_dispatch.hpp"

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace sanstls::native::crypto {

struct X25519Dispatch::Functions {
  void* provctx = nullptr;
  OSSL_FUNC_keymgmt_new_fn* new_key = nullptr;
  OSSL_FUNC_keymgmt_free_fn* free_key = nullptr;
  OSSL_FUNC_keymgmt_import_fn* import_key = nullptr;
  OSSL_FUNC_keymgmt_get_params_fn* get_params = nullptr;
  OSSL_FUNC_keyexch_newctx_fn* new_exchange = nullptr;
  OSSL_FUNC_keyexch_init_fn* init_exchange = nullptr;
  OSSL_FUNC_keyexch_set_peer_fn* set_peer = nullptr;
  OSSL_FUNC_keyexch_derive_fn* derive = nullptr;
  OSSL_FUNC_keyexch_freectx_fn* free_exchange = nullptr;
};

namespace {

using Functions = X25519Dispatch::Functions;
constexpr std::size_t key_length = 32;

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

/// Whether "X25519" is one of the colon-separated names of a provider's algorithm.
bool names_x25519(const char* names) {
  std::string_view rest(names == nullptr ? "" : names);
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    if (ascii_iequal(rest.substr(0, colon), "X25519")) return true;
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return false;
}

/// The dispatch table of the provider's one X25519 implementation of `operation`; nullptr when
/// it has none or several (then we could not tell which one EVP fetched). `use` copies the
/// function pointers out before the table is given back.
template <typename Use>
bool with_dispatch(const OSSL_PROVIDER* prov, int operation, Use use) {
  int no_store = 0;
  const OSSL_ALGORITHM* algs = OSSL_PROVIDER_query_operation(prov, operation, &no_store);
  const OSSL_DISPATCH* found = nullptr;
  int count = 0;
  for (const OSSL_ALGORITHM* a = algs; a != nullptr && a->algorithm_names != nullptr; ++a) {
    if (names_x25519(a->algorithm_names)) {
      found = a->implementation;
      ++count;
    }
  }
  const bool ok = count == 1 && found != nullptr && use(found);
  if (algs != nullptr) {
    OSSL_PROVIDER_unquery_operation(prov, operation, algs);
  }
  return ok;
}

/// A provider key object, freed by the provider.
class KeyData {
 public:
  KeyData(const Functions& f, void* key) : f_(&f), key_(key) {}
  KeyData(KeyData&& other) noexcept : f_(other.f_), key_(std::exchange(other.key_, nullptr)) {}
  KeyData& operator=(KeyData&&) = delete;
  KeyData(const KeyData&) = delete;
  KeyData& operator=(const KeyData&) = delete;
  ~KeyData() {
    // The default provider wipes the private key when it frees it (OPENSSL_secure_clear_free).
    if (key_ != nullptr) f_->free_key(key_);
  }
  [[nodiscard]] void* get() const { return key_; }

 private:
  const Functions* f_;
  void* key_;
};

/// A key object made from one octet-string parameter (the private or the public key).
std::optional<KeyData> import_key(const Functions& f, int selection, const char* param, Bytes key) {
  KeyData data(f, f.new_key(f.provctx));
  std::array<OSSL_PARAM, 2> params{
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): OSSL_PARAM is not const-correct
      OSSL_PARAM_construct_octet_string(param, const_cast<std::uint8_t*>(key.data()), key.size()),
      OSSL_PARAM_construct_end()};
  if (data.get() == nullptr || f.import_key(data.get(), selection, params.data()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return data;
}

/// A provider key-exchange context, freed by the provider.
struct ExchangeDeleter {
  const Functions* f;
  void operator()(void* ctx) const { f->free_exchange(ctx); }
};

class DispatchShare final : public KeyShare {
 public:
  DispatchShare(const Functions& f, KeyData key, std::array<std::uint8_t, key_length> pub)
      : f_(f), key_(std::move(key)), public_(pub) {}
  [[nodiscard]] NamedGroup group() const override { return NamedGroup::x25519; }
  [[nodiscard]] Bytes public_key() const override { return public_; }

  Result<SecretBytes> complete(Bytes peer_public) const override {
    // RFC 8446 §4.2.8.2: the X25519 key_exchange is the 32-byte public value of RFC 7748.
    if (peer_public.size() != key_length) {
      return wire::illegal_parameter("KeyShareEntry.key_exchange", "X25519 key is not 32 bytes");
    }
    auto peer =
        import_key(f_, OSSL_KEYMGMT_SELECT_PUBLIC_KEY, OSSL_PKEY_PARAM_PUB_KEY, peer_public);
    if (!peer) {
      return wire::illegal_parameter("KeyShareEntry.key_exchange", "invalid X25519 key");
    }
    const std::unique_ptr<void, ExchangeDeleter> ctx(f_.new_exchange(f_.provctx),
                                                     ExchangeDeleter{&f_});
    if (!ctx || f_.init_exchange(ctx.get(), key_.get(), nullptr) != 1 ||
        f_.set_peer(ctx.get(), peer->get()) != 1) {
      ERR_clear_error();
      return wire::fail(Alert::internal_error, "key_share", "X25519 key agreement setup failed");
    }
    SecretBytes secret(key_length);
    std::size_t len = 0;
    // The default provider's derive also fails on an all-zero result: the peer's fault.
    if (f_.derive(ctx.get(), secret.data(), &len, secret.size()) != 1 || len != key_length) {
      ERR_clear_error();
      return wire::illegal_parameter("KeyShareEntry.key_exchange", "key agreement failed");
    }
    WIRE_CHECK(check_x25519_shared_secret(secret.span()));
    return secret;
  }

 private:
  const Functions& f_;
  KeyData key_;
  std::array<std::uint8_t, key_length> public_;
};

}  // namespace

Status check_x25519_shared_secret(Bytes secret) {
  std::uint8_t acc = 0;
  for (const auto v : secret) {
    acc = static_cast<std::uint8_t>(acc | v);
  }
  // RFC 8446 §7.4.2: "For X25519 and X448, implementations MUST check whether the computed
  // Diffie-Hellman shared secret is the all-zero value and abort if so".
  if (acc == 0) {
    return wire::illegal_parameter("KeyShareEntry.key_exchange", "all-zero X25519 secret");
  }
  return {};
}

X25519Dispatch::X25519Dispatch(EVP_KEYMGMT* keymgmt, EVP_KEYEXCH* keyexch,
                               std::unique_ptr<Functions> f)
    : keymgmt_(keymgmt), keyexch_(keyexch), functions_(std::move(f)) {}

X25519Dispatch::~X25519Dispatch() {
  EVP_KEYEXCH_free(keyexch_);
  EVP_KEYMGMT_free(keymgmt_);
}

std::unique_ptr<X25519Dispatch> X25519Dispatch::fetch(OSSL_LIB_CTX* libctx) {
  EVP_KEYMGMT* keymgmt = EVP_KEYMGMT_fetch(libctx, "X25519", nullptr);
  EVP_KEYEXCH* keyexch = EVP_KEYEXCH_fetch(libctx, "X25519", nullptr);
  const OSSL_PROVIDER* prov = keymgmt == nullptr ? nullptr : EVP_KEYMGMT_get0_provider(keymgmt);
  auto f = std::make_unique<Functions>();
  // Key objects of one provider go only to the same provider's key exchange.
  bool ok = prov != nullptr && keyexch != nullptr && EVP_KEYEXCH_get0_provider(keyexch) == prov;
  ok = ok && with_dispatch(prov, OSSL_OP_KEYMGMT, [&](const OSSL_DISPATCH* d) {
         for (; d->function_id != 0; ++d) {
           switch (d->function_id) {
             case OSSL_FUNC_KEYMGMT_NEW:
               f->new_key = OSSL_FUNC_keymgmt_new(d);
               break;
             case OSSL_FUNC_KEYMGMT_FREE:
               f->free_key = OSSL_FUNC_keymgmt_free(d);
               break;
             case OSSL_FUNC_KEYMGMT_IMPORT:
               f->import_key = OSSL_FUNC_keymgmt_import(d);
               break;
             case OSSL_FUNC_KEYMGMT_GET_PARAMS:
               f->get_params = OSSL_FUNC_keymgmt_get_params(d);
               break;
             default:
               break;
           }
         }
         return true;
       });
  ok = ok && with_dispatch(prov, OSSL_OP_KEYEXCH, [&](const OSSL_DISPATCH* d) {
         for (; d->function_id != 0; ++d) {
           switch (d->function_id) {
             case OSSL_FUNC_KEYEXCH_NEWCTX:
               f->new_exchange = OSSL_FUNC_keyexch_newctx(d);
               break;
             case OSSL_FUNC_KEYEXCH_INIT:
               f->init_exchange = OSSL_FUNC_keyexch_init(d);
               break;
             case OSSL_FUNC_KEYEXCH_SET_PEER:
               f->set_peer = OSSL_FUNC_keyexch_set_peer(d);
               break;
             case OSSL_FUNC_KEYEXCH_DERIVE:
               f->derive = OSSL_FUNC_keyexch_derive(d);
               break;
             case OSSL_FUNC_KEYEXCH_FREECTX:
               f->free_exchange = OSSL_FUNC_keyexch_freectx(d);
               break;
             default:
               break;
           }
         }
         return true;
       });
  ok = ok && f->new_key != nullptr && f->free_key != nullptr && f->import_key != nullptr &&
       f->get_params != nullptr && f->new_exchange != nullptr && f->init_exchange != nullptr &&
       f->set_peer != nullptr && f->derive != nullptr && f->free_exchange != nullptr;
  if (!ok) {
    ERR_clear_error();
    EVP_KEYEXCH_free(keyexch);
    EVP_KEYMGMT_free(keymgmt);
    return nullptr;
  }
  f->provctx = OSSL_PROVIDER_get0_provider_ctx(prov);
  return std::unique_ptr<X25519Dispatch>(new X25519Dispatch(keymgmt, keyexch, std::move(f)));
}

Result<std::unique_ptr<KeyShare>> X25519Dispatch::key_share(Bytes private_key) const {
  if (private_key.size() != key_length) {
    return wire::illegal_parameter("x25519.private_key", "not 32 bytes");
  }
  const Functions& f = *functions_;
  // Importing the private key alone makes the provider compute the public key (RFC 7748 §6.1:
  // X25519(a, 9)).
  auto key = import_key(f, OSSL_KEYMGMT_SELECT_PRIVATE_KEY, OSSL_PKEY_PARAM_PRIV_KEY, private_key);
  std::array<std::uint8_t, key_length> pub{};
  std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()),
      OSSL_PARAM_construct_end()};
  if (!key || f.get_params(key->get(), params.data()) != 1 || params[0].return_size != key_length) {
    ERR_clear_error();
    return wire::fail(Alert::internal_error, "key_share", "X25519 key generation failed");
  }
  return std::make_unique<DispatchShare>(f, std::move(*key), pub);
}

}  // namespace sanstls::native::crypto

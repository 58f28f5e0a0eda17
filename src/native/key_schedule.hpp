// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.3 key schedule (RFC 8446 §7): HKDF-Expand-Label, Derive-Secret, the early, handshake
// and master secrets, every traffic secret, keys and IVs, Finished keys, KeyUpdate, resumption
// and exporters. Every secret lives in a SecretBytes, wiped when it is dropped.

#include "base/secret_bytes.hpp"
#include "native/crypto/provider.hpp"
#include "native/types.hpp"

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace sanstls::native {

using base::SecretBytes;

/// What a TLS 1.3 cipher suite means for the key schedule and the record layer.
struct SuiteParams {
  crypto::HashAlgorithm hash;
  crypto::AeadAlgorithm aead;
};
/// The parameters of a TLS 1.3 suite, or nothing for a suite we do not implement.
std::optional<SuiteParams> suite_params(CipherSuite suite);

/// A record-protection key and IV (RFC 8446 §7.3).
struct TrafficKeys {
  SecretBytes key;
  SecretBytes iv;
};

/// The stateless part: HKDF-Expand-Label and friends for one hash.
class KeyDerivation {
 public:
  KeyDerivation(const crypto::CryptoProvider& provider, crypto::HashAlgorithm hash)
      : provider_(&provider), hash_(hash) {}

  [[nodiscard]] crypto::HashAlgorithm hash() const noexcept { return hash_; }
  [[nodiscard]] std::size_t hash_length() const noexcept { return crypto::hash_length(hash_); }
  [[nodiscard]] const crypto::CryptoProvider& provider() const noexcept { return *provider_; }

  /// The HkdfLabel structure (RFC 8446 §7.1) used as HKDF info: length, "tls13 " + label,
  /// context.
  static Result<std::vector<std::uint8_t>> hkdf_label(std::string_view label, Bytes context,
                                                      std::size_t length);
  /// HKDF-Expand-Label(Secret, Label, Context, Length).
  Result<SecretBytes> expand_label(Bytes secret, std::string_view label, Bytes context,
                                   std::size_t length) const;
  /// The same with the secret already made an HMAC key (for a secret expanded several times).
  Result<SecretBytes> expand_label(crypto::HmacKey& secret, std::string_view label, Bytes context,
                                   std::size_t length) const;
  /// Derive-Secret(Secret, Label, Messages) with the transcript hash already computed.
  Result<SecretBytes> derive_secret(Bytes secret, std::string_view label,
                                    Bytes transcript_hash) const;
  Result<SecretBytes> derive_secret(crypto::HmacKey& secret, std::string_view label,
                                    Bytes transcript_hash) const;
  /// Derive-Secret(Secret, Label, "") — the hash of the empty string is used as context.
  Result<SecretBytes> derive_secret_empty(Bytes secret, std::string_view label) const;
  Result<SecretBytes> derive_secret_empty(crypto::HmacKey& secret, std::string_view label) const;
  /// Hash("") for this hash (a constant: Derive-Secret(.., "") and "derived" use it).
  [[nodiscard]] Bytes empty_hash() const noexcept;
  /// Hash.length zero bytes (RFC 8446 §7.1: the IKM or PSK "0" of the key schedule; a
  /// constant, not a secret).
  [[nodiscard]] Bytes zeros() const noexcept;
  Result<SecretBytes> extract(Bytes salt, Bytes ikm) const;

  /// RFC 8446 §7.3: [sender]_write_key and [sender]_write_iv from a traffic secret. With
  /// `finished_key`, a handshake traffic secret's finished_key (RFC 8446 §4.4.4) too, from the
  /// same HMAC key (the secret's padded blocks are hashed once for the three expansions).
  Result<TrafficKeys> traffic_keys(Bytes traffic_secret, crypto::AeadAlgorithm aead,
                                   SecretBytes* finished_key = nullptr) const;
  /// RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length).
  Result<SecretBytes> finished_key(Bytes base_key) const;
  /// verify_data = HMAC(finished_key, Transcript-Hash(...)).
  Result<SecretBytes> finished_verify_data(Bytes base_key, Bytes transcript_hash) const;
  /// The same from the finished_key itself.
  Result<SecretBytes> verify_data(Bytes finished_key, Bytes transcript_hash) const;
  /// RFC 8446 §7.2: application_traffic_secret_N+1.
  Result<SecretBytes> next_traffic_secret(Bytes traffic_secret) const;
  /// RFC 8446 §4.6.1: the PSK for a ticket.
  Result<SecretBytes> resumption_psk(Bytes resumption_master_secret, Bytes ticket_nonce) const;
  /// RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length).
  Result<SecretBytes> exporter(Bytes exporter_master_secret, std::string_view label,
                               Bytes context_value, std::size_t length) const;

 private:
  const crypto::CryptoProvider* provider_;
  crypto::HashAlgorithm hash_;
};

/// The secrets of one connection's key schedule, in the order RFC 8446 §7.1 derives them. Each
/// stage can be entered only once and only after the previous one.
class KeySchedule {
 public:
  KeySchedule(const crypto::CryptoProvider& provider, crypto::HashAlgorithm hash)
      : kd_(provider, hash) {}

  [[nodiscard]] const KeyDerivation& derivation() const noexcept { return kd_; }

  /// Early Secret = HKDF-Extract(0, PSK); without a PSK, PSK is HashLen zeros.
  Status derive_early_secret(Bytes psk);
  /// binder_key for a resumption ("res binder") or external ("ext binder") PSK.
  Result<SecretBytes> binder_key(bool external) const;
  Result<SecretBytes> client_early_traffic_secret(Bytes client_hello_hash) const;
  Result<SecretBytes> early_exporter_master_secret(Bytes client_hello_hash) const;

  /// Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE); an empty
  /// `shared_secret` (psk_ke mode) stands for HashLen zeros.
  Status derive_handshake_secret(Bytes shared_secret);
  Result<SecretBytes> client_handshake_traffic_secret(Bytes hello_hash) const;
  Result<SecretBytes> server_handshake_traffic_secret(Bytes hello_hash) const;

  /// Master Secret = HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0).
  Status derive_master_secret();
  Result<SecretBytes> client_application_traffic_secret(Bytes server_finished_hash) const;
  Result<SecretBytes> server_application_traffic_secret(Bytes server_finished_hash) const;
  Result<SecretBytes> exporter_master_secret(Bytes server_finished_hash) const;
  Result<SecretBytes> resumption_master_secret(Bytes client_finished_hash) const;

  [[nodiscard]] const SecretBytes& early_secret() const noexcept { return early_; }
  [[nodiscard]] const SecretBytes& handshake_secret() const noexcept { return handshake_; }
  [[nodiscard]] const SecretBytes& master_secret() const noexcept { return master_; }

 private:
  enum class Stage : std::uint8_t { start, early, handshake, master };
  Status require(Stage stage) const;
  /// Enters `stage`, whose secret is `secret`: makes it the HMAC key the stage's derivations use.
  Status enter(Stage stage, const SecretBytes& secret);

  KeyDerivation kd_;
  Stage stage_ = Stage::start;
  SecretBytes early_;
  SecretBytes handshake_;
  SecretBytes master_;
  // The current stage's secret as an HMAC key: each stage derives two to four secrets from it,
  // and the key's padded blocks are hashed once instead of once per derivation. Only one stage is
  // live at a time; entering the next drops it.
  std::unique_ptr<crypto::HmacKey> stage_key_;
};

}  // namespace sanstls::native

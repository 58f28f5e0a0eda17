// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/key_schedule.hpp"

#include "wire/writer.hpp"

#include <string>

namespace sanstls::native {

std::optional<SuiteParams> suite_params(CipherSuite suite) {
  switch (suite) {
    case CipherSuite::tls_aes_128_gcm_sha256:
      return SuiteParams{crypto::HashAlgorithm::sha256, crypto::AeadAlgorithm::aes_128_gcm};
    case CipherSuite::tls_aes_256_gcm_sha384:
      return SuiteParams{crypto::HashAlgorithm::sha384, crypto::AeadAlgorithm::aes_256_gcm};
    case CipherSuite::tls_chacha20_poly1305_sha256:
      return SuiteParams{crypto::HashAlgorithm::sha256, crypto::AeadAlgorithm::chacha20_poly1305};
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256:
    case CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384:
    case CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256:
    case CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384:
    case CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256:
    case CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256:
      break;  // TLS 1.2 suites: key_schedule12.hpp
  }
  return std::nullopt;
}

Result<std::vector<std::uint8_t>> KeyDerivation::hkdf_label(std::string_view label, Bytes context,
                                                            std::size_t length) {
  // struct { uint16 length = Length; opaque label<7..255> = "tls13 " + Label;
  //          opaque context<0..255> = Context; } HkdfLabel;
  constexpr std::string_view prefix = "tls13 ";
  if (length > 0xffff || prefix.size() + label.size() > 255 || context.size() > 255) {
    return wire::fail(Alert::internal_error, "HkdfLabel", "field out of range");
  }
  wire::Writer w;
  w.u16(static_cast<std::uint16_t>(length), "HkdfLabel.length");
  {
    auto l = w.prefix8("HkdfLabel.label");
    for (char c : prefix) {
      w.u8(static_cast<std::uint8_t>(c));
    }
    for (char c : label) {
      w.u8(static_cast<std::uint8_t>(c));
    }
  }
  w.vec8(context, "HkdfLabel.context");
  return std::move(w).finish();
}

Result<SecretBytes> KeyDerivation::expand_label(Bytes secret, std::string_view label, Bytes context,
                                                std::size_t length) const {
  WIRE_TRY(auto info, hkdf_label(label, context, length));
  return provider_->hkdf_expand(hash_, secret, info, length);
}

Result<SecretBytes> KeyDerivation::derive_secret(Bytes secret, std::string_view label,
                                                 Bytes transcript_hash) const {
  return expand_label(secret, label, transcript_hash, hash_length());
}

Result<SecretBytes> KeyDerivation::derive_secret_empty(Bytes secret, std::string_view label) const {
  const auto empty_hash = provider_->digest(hash_, {});
  return derive_secret(secret, label, empty_hash);
}

Result<SecretBytes> KeyDerivation::extract(Bytes salt, Bytes ikm) const {
  return provider_->hkdf_extract(hash_, salt, ikm);
}

Result<TrafficKeys> KeyDerivation::traffic_keys(Bytes traffic_secret,
                                                crypto::AeadAlgorithm aead) const {
  WIRE_TRY(auto key, expand_label(traffic_secret, "key", {}, crypto::aead_key_length(aead)));
  WIRE_TRY(auto iv, expand_label(traffic_secret, "iv", {}, crypto::aead_nonce_length));
  return TrafficKeys{std::move(key), std::move(iv)};
}

Result<SecretBytes> KeyDerivation::finished_key(Bytes base_key) const {
  return expand_label(base_key, "finished", {}, hash_length());
}

Result<SecretBytes> KeyDerivation::finished_verify_data(Bytes base_key,
                                                        Bytes transcript_hash) const {
  WIRE_TRY(auto key, finished_key(base_key));
  return provider_->hmac(hash_, key.span(), transcript_hash);
}

Result<SecretBytes> KeyDerivation::next_traffic_secret(Bytes traffic_secret) const {
  return expand_label(traffic_secret, "traffic upd", {}, hash_length());
}

Result<SecretBytes> KeyDerivation::resumption_psk(Bytes resumption_master_secret,
                                                  Bytes ticket_nonce) const {
  return expand_label(resumption_master_secret, "resumption", ticket_nonce, hash_length());
}

Result<SecretBytes> KeyDerivation::exporter(Bytes exporter_master_secret, std::string_view label,
                                            Bytes context_value, std::size_t length) const {
  // TLS-Exporter(label, context_value, key_length) =
  //     HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), len)
  WIRE_TRY(auto secret, derive_secret_empty(exporter_master_secret, label));
  const auto context_hash = provider_->digest(hash_, context_value);
  return expand_label(secret.span(), "exporter", context_hash, length);
}

Status KeySchedule::require(Stage stage) const {
  if (stage_ != stage) {
    return wire::fail(Alert::internal_error, "KeySchedule", "secret used at the wrong stage");
  }
  return {};
}

Status KeySchedule::derive_early_secret(Bytes psk) {
  WIRE_CHECK(require(Stage::start));
  const SecretBytes zeros(kd_.hash_length());
  WIRE_TRY(early_, kd_.extract({}, psk.empty() ? zeros.span() : psk));
  stage_ = Stage::early;
  return {};
}

Result<SecretBytes> KeySchedule::binder_key(bool external) const {
  WIRE_CHECK(require(Stage::early));
  return kd_.derive_secret_empty(early_.span(), external ? "ext binder" : "res binder");
}

Result<SecretBytes> KeySchedule::client_early_traffic_secret(Bytes client_hello_hash) const {
  WIRE_CHECK(require(Stage::early));
  return kd_.derive_secret(early_.span(), "c e traffic", client_hello_hash);
}

Result<SecretBytes> KeySchedule::early_exporter_master_secret(Bytes client_hello_hash) const {
  WIRE_CHECK(require(Stage::early));
  return kd_.derive_secret(early_.span(), "e exp master", client_hello_hash);
}

Status KeySchedule::derive_handshake_secret(Bytes shared_secret) {
  WIRE_CHECK(require(Stage::early));
  WIRE_TRY(auto salt, kd_.derive_secret_empty(early_.span(), "derived"));
  const SecretBytes zeros(kd_.hash_length());
  WIRE_TRY(handshake_,
           kd_.extract(salt.span(), shared_secret.empty() ? zeros.span() : shared_secret));
  early_.wipe();
  stage_ = Stage::handshake;
  return {};
}

Result<SecretBytes> KeySchedule::client_handshake_traffic_secret(Bytes hello_hash) const {
  WIRE_CHECK(require(Stage::handshake));
  return kd_.derive_secret(handshake_.span(), "c hs traffic", hello_hash);
}

Result<SecretBytes> KeySchedule::server_handshake_traffic_secret(Bytes hello_hash) const {
  WIRE_CHECK(require(Stage::handshake));
  return kd_.derive_secret(handshake_.span(), "s hs traffic", hello_hash);
}

Status KeySchedule::derive_master_secret() {
  WIRE_CHECK(require(Stage::handshake));
  WIRE_TRY(auto salt, kd_.derive_secret_empty(handshake_.span(), "derived"));
  const SecretBytes zeros(kd_.hash_length());
  WIRE_TRY(master_, kd_.extract(salt.span(), zeros.span()));
  handshake_.wipe();
  stage_ = Stage::master;
  return {};
}

Result<SecretBytes> KeySchedule::client_application_traffic_secret(Bytes hash) const {
  WIRE_CHECK(require(Stage::master));
  return kd_.derive_secret(master_.span(), "c ap traffic", hash);
}

Result<SecretBytes> KeySchedule::server_application_traffic_secret(Bytes hash) const {
  WIRE_CHECK(require(Stage::master));
  return kd_.derive_secret(master_.span(), "s ap traffic", hash);
}

Result<SecretBytes> KeySchedule::exporter_master_secret(Bytes hash) const {
  WIRE_CHECK(require(Stage::master));
  return kd_.derive_secret(master_.span(), "exp master", hash);
}

Result<SecretBytes> KeySchedule::resumption_master_secret(Bytes hash) const {
  WIRE_CHECK(require(Stage::master));
  return kd_.derive_secret(master_.span(), "res master", hash);
}

}  // namespace sanstls::native

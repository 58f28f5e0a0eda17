// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/key_schedule.hpp"

#include <algorithm>
#include <array>
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

namespace {

/// The largest HkdfLabel: uint16 length, label<7..255>, context<0..255>.
constexpr std::size_t max_hkdf_label = 2 + 1 + 255 + 1 + 255;

/// Writes HkdfLabel (RFC 8446 §7.1) into `out`; returns its size. Every field is bounded first,
/// so the fixed buffer always fits: expand_label runs ~25 times per handshake side and this saves
/// a Writer's growing heap buffer each time (the bytes are HKDF input, never parsed).
Result<std::size_t> write_hkdf_label(std::string_view label, Bytes context, std::size_t length,
                                     std::array<std::uint8_t, max_hkdf_label>& out) {
  // struct { uint16 length = Length; opaque label<7..255> = "tls13 " + Label;
  //          opaque context<0..255> = Context; } HkdfLabel;
  constexpr std::string_view prefix = "tls13 ";
  if (length > 0xffff || prefix.size() + label.size() > 255 || context.size() > 255) {
    return wire::fail(Alert::internal_error, "HkdfLabel", "field out of range");
  }
  std::size_t at = 0;
  out[at++] = static_cast<std::uint8_t>(length >> 8);
  out[at++] = static_cast<std::uint8_t>(length & 0xff);
  out[at++] = static_cast<std::uint8_t>(prefix.size() + label.size());
  at = static_cast<std::size_t>(std::copy(prefix.begin(), prefix.end(), out.begin() + at) -
                                out.begin());
  at = static_cast<std::size_t>(std::copy(label.begin(), label.end(), out.begin() + at) -
                                out.begin());
  out[at++] = static_cast<std::uint8_t>(context.size());
  at = static_cast<std::size_t>(std::copy(context.begin(), context.end(), out.begin() + at) -
                                out.begin());
  return at;
}

}  // namespace

Result<std::vector<std::uint8_t>> KeyDerivation::hkdf_label(std::string_view label, Bytes context,
                                                            std::size_t length) {
  std::array<std::uint8_t, max_hkdf_label> buffer{};
  WIRE_TRY(const std::size_t size, write_hkdf_label(label, context, length, buffer));
  return std::vector<std::uint8_t>(buffer.begin(),
                                   buffer.begin() + static_cast<std::ptrdiff_t>(size));
}

Result<SecretBytes> KeyDerivation::expand_label(Bytes secret, std::string_view label, Bytes context,
                                                std::size_t length) const {
  if (secret.empty()) {
    return wire::fail(Alert::internal_error, "HKDF-Expand-Label", "empty secret");
  }
  WIRE_TRY(auto key, provider_->hmac_key(hash_, secret));
  return expand_label(*key, label, context, length);
}

Result<SecretBytes> KeyDerivation::expand_label(crypto::HmacKey& secret, std::string_view label,
                                                Bytes context, std::size_t length) const {
  std::array<std::uint8_t, max_hkdf_label> info{};
  WIRE_TRY(const std::size_t size, write_hkdf_label(label, context, length, info));
  return secret.hkdf_expand(std::span(info).first(size), length);
}

Result<SecretBytes> KeyDerivation::derive_secret(Bytes secret, std::string_view label,
                                                 Bytes transcript_hash) const {
  return expand_label(secret, label, transcript_hash, hash_length());
}

Result<SecretBytes> KeyDerivation::derive_secret(crypto::HmacKey& secret, std::string_view label,
                                                 Bytes transcript_hash) const {
  return expand_label(secret, label, transcript_hash, hash_length());
}

Result<SecretBytes> KeyDerivation::derive_secret_empty(Bytes secret, std::string_view label) const {
  return derive_secret(secret, label, empty_hash());
}

Result<SecretBytes> KeyDerivation::derive_secret_empty(crypto::HmacKey& secret,
                                                       std::string_view label) const {
  return derive_secret(secret, label, empty_hash());
}

Bytes KeyDerivation::empty_hash() const noexcept {
  // SHA-256("") and SHA-384("") (FIPS 180-4); key_schedule_test checks them against the
  // provider.
  static constexpr std::array<std::uint8_t, 32> sha256_empty{
      0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
      0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
      0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  static constexpr std::array<std::uint8_t, 48> sha384_empty{
      0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e,
      0xb1, 0xb1, 0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43,
      0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf,
      0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b};
  if (hash_ == crypto::HashAlgorithm::sha256) {
    return sha256_empty;
  }
  return sha384_empty;
}

Bytes KeyDerivation::zeros() const noexcept {
  static constexpr std::array<std::uint8_t, 48> zeros{};  // the longest hash: SHA-384
  return std::span(zeros).first(hash_length());
}

Result<SecretBytes> KeyDerivation::extract(Bytes salt, Bytes ikm) const {
  return provider_->hkdf_extract(hash_, salt, ikm);
}

Result<TrafficKeys> KeyDerivation::traffic_keys(Bytes traffic_secret, crypto::AeadAlgorithm aead,
                                                SecretBytes* finished_key) const {
  WIRE_TRY(auto secret, provider_->hmac_key(hash_, traffic_secret));
  WIRE_TRY(auto key, expand_label(*secret, "key", {}, crypto::aead_key_length(aead)));
  WIRE_TRY(auto iv, expand_label(*secret, "iv", {}, crypto::aead_nonce_length));
  if (finished_key != nullptr) {
    WIRE_TRY(*finished_key, expand_label(*secret, "finished", {}, hash_length()));
  }
  return TrafficKeys{std::move(key), std::move(iv)};
}

Result<SecretBytes> KeyDerivation::finished_key(Bytes base_key) const {
  return expand_label(base_key, "finished", {}, hash_length());
}

Result<SecretBytes> KeyDerivation::finished_verify_data(Bytes base_key,
                                                        Bytes transcript_hash) const {
  WIRE_TRY(auto key, finished_key(base_key));
  return verify_data(key.span(), transcript_hash);
}

Result<SecretBytes> KeyDerivation::verify_data(Bytes finished_key, Bytes transcript_hash) const {
  return provider_->hmac(hash_, finished_key, transcript_hash);
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
  if (context_value.empty()) {
    return expand_label(secret.span(), "exporter", empty_hash(), length);
  }
  const crypto::Digest context_hash = provider_->digest(hash_, context_value);
  return expand_label(secret.span(), "exporter", context_hash, length);
}

Status KeySchedule::require(Stage stage) const {
  if (stage_ != stage) {
    return wire::fail(Alert::internal_error, "KeySchedule", "secret used at the wrong stage");
  }
  return {};
}

Status KeySchedule::enter(Stage stage, const SecretBytes& secret) {
  stage_key_.reset();
  WIRE_TRY(stage_key_, kd_.provider().hmac_key(kd_.hash(), secret.span()));
  stage_ = stage;
  return {};
}

Status KeySchedule::derive_early_secret(Bytes psk) {
  WIRE_CHECK(require(Stage::start));
  WIRE_TRY(early_, kd_.extract({}, psk.empty() ? kd_.zeros() : psk));
  return enter(Stage::early, early_);
}

Result<SecretBytes> KeySchedule::binder_key(bool external) const {
  WIRE_CHECK(require(Stage::early));
  return kd_.derive_secret_empty(*stage_key_, external ? "ext binder" : "res binder");
}

Result<SecretBytes> KeySchedule::client_early_traffic_secret(Bytes client_hello_hash) const {
  WIRE_CHECK(require(Stage::early));
  return kd_.derive_secret(*stage_key_, "c e traffic", client_hello_hash);
}

Result<SecretBytes> KeySchedule::early_exporter_master_secret(Bytes client_hello_hash) const {
  WIRE_CHECK(require(Stage::early));
  return kd_.derive_secret(*stage_key_, "e exp master", client_hello_hash);
}

Status KeySchedule::derive_handshake_secret(Bytes shared_secret) {
  WIRE_CHECK(require(Stage::early));
  WIRE_TRY(auto salt, kd_.derive_secret_empty(*stage_key_, "derived"));
  WIRE_TRY(handshake_,
           kd_.extract(salt.span(), shared_secret.empty() ? kd_.zeros() : shared_secret));
  early_.wipe();
  return enter(Stage::handshake, handshake_);
}

Result<SecretBytes> KeySchedule::client_handshake_traffic_secret(Bytes hello_hash) const {
  WIRE_CHECK(require(Stage::handshake));
  return kd_.derive_secret(*stage_key_, "c hs traffic", hello_hash);
}

Result<SecretBytes> KeySchedule::server_handshake_traffic_secret(Bytes hello_hash) const {
  WIRE_CHECK(require(Stage::handshake));
  return kd_.derive_secret(*stage_key_, "s hs traffic", hello_hash);
}

Status KeySchedule::derive_master_secret() {
  WIRE_CHECK(require(Stage::handshake));
  WIRE_TRY(auto salt, kd_.derive_secret_empty(*stage_key_, "derived"));
  WIRE_TRY(master_, kd_.extract(salt.span(), kd_.zeros()));
  handshake_.wipe();
  return enter(Stage::master, master_);
}

Result<SecretBytes> KeySchedule::client_application_traffic_secret(Bytes hash) const {
  WIRE_CHECK(require(Stage::master));
  return kd_.derive_secret(*stage_key_, "c ap traffic", hash);
}

Result<SecretBytes> KeySchedule::server_application_traffic_secret(Bytes hash) const {
  WIRE_CHECK(require(Stage::master));
  return kd_.derive_secret(*stage_key_, "s ap traffic", hash);
}

Result<SecretBytes> KeySchedule::exporter_master_secret(Bytes hash) const {
  WIRE_CHECK(require(Stage::master));
  return kd_.derive_secret(*stage_key_, "exp master", hash);
}

Result<SecretBytes> KeySchedule::resumption_master_secret(Bytes hash) const {
  WIRE_CHECK(require(Stage::master));
  return kd_.derive_secret(*stage_key_, "res master", hash);
}

}  // namespace sanstls::native

// SPDX-License-Identifier: Apache-2.0 OR MIT
// What both native engines share: error translation, credential conversion, key log lines.

#include "backends/native/engine.hpp"
#include "base/secret_bytes.hpp"
#include "core/credentials_impl.hpp"
#include "core/hello_inspection.hpp"
#include "core/refusals.hpp"

#include <fmt/format.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>

namespace sanstls::native_backend {
namespace {

/// The error code a protocol failure without a shared refusal gets, by the alert we send.
Errc code_for(Alert alert) {
  switch (alert) {
    case Alert::handshake_failure:
    case Alert::missing_extension:
    case Alert::unsupported_extension:
      return Errc::handshake_failure;
    case Alert::internal_error:
      return Errc::internal_error;
    case Alert::protocol_version:
      return Errc::forbidden_by_policy;
    case Alert::bad_certificate:
    case Alert::unsupported_certificate:
    case Alert::certificate_expired:
    case Alert::certificate_revoked:
    case Alert::certificate_unknown:
    case Alert::unknown_ca:
      return Errc::certificate_rejected;
    default:
      return Errc::bad_tls_data;
  }
}

}  // namespace

Error core_error(const wire::Error& error, bool server) {
  using wire::Refusal;
  switch (error.refusal) {
    case Refusal::no_shared_cipher_suite:
      return core::refusals::no_shared_cipher_suite();
    case Refusal::unoffered_cipher_suite:
      return core::refusals::unoffered_cipher_suite();
    case Refusal::no_shared_group:
      return core::refusals::no_shared_group();
    case Refusal::no_shared_signature_algorithm:
      return core::refusals::no_shared_signature_algorithm();
    case Refusal::server_chose_no_offered_protocol:
      return core::refusals::server_chose_no_offered_protocol();
    case Refusal::missing_client_certificate:
      return core::refusals::missing_client_certificate(/*tls13=*/true);
    case Refusal::missing_server_certificate:
      return core::refusals::missing_server_certificate();
    case Refusal::tls12_only_peer: {
      Error refused = make_error(
          Errc::unsupported,
          server ? "the client offered TLS 1.2 at most; the native engine speaks TLS 1.3 only "
                   "(use the openssl or gnutls engine for TLS 1.2 peers)"
                 : "the server chose TLS 1.2; the native engine speaks TLS 1.3 only (use the "
                   "openssl or gnutls engine for TLS 1.2 servers)");
      refused.alert_sent = error.alert;
      return refused;
    }
    case Refusal::missing_extended_master_secret:
      return core::refusals::no_extended_master_secret(/*peer_is_server=*/!server);
    case Refusal::missing_renegotiation_info:
      return core::refusals::no_secure_renegotiation(/*peer_is_server=*/!server);
    case Refusal::wrong_record_version:
      return core::refusals::wrong_record_version();
    case Refusal::renegotiation_attempt:
      return core::refusals::renegotiation_refused(/*peer_is_client=*/server, /*tls13=*/false);
    case Refusal::inappropriate_fallback: {
      // RFC 7507: what the OpenSSL and GnuTLS engines' libraries refuse alike.
      Error refused = make_error(Errc::bad_tls_data,
                                 "the client fell back to an older TLS version than both sides "
                                 "support (TLS_FALLBACK_SCSV): a network fault or an attack "
                                 "interrupted its first attempt");
      refused.alert_sent = error.alert;
      return refused;
    }
    // The engines fill in these three with what only they know (names, versions, verdict).
    case Refusal::no_shared_application_protocol:
    case Refusal::no_certificate_for_name:
    case Refusal::forbidden_versions:
    case Refusal::peer_chain_refused:
    case Refusal::none:
      break;
  }
  Error failed = make_error(
      code_for(error.alert),
      fmt::format("the {} sent invalid TLS: {}: {} ({} alert sent)", server ? "client" : "server",
                  error.field, error.reason, alert_name(error.alert)));
  failed.alert_sent = error.alert;
  return failed;
}

void FirstRecord::feed(std::span<const std::byte> bytes) {
  constexpr std::size_t kHeader = native::record_header_length;
  // Copied in at most two pieces (the header, then the rest of the record), not byte by byte:
  // a 16 KiB first record was a measurable part of a hostile hello's cost (issue 12).
  if (!complete_ && bytes_.empty() && bytes.size() >= kHeader) {
    // The record's length is in this piece: room for all of it at once.
    const std::size_t length =
        (std::to_integer<std::size_t>(bytes[3]) << 8U) | std::to_integer<std::size_t>(bytes[4]);
    bytes_.reserve(kHeader + (length > native::max_ciphertext_length ? 0 : length));
  }
  while (!complete_ && !bytes.empty()) {
    std::size_t end = kHeader;
    if (bytes_.size() >= kHeader) {
      end = kHeader + ((std::size_t{bytes_[3]} << 8U) | bytes_[4]);
    }
    const std::size_t take = std::min(end - bytes_.size(), bytes.size());
    const std::size_t old_size = bytes_.size();
    bytes_.resize(old_size + take);
    std::memcpy(std::span(bytes_).subspan(old_size).data(), bytes.data(), take);
    bytes = bytes.subspan(take);
    if (bytes_.size() >= kHeader) {
      const std::size_t length = (std::size_t{bytes_[3]} << 8U) | bytes_[4];
      if (length > native::max_ciphertext_length || bytes_.size() == kHeader + length) {
        complete_ = true;
      }
    }
  }
}

std::optional<std::span<const std::uint8_t>> FirstRecord::handshake_message() const {
  constexpr std::size_t kHeader = native::record_header_length;
  if (!complete_ || bytes_.size() <= kHeader ||
      bytes_[0] != static_cast<std::uint8_t>(native::ContentType::handshake)) {
    return std::nullopt;
  }
  return std::span<const std::uint8_t>{bytes_}.subspan(kHeader);
}

Error forbidden_versions(const FirstRecord& first, bool peer_is_server, bool tls13_only) {
  std::vector<std::uint16_t> versions;
  if (auto message = first.handshake_message()) {
    if (peer_is_server) {
      if (auto hello = core::summarize_server_hello(*message)) versions.push_back(hello->version);
    } else if (message->size() > 4) {
      const std::size_t length =
          (std::size_t{(*message)[1]} << 16U) | (std::size_t{(*message)[2]} << 8U) | (*message)[3];
      const std::size_t available = std::min(length, message->size() - 4);
      if (auto hello = native::msgs::ClientHello::parse(message->subspan(4, available))) {
        if (const auto* offered = hello->extensions.get<native::msgs::SupportedVersionsList>(
                native::ExtensionType::supported_versions)) {
          versions = offered->versions;
        } else {
          // RFC 8446 §4.2.1: without supported_versions, legacy_version is the highest version
          // the client supports; it then speaks every version from TLS 1.0 up to it.
          for (std::uint16_t v = 0x0301; v <= hello->legacy_version && v <= 0x0303; ++v) {
            versions.push_back(v);
          }
          if (versions.empty()) versions.push_back(hello->legacy_version);
        }
      }
    }
  }
  if (versions.empty()) {
    Error error = make_error(Errc::forbidden_by_policy,
                             fmt::format("the {} offered only versions older than TLS 1.2; "
                                         "sanstls requires TLS 1.2 or newer",
                                         peer_is_server ? "server" : "client"));
    error.alert_sent = Alert::protocol_version;
    return error;
  }
  return core::forbidden_versions_error(versions, peer_is_server, tls13_only);
}

std::span<const std::uint8_t> as_u8(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

void append(core::Bytes& to, const ByteVec& from) {
  const auto* first = reinterpret_cast<const std::byte*>(from.data());
  to.insert(to.end(), first, first + from.size());
}

native::Status verify_peer_chain(core::EngineHooks& hooks, const core::PeerCertificateCache& cache,
                                 std::span<const ByteVec> chain, const SessionInfo& info,
                                 std::optional<Error>& verdict) {
  std::vector<Certificate> certificates;
  certificates.reserve(chain.size());
  for (std::size_t i = 0; i < chain.size() && !verdict; ++i) {
    auto parsed = cache.get(std::as_bytes(std::span(chain[i])));
    if (parsed) {
      certificates.push_back(std::move(*parsed));
    } else {
      verdict = core::refusals::malformed_peer_certificate(i + 1, parsed.error().message);
    }
  }
  if (!verdict) {
    auto checked = hooks.verify_peer(certificates, info);
    if (checked) return {};
    verdict = std::move(checked.error());
  }
  // The core says which alert goes with its verdict; bad_certificate if it did not.
  const Alert alert = verdict->alert_sent.value_or(Alert::bad_certificate);
  verdict->alert_sent = alert;
  return wire::refuse(alert, wire::Refusal::peer_chain_refused, "Certificate",
                      "refused by the certificate verifier");
}

Result<std::shared_ptr<const native::crypto::SigningKey>> signing_key(
    const native::crypto::CryptoProvider& provider, const PrivateKey& key) {
  // PKCS#8 DER is the provider's input format; the copy is wiped when it goes out of scope.
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, ossl::Deleter<PKCS8_PRIV_KEY_INFO_free>> info{
      EVP_PKEY2PKCS8(key.impl().pkey.get())};
  if (!info) {
    return fail(Errc::internal_error, "libcrypto could not encode the private key as PKCS#8");
  }
  const int length = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
  if (length <= 0) {
    return fail(Errc::internal_error, "libcrypto could not encode the private key as PKCS#8");
  }
  base::SecretBytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(info.get(), &cursor) != length) {
    return fail(Errc::internal_error, "libcrypto could not encode the private key as PKCS#8");
  }
  auto loaded = provider.load_signing_key(native::Bytes{der.data(), der.size()});
  if (!loaded) {
    return fail(Errc::bad_configuration,
                fmt::format("the native engine cannot sign with this {}-bit key: {}",
                            key.key_bits(), loaded.error().to_string()));
  }
  return std::shared_ptr<const native::crypto::SigningKey>(std::move(*loaded));
}

Result<std::shared_ptr<const native::crypto::SigningKey>> SigningKeyCache::get(
    const native::crypto::CryptoProvider& provider, const PrivateKey& key) const {
  {
    std::lock_guard lock(mutex_);
    for (const auto& [known, signing] : entries_) {
      if (&known.impl() == &key.impl()) return signing;
    }
  }
  auto converted = signing_key(provider, key);
  if (!converted) return converted;
  std::lock_guard lock(mutex_);
  if (entries_.size() == max_entries) entries_.erase(entries_.begin());
  entries_.emplace_back(key, *converted);
  return converted;
}

std::vector<ByteVec> chain_der(const CertificateChain& chain) {
  std::vector<ByteVec> der;
  der.reserve(chain.certificates().size());
  for (const Certificate& certificate : chain.certificates()) {
    const auto bytes = certificate.der();
    const auto* first = reinterpret_cast<const std::uint8_t*>(bytes.data());
    der.emplace_back(first, first + bytes.size());
  }
  return der;
}

base::SecretString key_log_line(std::string_view label, native::Bytes client_random,
                                native::Bytes secret) {
  // The line carries a traffic secret: wiping storage, sized once, hex written in place.
  constexpr std::string_view hex = "0123456789abcdef";
  base::SecretString line;
  line.reserve(label.size() + 2 + 2 * (client_random.size() + secret.size()));
  line.append(label);
  const auto append_hex = [&](native::Bytes bytes) {
    line.push_back(' ');
    for (std::uint8_t b : bytes) {
      line.push_back(hex[b >> 4U]);
      line.push_back(hex[b & 0x0fU]);
    }
  };
  append_hex(client_random);
  append_hex(secret);
  return line;
}

std::optional<native::handshake::TicketSealingKey> native_ticket_key(const core::TicketKey& key) {
  auto derived = key.derive(native_ticket_key_label, native::handshake::ticket_key_length);
  if (!derived) return std::nullopt;
  native::handshake::TicketSealingKey out;
  out.name = key.name;
  out.key = std::move(*derived);
  return out;
}

}  // namespace sanstls::native_backend

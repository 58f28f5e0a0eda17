// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "backends/gnutls/hello.hpp"

#include "core/hello_inspection.hpp"
#include "wire/reader.hpp"

#include <algorithm>

namespace sanstls::gnutls_backend {
namespace {

constexpr std::uint8_t kHandshakeRecord = 22;
constexpr std::uint8_t kClientHello = 1;
constexpr std::uint8_t kServerHello = 2;
// RFC 8446 §5.1: a TLSPlaintext fragment is at most 2^14 bytes; a hello larger than kMaxHello
// is not worth reading ahead (GnuTLS then judges it alone).
constexpr std::size_t kMaxRecord = std::size_t{1} << 14;
constexpr std::size_t kMaxHello = std::size_t{1} << 16;
constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint16_t kExtSignatureAlgorithms = 13;
constexpr std::uint16_t kExtExtendedMasterSecret = 23;
constexpr std::uint16_t kExtSupportedVersions = 43;
constexpr std::uint16_t kExtKeyShare = 51;
constexpr std::uint16_t kExtSessionTicket = 35;
constexpr std::uint16_t kExtPreSharedKey = 41;
constexpr std::uint16_t kExtEarlyData = 42;
constexpr std::uint16_t kExtPskKeyExchangeModes = 45;
constexpr std::uint8_t kPskDheKe = 1;

bool is_grease(std::uint16_t value) {
  // RFC 8701 §2: GREASE values are 0x?A?A with both bytes equal.
  return (value & 0x0f0fU) == 0x0a0aU && (value >> 8) == (value & 0xffU);
}

}  // namespace

std::optional<HelloSummary> parse_client_hello(std::span<const std::uint8_t> message) {
  wire::Reader reader{message};
  auto type = reader.u8("HandshakeType");
  auto body = reader.child24("ClientHello");
  if (!type || *type != kClientHello || !body || !reader.empty()) return std::nullopt;
  auto legacy_version = body->u16("legacy_version");
  auto random = body->bytes(32, "random");
  auto session_id = body->vec8("legacy_session_id", {.min = 0, .max = 32});
  auto suites = body->child16("cipher_suites", {.min = 2, .max = 0xfffe});
  auto compression = body->vec8("legacy_compression_methods", {.min = 1, .max = 0xff});
  if (!legacy_version || !random || !session_id || !suites || !compression) return std::nullopt;

  HelloSummary out;
  while (!suites->empty()) {
    auto suite = suites->u16("CipherSuite");
    if (!suite) return std::nullopt;
    if (!is_grease(*suite)) out.cipher_suites.push_back(*suite);
  }
  std::optional<std::vector<std::uint16_t>> supported_versions;
  // RFC 5246 §7.4.1.2: the extensions block may be absent altogether.
  if (!body->empty()) {
    auto extensions = body->child16("extensions");
    if (!extensions || !body->empty()) return std::nullopt;
    while (!extensions->empty()) {
      auto ext_type = extensions->u16("extension_type");
      auto ext_body = extensions->vec16("extension_data");
      if (!ext_type || !ext_body) return std::nullopt;
      if (*ext_type == kExtSupportedVersions) {
        auto versions = core::parse_client_supported_versions(*ext_body);
        if (!versions) return std::nullopt;
        supported_versions.emplace();
        for (const std::uint16_t v : *versions) {
          if (!is_grease(v)) supported_versions->push_back(v);
        }
      } else if (*ext_type == kExtServerName) {
        auto name = core::parse_server_name_extension(*ext_body);
        if (!name) return std::nullopt;
        out.server_name = std::move(*name);
      } else if (*ext_type == kExtSignatureAlgorithms) {
        wire::Reader ext{*ext_body};
        auto list = ext.child16("supported_signature_algorithms", {.min = 2, .max = 0xfffe});
        if (!list || !ext.empty()) return std::nullopt;
        out.signature_algorithms.emplace();
        while (!list->empty()) {
          auto scheme = list->u16("SignatureScheme");
          if (!scheme) return std::nullopt;
          out.signature_algorithms->push_back(*scheme);
        }
      } else if (*ext_type == kExtKeyShare) {
        out.empty_key_share = core::refuse_empty_key_share(*ext_body);
      } else if (*ext_type == kExtExtendedMasterSecret) {
        out.extended_master_secret = true;
      } else if (*ext_type == kExtPskKeyExchangeModes) {
        // RFC 8446 §4.2.9: ke_modes<1..255>.
        wire::Reader ext{*ext_body};
        auto modes = ext.vec8("ke_modes", {.min = 1});
        if (!modes) return std::nullopt;
        out.psk_dhe_ke = std::find(modes->begin(), modes->end(), kPskDheKe) != modes->end();
      } else if (*ext_type == kExtEarlyData) {
        out.early_data = true;
      } else if (*ext_type == kExtSessionTicket && out.ticket.empty()) {
        out.ticket.assign(ext_body->begin(), ext_body->end());
      } else if (*ext_type == kExtPreSharedKey) {
        // RFC 8446 §4.2.11: identities<7..2^16-1> of {identity<1..2^16-1>, uint32 age}.
        wire::Reader ext{*ext_body};
        auto identities = ext.child16("identities", {.min = 7});
        if (!identities) return std::nullopt;
        auto identity = identities->vec16("identity", {.min = 1});
        auto age = identities->u32("obfuscated_ticket_age");
        if (!identity || !age) return std::nullopt;
        out.ticket.assign(identity->begin(), identity->end());
        out.obfuscated_ticket_age = *age;
        out.ticket_is_psk = true;
      }
    }
  }
  if (supported_versions) {
    out.versions = std::move(*supported_versions);
  } else {
    // RFC 8446 §4.2.1: without supported_versions, legacy_version is the highest version the
    // client supports; list every version up to it (as the OpenSSL engine does).
    for (std::uint16_t v = 0x0301; v <= *legacy_version && v <= 0x0303; ++v) {
      out.versions.push_back(v);
    }
    if (out.versions.empty()) out.versions.push_back(*legacy_version);
  }
  return out;
}

std::optional<HelloSummary> parse_server_hello(std::span<const std::uint8_t> message) {
  wire::Reader reader{message};
  auto type = reader.u8("HandshakeType");
  auto body = reader.child24("ServerHello");
  if (!type || *type != kServerHello || !body) return std::nullopt;
  auto legacy_version = body->u16("legacy_version");
  auto random = body->bytes(32, "random");
  auto session_id = body->vec8("legacy_session_id_echo");
  auto suite = body->u16("cipher_suite");
  if (!legacy_version || !random || !session_id || !suite) return std::nullopt;
  auto summary = core::summarize_server_hello(message);
  if (!summary) return std::nullopt;
  HelloSummary out;
  out.versions.push_back(summary->version);
  out.extended_master_secret = summary->extended_master_secret;
  out.cipher_suites.push_back(*suite);
  return out;
}

HelloSniffer::Status HelloSniffer::feed(std::span<const std::byte> bytes) {
  if (status_ != Status::need_more) return status_;
  const std::span<const std::uint8_t> octets(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                             bytes.size());
  raw_.insert(raw_.end(), octets.begin(), octets.end());
  status_ = parse();
  if (status_ != Status::need_more) {
    raw_.clear();
    raw_.shrink_to_fit();
  }
  return status_;
}

HelloSniffer::Status HelloSniffer::parse() {
  // Reassemble the handshake bytes of the leading handshake records (RFC 8446 §5.1: a
  // handshake message may span several records).
  std::vector<std::uint8_t> handshake;
  wire::Reader records{raw_};
  const std::uint8_t expected = client_hello_ ? kClientHello : kServerHello;
  while (true) {
    if (handshake.size() >= 4) {
      const std::size_t length = (std::size_t{handshake[1]} << 16) |
                                 (std::size_t{handshake[2]} << 8) | std::size_t{handshake[3]};
      if (handshake[0] != expected || length > kMaxHello) return Status::not_a_hello;
      if (handshake.size() >= 4 + length) {
        const auto message = std::span<const std::uint8_t>(handshake).first(4 + length);
        summary_ = client_hello_ ? parse_client_hello(message) : parse_server_hello(message);
        return summary_ ? Status::complete : Status::not_a_hello;
      }
    }
    if (records.remaining() < 5) return Status::need_more;
    wire::Reader header{records.peek_rest().first(5)};
    const auto content_type = header.u8("ContentType");
    const auto version = header.u16("legacy_record_version");
    const auto length = header.u16("length");
    if (!content_type || !version || !length || *content_type != kHandshakeRecord ||
        (*version >> 8) != 3 || *length > kMaxRecord) {
      return Status::not_a_hello;
    }
    if (records.remaining() < 5 + std::size_t{*length}) return Status::need_more;
    (void)records.bytes(5, "record header");
    auto fragment = records.bytes(*length, "fragment");
    if (!fragment) return Status::not_a_hello;
    handshake.insert(handshake.end(), fragment->begin(), fragment->end());
  }
}

void PlaintextAlertWatch::feed(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    if (body_left_ == 0) {
      header_[header_size_++] = static_cast<std::uint8_t>(bytes.front());
      bytes = bytes.subspan(1);
      if (header_size_ < 5) continue;
      header_size_ = 0;
      body_left_ = (std::size_t{header_[3]} << 8) | header_[4];
      // RFC 8446 §6: an alert is two bytes; an encrypted one travels as application_data.
      alert_record_ = header_[0] == 21 && body_left_ == 2;
      alert_body_size_ = 0;
      continue;
    }
    // The body: an alert's two bytes are kept, any other record's are stepped over at once.
    const std::size_t step = std::min(body_left_, bytes.size());
    if (alert_record_) {
      // An alert record's body is two bytes (body_left_ started at 2), so this keeps at most two.
      for (const std::byte b : bytes.first(step)) {
        if (alert_body_size_ < std::size(alert_body_)) {
          alert_body_[alert_body_size_++] = static_cast<std::uint8_t>(b);
        }
        if (alert_body_size_ == 2) alert_ = alert_body_[1];
      }
    }
    body_left_ -= step;
    bytes = bytes.subspan(step);
  }
}

}  // namespace sanstls::gnutls_backend

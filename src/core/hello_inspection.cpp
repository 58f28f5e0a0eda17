// SPDX-License-Identifier: Apache-2.0 OR MIT
// See hello_inspection.hpp.

#include "core/hello_inspection.hpp"

#include "core/limits.hpp"
#include "wire/reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace sanstls::core {
namespace {

constexpr std::uint8_t kServerHello = 2;
constexpr std::uint16_t kSupportedVersions = 43;
constexpr std::uint16_t kExtendedMasterSecret = 23;
constexpr std::uint8_t kHostName = 0;

Error decode_failure(const wire::Error& error) {
  Error out = make_error(Errc::bad_tls_data, error.to_string());
  out.alert_sent = error.alert;
  return out;
}

constexpr std::uint8_t kChangeCipherSpec = 20;
constexpr std::uint8_t kAlert = 21;
constexpr std::uint8_t kHandshake = 22;
constexpr std::uint8_t kApplicationData = 23;
constexpr std::size_t kHeader = 5;
/// RFC 8446 §5.1 (and RFC 5246 §6.2.1): "The length MUST NOT exceed 2^14 bytes." Every record
/// before the first key change is plaintext.
constexpr std::size_t kMaxPlaintext = 16384;

Error refusal(Errc code, std::optional<Alert> alert, std::string message) {
  Error error = make_error(code, std::move(message));
  error.alert_sent = alert;
  return error;
}

bool starts_with(std::span<const std::uint8_t> bytes, std::string_view text) {
  return bytes.size() >= text.size() &&
         std::equal(text.begin(), text.end(), bytes.begin(),
                    [](char c, std::uint8_t b) { return static_cast<std::uint8_t>(c) == b; });
}

/// An HTTP/1.x request line or status line (RFC 9112 §3, §4), or the HTTP/2 preface
/// (RFC 9113 §3.4): what a client or server that does not speak TLS sends first.
bool looks_like_http(std::span<const std::uint8_t> bytes) {
  constexpr std::array<std::string_view, 11> starts = {"GET ",  "POST ", "HEAD ", "PUT ",
                                                       "DELET", "OPTIO", "CONNE", "PATCH",
                                                       "TRACE", "PRI *", "HTTP/"};
  return std::any_of(starts.begin(), starts.end(),
                     [&](std::string_view start) { return starts_with(bytes, start); });
}

std::string hex_bytes(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (std::uint8_t b : bytes) {
    out += fmt::format("{}{:02x}", out.empty() ? "" : " ", b);
  }
  return out;
}

}  // namespace

std::optional<Error> refuse_peer_start(const PeerStart& start) {
  const auto bytes = start.first_bytes;
  if (bytes.size() < kHeader) {
    return std::nullopt;  // no engine acts on less than a record header
  }
  if (looks_like_http(bytes)) {
    return refusal(
        Errc::bad_tls_data, std::nullopt,
        start.peer_is_client
            ? std::string{"the peer sent plain HTTP, not TLS: it must connect with https:// (TLS), "
                          "or send plain HTTP to a port that serves HTTP without TLS"}
            : std::string{"the peer sent plain HTTP, not TLS: this is an HTTP server or its "
                          "plain-HTTP port; connect to the port that speaks TLS, or use http://"});
  }
  // An SSL 2.0 record header has the high bit of its first byte set and the message type
  // (CLIENT-HELLO = 1) in its third byte. RFC 6176 §2: TLS peers "MUST NOT negotiate SSL
  // version 2.0"; RFC 8446 Appendix D.5: a TLS 1.3 server MAY refuse an SSL 2.0-compatible
  // CLIENT-HELLO. sanstls refuses the format altogether.
  if ((bytes[0] & 0x80U) != 0 && bytes[2] == 1) {
    return refusal(Errc::forbidden_by_policy, std::nullopt,
                   "the peer sent an SSL 2.0-format hello; sanstls requires TLS 1.2 or newer and "
                   "refuses SSL 2.0 and its hello format (RFC 6176): the peer is too old or "
                   "misconfigured");
  }
  const std::uint8_t type = bytes[0];
  const std::size_t length = (std::size_t{bytes[3]} << 8U) | bytes[4];
  if ((type != kHandshake && type != kAlert && type != kChangeCipherSpec &&
       type != kApplicationData) ||
      bytes[1] != 3) {
    return refusal(Errc::bad_tls_data, std::nullopt,
                   fmt::format("the peer did not send TLS: its first bytes ({}) are not a TLS "
                               "record; check that it speaks TLS and that this is the right port",
                               hex_bytes(bytes.first(kHeader))));
  }
  // RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST terminate
  // the connection with an "unexpected_message" alert." A peer starts with its hello (or an
  // alert refusing ours).
  if (type == kChangeCipherSpec || type == kApplicationData) {
    return refusal(
        Errc::bad_tls_data, Alert::unexpected_message,
        fmt::format("the peer sent {} before its hello; a TLS peer starts with a "
                    "handshake message",
                    type == kApplicationData ? "application data" : "change_cipher_spec"));
  }
  // RFC 8446 §5.1: "An endpoint that receives a record that exceeds this length MUST terminate
  // the connection with a "record_overflow" alert."
  if (length > kMaxPlaintext) {
    return refusal(Errc::bad_tls_data, Alert::record_overflow,
                   fmt::format("the peer sent a record of {} bytes; a TLS record holds at most {} "
                               "bytes before encryption (RFC 8446 §5.1)",
                               length, kMaxPlaintext));
  }
  // RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types";
  // RFC 5246 §6.2.1: "... of Handshake, Alert, or ChangeCipherSpec content types".
  if (length == 0) {
    return refusal(
        Errc::bad_tls_data, Alert::decode_error,
        fmt::format("the peer sent an empty {} record, which TLS forbids (RFC 8446 §5.1)",
                    type == kAlert ? "alert" : "handshake"));
  }
  if (start.first_message_length > limits::max_hello_size) {
    return refusal(Errc::bad_tls_data, Alert::illegal_parameter,
                   fmt::format("the peer's hello announces {} bytes; a hello is at most {} bytes",
                               start.first_message_length, limits::max_hello_size));
  }
  // RFC 8446 §4.1.2: "In TLS 1.3, the client indicates its version preferences in the
  // "supported_versions" extension (Section 4.2.1) and the legacy_version field MUST be set to
  // 0x0303"; §D.5: "Any endpoint receiving a Hello message with ClientHello.legacy_version ...
  // set to 0x0300 MUST abort the handshake with a "protocol_version" alert." Without
  // supported_versions, a legacy_version below 0x0303 offers only versions sanstls forbids
  // (RFC 8996); with it, the hello is no valid TLS 1.3 (or TLS 1.2) hello. Refused here so that
  // every engine answers alike: OpenSSL would accept 0x0301 and 0x0302 with supported_versions,
  // GnuTLS refuses them all. The message names what the hello announces (its highest version
  // when it is a TLS 1.0-1.2 hello, RFC 5246 §7.4.1.2).
  if (start.peer_is_client && start.client_hello_version && *start.client_hello_version < 0x0303) {
    const std::uint16_t announced = *start.client_hello_version;
    std::vector<std::uint16_t> offered;
    for (std::uint16_t version = 0x0301; version <= announced; ++version) {
      offered.push_back(version);
    }
    if (offered.empty()) offered.push_back(announced);
    return forbidden_versions_error(offered, /*peer_is_server=*/false, start.tls13_only);
  }
  return std::nullopt;
}

std::vector<std::byte> plaintext_alert(Alert alert) {
  constexpr std::uint8_t kFatal = 2;
  return {std::byte{kAlert},
          std::byte{3},
          std::byte{3},
          std::byte{0},
          std::byte{2},
          std::byte{kFatal},
          static_cast<std::byte>(alert)};
}

Result<std::string> parse_server_name_extension(std::span<const std::uint8_t> body) {
  wire::Reader reader{body};
  auto list = reader.child16("ServerNameList", {.min = 1, .max = 0xffff});
  if (!list) {
    return fail(decode_failure(list.error()));
  }
  std::string host_name;
  while (!list->empty()) {
    auto type = list->u8("ServerName.name_type");
    if (!type) {
      return fail(decode_failure(type.error()));
    }
    auto name = list->vec16("ServerName.host_name", {.min = 1, .max = 0xffff});
    if (!name) {
      return fail(decode_failure(name.error()));
    }
    // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same
    // name_type."
    if (*type == kHostName) {
      if (!host_name.empty()) {
        return fail(decode_failure({Alert::illegal_parameter, "ServerNameList", "two host_names"}));
      }
      host_name.reserve(name->size());
      for (std::uint8_t c : *name) {
        host_name.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
      }
    }
  }
  if (auto end = reader.expect_end("server_name extension"); !end) {
    return fail(decode_failure(end.error()));
  }
  return host_name;
}

Result<std::vector<std::uint16_t>> parse_client_supported_versions(
    std::span<const std::uint8_t> body) {
  wire::Reader reader{body};
  auto list = reader.child8("supported_versions", {.min = 2, .max = 254});
  if (!list) {
    return fail(decode_failure(list.error()));
  }
  std::vector<std::uint16_t> versions;
  while (!list->empty()) {
    auto version = list->u16("ProtocolVersion");
    if (!version) {
      return fail(decode_failure(version.error()));
    }
    versions.push_back(*version);
  }
  if (auto end = reader.expect_end("supported_versions extension"); !end) {
    return fail(decode_failure(end.error()));
  }
  return versions;
}

std::optional<Error> refuse_empty_key_share(std::span<const std::uint8_t> body) {
  wire::Reader reader{body};
  auto shares = reader.child16("client_shares");
  if (!shares) return std::nullopt;
  while (!shares->empty()) {
    auto group = shares->u16("KeyShareEntry.group");
    auto key = shares->vec16("KeyShareEntry.key_exchange");
    if (!group || !key) return std::nullopt;
    // RFC 8446 §4.2.8.1, §4.2.8.2: a share holds the group's public key (32 bytes for X25519,
    // an uncompressed point for the NIST curves); "Peers MUST validate each other's public key"
    // and an invalid one is illegal_parameter. An empty share is no key of any group.
    if (key->empty()) {
      Error error = make_error(
          Errc::bad_tls_data,
          fmt::format("the peer sent an empty key share (group 0x{:04x}); a key share must hold "
                      "a public key (RFC 8446 §4.2.8)",
                      *group));
      error.alert_sent = Alert::illegal_parameter;
      return error;
    }
  }
  return std::nullopt;
}

std::optional<ServerHelloSummary> summarize_server_hello(std::span<const std::uint8_t> message) {
  wire::Reader reader{message};
  auto type = reader.u8("HandshakeType");
  auto body = reader.child24("ServerHello");
  if (!type || *type != kServerHello || !body) {
    return std::nullopt;
  }
  auto legacy_version = body->u16("legacy_version");
  auto random = body->bytes(32, "random");
  auto session_id = body->vec8("legacy_session_id_echo");
  auto suite = body->u16("cipher_suite");
  auto compression = body->u8("legacy_compression_method");
  if (!legacy_version || !random || !session_id || !suite || !compression) {
    return std::nullopt;
  }
  ServerHelloSummary summary{.version = *legacy_version, .extended_master_secret = false};
  if (body->empty()) {
    return summary;  // no extensions at all
  }
  auto extensions = body->child16("extensions");
  if (!extensions) {
    return std::nullopt;
  }
  while (!extensions->empty()) {
    auto ext_type = extensions->u16("extension_type");
    auto ext_body = extensions->vec16("extension_data");
    if (!ext_type || !ext_body) {
      return std::nullopt;
    }
    if (*ext_type == kSupportedVersions) {
      wire::Reader version_reader{*ext_body};
      auto selected = version_reader.u16("selected_version");
      if (!selected) {
        return std::nullopt;
      }
      summary.version = *selected;
    } else if (*ext_type == kExtendedMasterSecret) {
      summary.extended_master_secret = true;
    }
  }
  return summary;
}

bool offers_acceptable_version(const std::vector<std::uint16_t>& offered, bool tls13_only) {
  return std::ranges::any_of(offered, [&](std::uint16_t version) {
    return version == 0x0304 || (version == 0x0303 && !tls13_only);
  });
}

std::string protocol_version_text(std::uint16_t version) {
  switch (version) {
    case 0x0300:
      return "SSL 3.0";
    case 0x0301:
      return "TLS 1.0";
    case 0x0302:
      return "TLS 1.1";
    case 0x0303:
      return "TLS 1.2";
    case 0x0304:
      return "TLS 1.3";
    default:
      return fmt::format("0x{:04x}", version);
  }
}

Error forbidden_versions_error(const std::vector<std::uint16_t>& offered, bool peer_is_server,
                               bool tls13_only) {
  std::vector<std::string> names;
  for (std::uint16_t version : offered) {
    // RFC 8701 GREASE values (0x?a?a) are noise, not offers.
    if ((version & 0x0f0fU) == 0x0a0aU) {
      continue;
    }
    names.push_back(protocol_version_text(version));
  }
  const std::string required = tls13_only ? "TLS 1.3" : "TLS 1.2 or newer";
  std::string message;
  if (names.empty()) {
    message = fmt::format(
        "the peer offered no protocol version sanstls accepts; sanstls requires {}", required);
  } else if (peer_is_server) {
    message = fmt::format("the server chose {}; sanstls requires {}", names.front(), required);
  } else {
    std::string list = names.front();
    for (std::size_t i = 1; i < names.size(); ++i) {
      list += (i + 1 == names.size() ? " and " : ", ") + names[i];
    }
    message = fmt::format("the peer offered only {}; sanstls requires {}", list, required);
  }
  Error error = make_error(Errc::forbidden_by_policy, std::move(message));
  error.alert_sent = Alert::protocol_version;
  return error;
}

}  // namespace sanstls::core

// See hello_inspection.hpp.

#include "core/hello_inspection.hpp"

#include "wire/reader.hpp"

#include <fmt/format.h>

#include <algorithm>

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

}  // namespace

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

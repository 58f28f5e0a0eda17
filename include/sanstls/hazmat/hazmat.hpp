#pragma once
/// @file hazmat/hazmat.hpp
/// Settings that can weaken the security of a session. Nothing here is needed for normal use;
/// each setting says what it gives away. Attach them with ClientOptions::hazmat or
/// ServerOptions::hazmat.

#include <sanstls/export.hpp>

#include <functional>
#include <string_view>

namespace sanstls::hazmat {

struct Settings {
  /// Receives every session secret in the NSS key log format ("CLIENT_RANDOM ...",
  /// "CLIENT_HANDSHAKE_TRAFFIC_SECRET ..."), as used by Wireshark's SSLKEYLOGFILE. Whoever
  /// reads these lines can decrypt the whole session.
  std::function<void(std::string_view line)> key_log;
};

}  // namespace sanstls::hazmat

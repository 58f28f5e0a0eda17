// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file hazmat/hazmat.hpp
/// Settings that can weaken the security of a session. Nothing here is needed for normal use;
/// each setting says what it gives away. Attach them with ClientOptions::hazmat or
/// ServerOptions::hazmat.

#include <sanstls/credentials.hpp>
#include <sanstls/export.hpp>
#include <sanstls/protocol.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace sanstls::hazmat {

/// Settings that weaken security, each saying what it gives away. Default-constructed, they
/// change nothing.
struct Settings {
  /// Receives every session secret in the NSS key log format ("CLIENT_RANDOM ...",
  /// "CLIENT_HANDSHAKE_TRAFFIC_SECRET ..."), as used by Wireshark's SSLKEYLOGFILE. Whoever
  /// reads these lines can decrypt the whole session.
  std::function<void(std::string_view line)> key_log;

  /// Caps the protocol version, e.g. at TLS 1.2 to test TLS 1.2 peers. Capping disables
  /// TLS 1.3 and its stronger handshake; sanstls's own policy never does.
  std::optional<ProtocolVersion> max_version;

  /// Records sent under one key before the session changes its keys on its own (TLS 1.3
  /// KeyUpdate), instead of every 2^23 records; the peer is asked to change its own after
  /// twice as many received records, and a TLS 1.2 AES-GCM session refuses to send more than
  /// twice as many. For tests that want to see automatic key changes without sending
  /// gigabytes. Only lowering is allowed: a value of 0 or above 2^23 is a configuration error.
  std::optional<std::uint64_t> key_update_interval_records;
};

/// A CertificateChain built without any of CertificateChain::create's checks (order, single
/// leaf, key match, key strength). For tests that must present a defective chain to a peer;
/// a server presenting it will be refused by every correct client.
SANSTLS_API CertificateChain make_unchecked_chain(std::vector<Certificate> certificates,
                                                  PrivateKey key);

}  // namespace sanstls::hazmat

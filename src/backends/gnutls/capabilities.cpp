// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "core/engine.hpp"

#include <gnutls/gnutls.h>

#include <string>

namespace sanstls::core {

BackendCapabilities gnutls_capabilities() {
  BackendCapabilities caps;
  caps.backend = Backend::gnutls;
  caps.available = true;
  caps.library_version = std::string("GnuTLS ") + gnutls_check_version(nullptr);
  caps.versions = {ProtocolVersion::tls12, ProtocolVersion::tls13};
  caps.client_versions = caps.versions;
  caps.cipher_suites.assign(all_cipher_suites().begin(), all_cipher_suites().end());
  // GnuTLS 3.7 has no ML-KEM, so no X25519MLKEM768.
  for (NamedGroup group : all_groups()) {
    if (group != NamedGroup::x25519mlkem768) caps.groups.push_back(group);
  }
  caps.alpn = true;
  caps.client_certificates = true;
  // The engine reads the SNI from the ClientHello before GnuTLS does, so a server certificate
  // store may answer later. GnuTLS asks for a client certificate from inside the handshake and
  // cannot be suspended there, so a client store must answer at once.
  caps.async_server_certificates = true;
  caps.async_client_certificates = false;
  // Tickets in TLS 1.3 and TLS 1.2 (RFC 5077, with EMS) and 0-RTT. GnuTLS opens only tickets of
  // the key it was given for the session (the current one): after TicketKeys::rotate() the
  // previous key's tickets get full handshakes (docs/backends.md).
  caps.resumption = {ProtocolVersion::tls13, ProtocolVersion::tls12};
  caps.early_data = true;
  caps.ticket_key_history = false;
  // GnuTLS answers the peer's KeyUpdate (RFC 8446 §4.6.3) by itself.
  caps.key_update = true;
  caps.key_log = true;
  // The core verifies GnuTLS peers' chains with libcrypto's validator (x509::verify_chain).
  caps.certificate_validation = "openssl";
  return caps;
}

}  // namespace sanstls::core

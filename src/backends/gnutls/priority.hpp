#pragma once
// The GnuTLS priority string for one configuration. It always starts from "NONE" and names
// every algorithm explicitly: the system-wide policy (@SYSTEM, /etc/gnutls/config priorities)
// never decides what sanstls offers.

#include <sanstls/error.hpp>

#include "core/engine.hpp"

#include <string>

namespace sanstls::gnutls_backend {

/// The priority string and the versions it enables.
struct PriorityPlan {
  std::string text;
  bool tls12 = false;
  bool tls13 = false;
};

/// Builds the priority string for `config`, or Errc::unsupported when GnuTLS cannot express the
/// configured set of cipher suites exactly (GnuTLS enables the product of ciphers x key
/// exchanges x versions, not individual suites). `server`: adds %SERVER_PRECEDENCE.
Result<PriorityPlan> make_priority(const core::CommonConfig& config, bool server);

}  // namespace sanstls::gnutls_backend

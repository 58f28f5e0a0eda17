// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Small helpers every handshake state machine (client and server, TLS 1.3 and 1.2) uses.

#include "native/types.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

namespace sanstls::native::handshake {

/// RFC 8446 §4: "... a peer which receives a handshake message in an unexpected order MUST
/// abort the handshake with an "unexpected_message" alert." (RFC 5246 §7.4 and §7.2.2 say the
/// same for TLS 1.2.)
inline tl::unexpected<Error> unexpected_message(std::string_view field) {
  return wire::fail(Alert::unexpected_message, field, "unexpected handshake message");
}

/// Whether `v` holds `x` (offered lists are short: a linear search).
template <class T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace sanstls::native::handshake

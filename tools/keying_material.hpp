// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// `--export LABEL:LENGTH` of `sanstls client` and `sanstls server`: keying material exported
// from the session (RFC 5705 / RFC 8446 §7.5), printed as hex so it can be compared with the
// peer's (openssl s_server/s_client -keymatexport LABEL -keymatexportlen LENGTH).

#include <sanstls/sanstls.hpp>

#include "net.hpp"

#include <cstddef>
#include <string>

namespace sanstls::cli {

struct ExportRequest {
  std::string label;
  std::size_t length = 0;
};

/// Parses "LABEL:LENGTH" (the label may itself contain ':'; the last one separates the length).
Outcome<ExportRequest> parse_export_request(const std::string& text);

/// The keying material as uppercase hex (openssl's format), or the library's refusal.
Outcome<std::string> exported_hex(Session& session, const ExportRequest& request);

}  // namespace sanstls::cli

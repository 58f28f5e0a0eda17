// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "keying_material.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <charconv>
#include <vector>

namespace sanstls::cli {

Outcome<ExportRequest> parse_export_request(const std::string& text) {
  const auto usage = [&] {
    return tl::unexpected(Failure{
        exit_usage, fmt::format("--export wants LABEL:LENGTH, e.g. EXPORTER-Channel-Binding:32 "
                                "(got '{}')",
                                text)});
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return usage();
  ExportRequest request;
  request.label = text.substr(0, colon);
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  const auto [end, error] = std::from_chars(first, last, request.length);
  if (error != std::errc{} || end != last) return usage();
  return request;
}

Outcome<std::string> exported_hex(Session& session, const ExportRequest& request) {
  std::vector<std::byte> material(request.length);
  auto exported = session.export_keying_material(material, request.label);
  if (!exported) {
    return tl::unexpected(Failure{exit_usage, exported.error().message});
  }
  std::string hex;
  hex.reserve(material.size() * 2);
  for (std::byte b : material) {
    hex += fmt::format("{:02X}", static_cast<unsigned>(b));
  }
  OPENSSL_cleanse(material.data(), material.size());
  return hex;
}

}  // namespace sanstls::cli

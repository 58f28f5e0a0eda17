// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "report.hpp"

#include <fmt/format.h>

namespace sanstls::cli {

namespace {
std::string or_none(std::string_view text) { return text.empty() ? "(none)" : std::string{text}; }
}  // namespace

std::string describe(const SessionInfo& info) {
  std::string text;
  text += fmt::format("  engine:        {}\n", backend_name(info.backend));
  text += fmt::format("  version:       {}\n", info.version ? version_name(*info.version) : "-");
  text += fmt::format("  cipher suite:  {}\n",
                      info.cipher_suite ? cipher_suite_name(*info.cipher_suite) : "-");
  text += fmt::format("  group:         {}\n", info.group ? group_name(*info.group) : "-");
  text += fmt::format("  ALPN:          {}\n", or_none(info.alpn));
  text += fmt::format("  server name:   {}\n", or_none(info.server_name));
  if (!info.peer_certificates.empty()) {
    text += fmt::format("  peer subject:  {}\n", info.peer_certificates.front().subject());
    text += fmt::format("  peer issuer:   {}\n", info.peer_certificates.front().issuer());
  } else {
    text += "  peer:          no certificate\n";
  }
  text += fmt::format("  verified:      {}\n", info.peer_verified ? "yes" : "no");
  text += fmt::format("  resumed:       {}\n", info.resumed ? "yes" : "no");
  text += fmt::format("  early data:    {}\n", early_data_status_name(info.early_data));
  return text;
}

nlohmann::json to_json(const SessionInfo& info) {
  nlohmann::json out;
  out["engine"] = backend_name(info.backend);
  out["version"] = info.version ? std::string{version_name(*info.version)} : "";
  out["cipher_suite"] = info.cipher_suite ? std::string{cipher_suite_name(*info.cipher_suite)} : "";
  out["group"] = info.group ? std::string{group_name(*info.group)} : "";
  out["alpn"] = info.alpn;
  out["server_name"] = info.server_name;
  out["peer_verified"] = info.peer_verified;
  out["resumed"] = info.resumed;
  out["early_data"] = std::string{early_data_status_name(info.early_data)};
  nlohmann::json chain = nlohmann::json::array();
  for (const auto& certificate : info.peer_certificates) {
    chain.push_back({{"subject", certificate.subject()}, {"issuer", certificate.issuer()}});
  }
  out["peer_certificates"] = chain;
  return out;
}

nlohmann::json to_json(const Error& error) {
  nlohmann::json out;
  out["code"] = errc_name(error.code);
  out["message"] = error.message;
  if (error.certificate_problem != CertificateProblem::none) {
    out["certificate_problem"] = certificate_problem_name(error.certificate_problem);
  }
  if (error.alert_sent) {
    out["alert_sent"] = alert_name(*error.alert_sent);
  }
  if (error.alert_received) {
    out["alert_received"] = alert_name(*error.alert_received);
  }
  return out;
}

}  // namespace sanstls::cli

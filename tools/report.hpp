// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// How the program prints what a session negotiated: a readable summary or JSON.

#include <sanstls/sanstls.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace sanstls::cli {

/// Multi-line human summary: version, suite, group, ALPN, peer subject and issuer, verified.
std::string describe(const SessionInfo& info);
nlohmann::json to_json(const SessionInfo& info);
nlohmann::json to_json(const Error& error);

}  // namespace sanstls::cli

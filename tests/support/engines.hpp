// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The engines this build has, for parameterised tests: every engine alone, and every
// client engine × server engine pair.

#include <sanstls/backends.hpp>

#include <string>
#include <vector>

namespace sanstls::test {

struct EnginePair {
  Backend client;
  Backend server;
};

/// Every available engine.
std::vector<Backend> available_engines();
/// Every (client, server) pair of available engines.
std::vector<EnginePair> engine_pairs();
/// gtest parameter names: "openssl", "openssl_to_gnutls".
std::string engine_pair_name(const EnginePair& pair);

}  // namespace sanstls::test

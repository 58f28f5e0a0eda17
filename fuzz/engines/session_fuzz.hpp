// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// libFuzzer harness shared by the engine targets: the fuzzer plays the peer of a fresh sanstls
// session (client or server, on one engine) and its input is everything the peer "sends".
//
// Input: one control byte, then the bytes fed to receive_data().
//   bit 0     client target: the client allows only TLS 1.2 (hazmat max_version), so the
//             server's Certificate arrives in the clear and reaches certificate verification;
//             server target: the server asks for a client certificate (client auth optional).
//   bits 1-7  chunk size for receive_data() calls; 0 feeds everything in one call.
//
// Oracles (besides ASan/UBSan): a failed call invalidates the session, and every later call
// fails with Errc::invalidated; what the session writes back stays bounded.
#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>
#include <sanstls/testing/certificate_authority.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

namespace sanstls::fuzz {

enum class Role { client, server };

/// Configurations built once per fuzzing process (harness state, not library state): key
/// generation per input would make the target a benchmark of key generation.
struct Fixture {
  std::unique_ptr<ClientTLS> client_default;
  std::unique_ptr<ClientTLS> client_tls12;
  std::unique_ptr<ServerTLS> server_default;
  std::unique_ptr<ServerTLS> server_client_auth;

  explicit Fixture(Backend backend) {
    auto root = testing::CertificateAuthority::create();
    if (!root) die("root CA", root.error());
    auto leaf = root->issue_leaf({.names = {"localhost"}});
    if (!leaf) die("leaf", leaf.error());
    ClientOptions options{.trust = root->trust_store(), .backend = backend};
    client_default = std::make_unique<ClientTLS>("localhost", options);
    auto settings = std::make_shared<hazmat::Settings>();
    settings->max_version = ProtocolVersion::tls12;
    options.hazmat = settings;
    client_tls12 = std::make_unique<ClientTLS>("localhost", options);
    server_default = std::make_unique<ServerTLS>(*leaf, ServerOptions{.backend = backend});
    server_client_auth =
        std::make_unique<ServerTLS>(*leaf, ServerOptions{.backend = backend,
                                                         .client_auth = ClientAuth::optional,
                                                         .client_trust = root->trust_store()});
  }

  [[noreturn]] static void die(const char* what, const Error& error) {
    std::fprintf(stderr, "fuzz fixture: %s: %s\n", what, error.message.c_str());
    std::abort();
  }
};

inline void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz oracle failed: %s\n", what);
    std::abort();
  }
}

inline int run_session(const Fixture& fixture, Role role, const std::uint8_t* data,
                       std::size_t size) {
  if (size == 0) return 0;
  const bool variant = (data[0] & 1U) != 0;
  const std::size_t chunk = data[0] >> 1U;
  const auto input = std::as_bytes(std::span<const std::uint8_t>(data + 1, size - 1));

  std::size_t written = 0;
  SessionCallbacks callbacks;
  callbacks.write = [&](std::span<const std::byte> bytes) { written += bytes.size(); };
  callbacks.close = [](CloseMode) {};
  auto session =
      role == Role::client
          ? (variant ? fixture.client_tls12 : fixture.client_default)->start(callbacks)
          : (variant ? fixture.server_client_auth : fixture.server_default)->start(callbacks);
  check(session.has_value(), "a fresh session starts");

  std::vector<std::byte> application_data;
  bool failed = false;
  for (std::size_t offset = 0; offset < input.size() && !failed;) {
    const std::size_t n = chunk == 0 ? input.size() : std::min(chunk, input.size() - offset);
    auto received = session->receive_data(input.subspan(offset, n), application_data);
    offset += n;
    if (!received) {
      failed = true;
      check(received.error().code != Errc::invalidated, "the first error is not 'invalidated'");
      check(session->state() == SessionState::invalidated, "an error invalidates the session");
    }
  }
  if (failed) {
    auto again = session->receive_data(input, application_data);
    check(!again && again.error().code == Errc::invalidated, "invalidated stays invalidated");
  } else if (session->established()) {
    const std::byte ping[] = {std::byte{'h'}, std::byte{'i'}};
    (void)session->write_data(ping);
    (void)session->finish();
  } else {
    (void)session->receive_eof();
  }
  // A response is never more than a few flights, however much the peer sends.
  check(written <= 64 * 1024 + input.size(), "output stays bounded");
  return 0;
}

}  // namespace sanstls::fuzz

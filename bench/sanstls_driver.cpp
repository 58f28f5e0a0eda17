// SPDX-License-Identifier: Apache-2.0 OR MIT
// The sanstls engines, driven through the public API only.

#include <sanstls/hazmat/hazmat.hpp>

#include "drivers.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sanstls::bench {
namespace {

class SanstlsConnection final : public Connection {
 public:
  SanstlsConnection() {
    const auto previous = alloc::set_side(alloc::Side::none);
    client_data_.reserve(64 * 1024);
    server_data_.reserve(64 * 1024);
    alloc::set_side(previous);
  }

  bool start(const ClientTLS& client, const ServerTLS& server, SideTimes* times) {
    {
      SideScope scope(alloc::Side::server, times);
      auto session = server.start(callbacks(&to_client_));
      if (!session) {
        error = session.error().to_string();
        return false;
      }
      server_.emplace(std::move(*session));
    }
    SideScope scope(alloc::Side::client, times);
    auto session = client.start(callbacks(&to_server_));
    if (!session) {
      error = session.error().to_string();
      return false;
    }
    client_.emplace(std::move(*session));
    return true;
  }

  bool handshake(SideTimes* times) override {
    for (int round = 0; round < 16; ++round) {
      if (!deliver(to_server_, *server_, server_data_, alloc::Side::server, times) ||
          !deliver(to_client_, *client_, client_data_, alloc::Side::client, times)) {
        return false;
      }
      if (client_->established() && server_->established() && to_server_.bytes.empty() &&
          to_client_.bytes.empty()) {
        if (expect_resumed && !(client_->info().resumed && server_->info().resumed)) {
          error = "the session was not resumed";
          return false;
        }
        if (client_->info().version != expect_version) {
          error = fmt::format(
              "negotiated {} instead of {}",
              client_->info().version ? version_name(*client_->info().version) : "nothing",
              version_name(expect_version));
          return false;
        }
        return true;
      }
    }
    error = "the handshake did not finish";
    return false;
  }

  void release_buffers() override {
    const auto previous = alloc::set_side(alloc::Side::none);
    std::vector<std::byte>().swap(to_server_.bytes);
    std::vector<std::byte>().swap(to_client_.bytes);
    std::vector<std::byte>().swap(client_data_);
    std::vector<std::byte>().swap(server_data_);
    std::vector<std::byte>().swap(buffer_);
    alloc::set_side(previous);
  }

  bool receive_into_vector(bool on) override {
    into_vector_ = on;
    return true;
  }

  bool transfer(bool client_to_server, std::span<const std::byte> chunk, std::size_t count,
                SideTimes* times) override {
    if (!into_vector_) {
      return transfer_into_buffer(client_to_server, chunk, count, times);
    }
    Session& sender = client_to_server ? *client_ : *server_;
    Session& receiver = client_to_server ? *server_ : *client_;
    Wire& wire = client_to_server ? to_server_ : to_client_;
    std::vector<std::byte>& received = client_to_server ? server_data_ : client_data_;
    const auto sending = client_to_server ? alloc::Side::client : alloc::Side::server;
    const auto receiving = client_to_server ? alloc::Side::server : alloc::Side::client;
    for (std::size_t i = 0; i < count; ++i) {
      {
        SideScope scope(sending, times);
        if (auto written = sender.write_data(chunk); !written) {
          error = written.error().to_string();
          return false;
        }
      }
      if (!deliver(wire, receiver, received, receiving, times)) {
        return false;
      }
      if (received.size() != chunk.size()) {
        error = fmt::format("received {} bytes, expected {}", received.size(), chunk.size());
        return false;
      }
      received.clear();
    }
    return true;
  }

 private:
  /// transfer() receiving into a caller-owned buffer (Session::receive_data_into): each
  /// write's data must arrive whole, in one call, with nothing held back.
  bool transfer_into_buffer(bool client_to_server, std::span<const std::byte> chunk,
                            std::size_t count, SideTimes* times) {
    Session& sender = client_to_server ? *client_ : *server_;
    Session& receiver = client_to_server ? *server_ : *client_;
    Wire& wire = client_to_server ? to_server_ : to_client_;
    const auto sending = client_to_server ? alloc::Side::client : alloc::Side::server;
    const auto receiving = client_to_server ? alloc::Side::server : alloc::Side::client;
    if (buffer_.empty()) {
      const auto previous = alloc::set_side(alloc::Side::none);
      buffer_.resize(kReceiveBuffer);
      alloc::set_side(previous);
    }
    for (std::size_t i = 0; i < count; ++i) {
      {
        SideScope scope(sending, times);
        if (auto written = sender.write_data(chunk); !written) {
          error = written.error().to_string();
          return false;
        }
      }
      Received received;
      {
        SideScope scope(receiving, times);
        auto got = receiver.receive_data_into(wire.bytes, buffer_);
        wire.bytes.clear();
        if (!got) {
          error = got.error().to_string();
          return false;
        }
        received = *got;
      }
      if (received.size != chunk.size() || received.pending != 0) {
        error = fmt::format("received {} bytes ({} held), expected {}", received.size,
                            received.pending, chunk.size());
        return false;
      }
    }
    return true;
  }

  static SessionCallbacks callbacks(Wire* wire) {
    SessionCallbacks callbacks;
    callbacks.write = [wire](std::span<const std::byte> bytes) {
      wire->bytes.insert(wire->bytes.end(), bytes.begin(), bytes.end());
    };
    return callbacks;
  }

  bool deliver(Wire& wire, Session& to, std::vector<std::byte>& data, alloc::Side side,
               SideTimes* times) {
    if (wire.bytes.empty()) {
      return true;
    }
    SideScope scope(side, times);
    auto received = to.receive_data(wire.bytes, data);
    wire.bytes.clear();
    if (!received) {
      error = received.error().to_string();
      return false;
    }
    return true;
  }

  Wire to_server_;
  Wire to_client_;

 public:
  /// Resumed setups, after the first connection: fail unless both sides resumed.
  bool expect_resumed = false;
  /// The version the setup must negotiate.
  ProtocolVersion expect_version = ProtocolVersion::tls13;

 private:
  std::vector<std::byte> client_data_;
  std::vector<std::byte> server_data_;
  /// A typical read buffer: several full records.
  static constexpr std::size_t kReceiveBuffer = 64 * 1024;
  std::vector<std::byte> buffer_;
  bool into_vector_ = false;
  std::optional<Session> client_;
  std::optional<Session> server_;
};

class SanstlsSetup final : public Setup {
 public:
  SanstlsSetup(Backend backend, const Credentials& credentials, CipherSuite suite, NamedGroup group,
               bool resumed = false)
      : client_(kHostname, client_options(backend, credentials, suite, group, resumed)),
        server_(credentials.chain, server_options(backend, suite, group, resumed)),
        resumed_(resumed),
        version_(cipher_suite_version(suite)) {
    if (const Error* problem = client_.configuration_error()) {
      error = problem->to_string();
    } else if (const Error* server_problem = server_.configuration_error()) {
      error = server_problem->to_string();
    }
  }

  std::unique_ptr<Connection> connect(SideTimes* times) override {
    auto connection = std::make_unique<SanstlsConnection>();
    connection->expect_resumed = resumed_ && connections_++ > 0;
    connection->expect_version = version_;
    if (!connection->start(client_, server_, times)) {
      error = connection->error;
      return nullptr;
    }
    return connection;
  }

 private:
  static bool tls12(CipherSuite suite) {
    return cipher_suite_version(suite) == ProtocolVersion::tls12;
  }
  static Policy policy(CipherSuite suite, NamedGroup group) {
    // A TLS 1.2 suite: TLS 1.2 and 1.3 allowed by the policy, the version capped at TLS 1.2
    // below (as a TLS 1.2-only peer would do).
    // (sanstls refuses a suite list without a TLS 1.3 suite, so one is listed: the cap decides.)
    // TLS 1.2 checks an ECDSA certificate's curve against the client's groups (RFC 8422 §5.1):
    // P-256 is listed after the group used.
    if (tls12(suite)) {
      Policy policy;
      policy.cipher_suites = {CipherSuite::tls_aes_128_gcm_sha256, suite};
      policy.groups = {group, NamedGroup::secp256r1};
      return policy;
    }
    Policy policy = Policy::tls13_only();
    policy.cipher_suites = {suite};
    policy.groups = {group};
    return policy;
  }
  static std::shared_ptr<const hazmat::Settings> cap(CipherSuite suite) {
    if (!tls12(suite)) return nullptr;
    auto settings = std::make_shared<hazmat::Settings>();
    settings->max_version = ProtocolVersion::tls12;
    return settings;
  }
  static ClientOptions client_options(Backend backend, const Credentials& credentials,
                                      CipherSuite suite, NamedGroup group, bool resumed) {
    ClientOptions options;
    options.trust = credentials.trust;
    options.policy = policy(suite, group);
    options.backend = backend;
    options.hazmat = cap(suite);
    // Full handshakes unless measuring resumption: a kept ticket would resume the next one.
    options.resumption = resumed;
    return options;
  }
  static ServerOptions server_options(Backend backend, CipherSuite suite, NamedGroup group,
                                      bool resumed) {
    ServerOptions options;
    options.policy = policy(suite, group);
    options.backend = backend;
    options.hazmat = cap(suite);
    options.session_tickets = resumed ? 1 : 0;  // as the raw loops do
    return options;
  }

  ClientTLS client_;
  ServerTLS server_;
  bool resumed_ = false;
  ProtocolVersion version_;
  std::size_t connections_ = 0;
};

}  // namespace

Implementation sanstls_implementation(Backend backend, NamedGroup group) {
  Implementation implementation;
  implementation.name =
      group == NamedGroup::x25519
          ? fmt::format("sanstls/{}", backend_name(backend))
          : fmt::format("sanstls/{} {}", backend_name(backend), group_name(group));
  implementation.kind = "engine";
  implementation.library = std::string{backend_name(backend)};
  implementation.version = backend_capabilities(backend).library_version;
  implementation.make_setup = [backend, group](const Credentials& credentials, CipherSuite suite) {
    return std::unique_ptr<Setup>{
        std::make_unique<SanstlsSetup>(backend, credentials, suite, group)};
  };
  const auto resumes = backend_capabilities(backend).resumption;
  if (group == NamedGroup::x25519 &&
      std::find(resumes.begin(), resumes.end(), ProtocolVersion::tls13) != resumes.end()) {
    implementation.make_resumed_setup = [backend](const Credentials& credentials,
                                                  CipherSuite suite) {
      return std::unique_ptr<Setup>{std::make_unique<SanstlsSetup>(
          backend, credentials, suite, NamedGroup::x25519, /*resumed=*/true)};
    };
  }
  return implementation;
}

}  // namespace sanstls::bench

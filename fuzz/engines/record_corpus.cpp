// SPDX-License-Identifier: Apache-2.0 OR MIT
// Records the seed corpora of the engine fuzz targets from real handshakes:
//   record_fuzz_corpus <dir>     (make fuzz-corpus writes fuzz/engines/corpus)
// For every client engine × server engine, with the default configuration and with a TLS 1.2
// client facing a server that asks for a client certificate, it runs a handshake, application
// data both ways and close_notify through memory, and writes what the server sent (a seed of
// <client engine>_client) and what the client sent (a seed of <server engine>_server), each
// behind the control byte of session_fuzz.hpp (whole input, and 7-byte chunks). It also writes
// PEM and DER credentials for the credentials target.
#include <sanstls/backends.hpp>
#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>
#include <sanstls/testing/certificate_authority.hpp>

#include <openssl/evp.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace sanstls;
using Bytes = std::vector<std::byte>;

template <class T>
T must(Result<T> result, const char* what) {
  if (!result) {
    std::fprintf(stderr, "record_fuzz_corpus: %s: %s\n", what, result.error().message.c_str());
    std::exit(1);
  }
  return std::move(*result);
}

void write_file(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

void write_seed(const std::filesystem::path& path, std::uint8_t control, std::string_view text) {
  Bytes bytes{std::byte{control}};
  for (char c : text) bytes.push_back(static_cast<std::byte>(c));
  write_file(path, bytes);
}

/// The DER inside the first PEM block of `pem`.
Bytes pem_to_der(const std::string& pem) {
  const auto begin = pem.find('\n', pem.find("-----BEGIN")) + 1;
  const auto end = pem.find("-----END");
  std::string base64;
  for (char c : pem.substr(begin, end - begin)) {
    if (c != '\n' && c != '\r') base64.push_back(c);
  }
  std::vector<unsigned char> der(base64.size());
  const int n = EVP_DecodeBlock(der.data(), reinterpret_cast<const unsigned char*>(base64.data()),
                                static_cast<int>(base64.size()));
  if (n < 0) std::exit(1);
  std::size_t size = static_cast<std::size_t>(n);
  if (base64.ends_with("=="))
    size -= 2;
  else if (base64.ends_with("="))
    size -= 1;
  Bytes out(size);
  std::memcpy(out.data(), der.data(), size);
  return out;
}

struct Side {
  std::optional<Session> session;
  Bytes outbox;
  Bytes sent;  // everything this side ever wrote
  Bytes received;
};

SessionCallbacks callbacks(Side& side) {
  SessionCallbacks result;
  result.write = [&side](std::span<const std::byte> bytes) {
    side.outbox.insert(side.outbox.end(), bytes.begin(), bytes.end());
    side.sent.insert(side.sent.end(), bytes.begin(), bytes.end());
  };
  result.close = [](CloseMode) {};
  return result;
}

bool deliver(Side& from, Side& to) {
  if (from.outbox.empty()) return false;
  Bytes waiting;
  waiting.swap(from.outbox);
  (void)to.session->receive_data(waiting, to.received);
  return true;
}

void pump(Side& client, Side& server) {
  for (int i = 0; i < 100; ++i) {
    const bool a = deliver(client, server);
    const bool b = deliver(server, client);
    if (!a && !b) return;
  }
}

void write_stream(const std::filesystem::path& dir, const std::string& name, bool variant,
                  const Bytes& stream) {
  for (unsigned chunk : {0U, 7U}) {
    Bytes seed{std::byte{static_cast<std::uint8_t>((chunk << 1U) | (variant ? 1U : 0U))}};
    seed.insert(seed.end(), stream.begin(), stream.end());
    write_file(dir / (name + "_chunk" + std::to_string(chunk)), seed);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: record_fuzz_corpus <corpus dir>\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  auto root = must(testing::CertificateAuthority::create(), "root");
  auto intermediate = must(root.issue_intermediate({.common_name = "sanstls test sub CA"}), "sub");
  auto leaf = must(intermediate.issue_leaf({.names = {"localhost"}}), "leaf");
  auto tls12 = std::make_shared<hazmat::Settings>();
  tls12->max_version = ProtocolVersion::tls12;

  std::vector<Backend> engines;
  for (const auto& capabilities : backends()) {
    if (capabilities.available) engines.push_back(capabilities.backend);
  }
  for (Backend client_engine : engines) {
    for (Backend server_engine : engines) {
      for (bool variant : {false, true}) {
        ClientOptions client_options{.trust = root.trust_store(), .backend = client_engine};
        ServerOptions server_options{.backend = server_engine};
        if (variant) {
          client_options.hazmat = tls12;
          server_options.client_auth = ClientAuth::optional;
          server_options.client_trust = root.trust_store();
        }
        ClientTLS client_tls("localhost", client_options);
        ServerTLS server_tls(leaf, server_options);
        Side client, server;
        server.session.emplace(must(server_tls.start(callbacks(server)), "server start"));
        client.session.emplace(must(client_tls.start(callbacks(client)), "client start"));
        pump(client, server);
        if (!client.session->established() || !server.session->established()) {
          std::fprintf(stderr, "record_fuzz_corpus: handshake %s -> %s failed\n",
                       std::string(backend_name(client_engine)).c_str(),
                       std::string(backend_name(server_engine)).c_str());
          return 1;
        }
        const std::string hello = "hello";
        (void)client.session->write_data(std::as_bytes(std::span(hello)));
        (void)server.session->write_data(std::as_bytes(std::span(hello)));
        pump(client, server);
        (void)client.session->finish();
        (void)server.session->finish();
        pump(client, server);
        const std::string pair = std::string(backend_name(client_engine)) + "_to_" +
                                 std::string(backend_name(server_engine)) +
                                 (variant ? "_tls12_client_auth" : "_default");
        write_stream(out / (std::string(backend_name(client_engine)) + "_client"), pair, variant,
                     server.sent);
        write_stream(out / (std::string(backend_name(server_engine)) + "_server"), pair, variant,
                     client.sent);
      }
    }
  }

  const auto dir = out / "credentials";
  for (auto key : {testing::KeyAlgorithm::ecdsa_p256, testing::KeyAlgorithm::rsa_2048,
                   testing::KeyAlgorithm::ed25519}) {
    const std::string name(testing::key_algorithm_name(key));
    auto parts =
        must(intermediate.issue_leaf_parts({.names = {"localhost", "127.0.0.1"}, .key = key}),
             "leaf parts");
    const std::string certs = parts.certificates_pem();
    const std::string key_pem = parts.key_pem();
    write_seed(dir / (name + "_cert_pem"), 0, parts.certificates.front().to_pem());
    Bytes der{std::byte{1}};
    const auto cert_der = parts.certificates.front().der();
    der.insert(der.end(), cert_der.begin(), cert_der.end());
    write_file(dir / (name + "_cert_der"), der);
    write_seed(dir / (name + "_all_pem"), 2, certs);
    write_seed(dir / (name + "_key_pem"), 3, key_pem);
    Bytes key_der{std::byte{4}};
    const Bytes raw_key = pem_to_der(key_pem);
    key_der.insert(key_der.end(), raw_key.begin(), raw_key.end());
    write_file(dir / (name + "_key_der"), key_der);
    write_seed(dir / (name + "_chain"), 6, certs + key_pem);
    write_seed(dir / (name + "_create"), 7, certs + key_pem);
  }
  write_seed(dir / "trust_store", 5, root.certificate_pem() + intermediate.certificate_pem());
  std::printf("corpus written to %s\n", out.c_str());
  return 0;
}

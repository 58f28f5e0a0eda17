// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Recorded TLS 1.2 handshakes with OpenSSL (tests/native/data/tls12_replay.tsv), shared by the
// recorder (tls12_replay_record.cpp, run by tools/tls12_replay/generate.py) and the replay test
// (tls12_replay_test.cpp): both build our side exactly the same way, with a deterministic
// provider (fixed randomness, so fixed randoms and ECDHE keys) and, for the server, the fixed
// Ed25519 test certificate (deterministic signatures), so our output is reproducible byte for
// byte given the peer's recorded bytes.
//
// A recording is a list of steps, each what our driver was asked to do and what it answered:
//   start         -           our ClientHello record(s)
//   receive       peer bytes  what we sent back, the application data we got out
//   write         plaintext   our record(s)
//   close_notify  -           our alert record
// A receive step holds exactly the peer's bytes between two things we did or learnt (one peer
// flight: ServerHello..ServerHelloDone, ChangeCipherSpec + Finished, an application-data
// record, a close_notify).

#include "native_peer.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sanstls::native::testing::tls12_replay {

using fuzz::native_peer::ByteVec;

inline std::string to_hex(const ByteVec& v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (auto b : v) {
    s += digits[b >> 4U];
    s += digits[b & 0xfU];
  }
  return s;
}

inline ByteVec from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  ByteVec out;
  auto nibble = [](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    throw std::invalid_argument("bad hex");
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>((nibble(hex[i]) << 4U) | nibble(hex[i + 1])));
  }
  return out;
}

/// Separate from the fuzz targets' seeds, so that recordings and seeds never depend on each other.
inline constexpr std::uint64_t kClientSeed = 0x7151c11e47ULL;
inline constexpr std::uint64_t kServerSeed = 0x7151e4fe4ULL;

inline constexpr std::string_view kServerName = "tls12.test";

/// Our TLS 1.2 client: a TLS 1.2-only hello with every ECDHE + AEAD suite we implement, SNI and
/// ALPN; the chain is accepted as it is (the recording pins the bytes, not the trust).
inline handshake::ClientHelloParameters client_parameters() {
  handshake::ClientHelloParameters params;
  params.server_name = std::string(kServerName);
  params.alpn_protocols = {"http/1.1"};
  params.tls12_cipher_suites = {CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
                                CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256,
                                CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
                                CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
                                CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
                                CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256};
  params.offer_tls13 = false;
  return params;
}

/// Our server: TLS 1.2 and 1.3 allowed (so a TLS 1.2 handshake carries the RFC 8446 §4.1.3
/// downgrade sentinel), ALPN http/1.1, no tickets.
inline handshake::ServerParameters server_parameters() {
  handshake::ServerParameters params;
  params.tls12 = true;
  params.alpn = {"http/1.1"};
  params.tickets = 0;
  return params;
}

/// One side under recording or replay: the provider, the identity, the key log.
struct Side {
  fuzz::native_peer::DeterministicProvider provider;
  std::shared_ptr<const fuzz::native_peer::Identity> identity;
  fuzz::native_peer::KeyLog log;

  explicit Side(std::uint64_t seed) : provider(fuzz::native_peer::make_provider(seed)) {
    identity = std::make_shared<const fuzz::native_peer::Identity>(
        fuzz::native_peer::make_identity(*provider.provider));
    provider.random->reset();
  }
};

inline Result<handshake::ClientHandshake> start_client(Side& side, ByteVec& out) {
  handshake::ClientHandshakeEnvironment env;
  env.provider = side.provider.provider.get();
  env.verify_chain = [](std::span<const ByteVec> chain) -> Status {
    if (chain.empty()) return wire::fail(Alert::bad_certificate, "chain", "empty");
    return {};
  };
  env.key_log = fuzz::native_peer::key_logger(side.log);
  return handshake::ClientHandshake::start(client_parameters(), std::move(env), out);
}

inline handshake::ServerHandshake make_server(Side& side) {
  handshake::ServerHandshakeEnvironment env;
  env.provider = side.provider.provider.get();
  env.select_certificate = [&side](const handshake::CertificateQuery&) {
    return handshake::CertificateSelection::chosen({side.identity->cert_der}, side.identity->key);
  };
  env.key_log = fuzz::native_peer::key_logger(side.log);
  return handshake::ServerHandshake(server_parameters(), std::move(env));
}

struct Step {
  std::string kind;  // start, receive, write, close_notify
  ByteVec in;        // peer bytes (receive) or plaintext (write)
  ByteVec out;       // what we sent
  ByteVec app;       // application data we received (receive)
};

struct Recording {
  std::string name;
  std::string role;  // client or server: our side
  std::vector<Step> steps;
  /// Facts the generator checked independently (suite, randoms, the peer's master secret).
  std::map<std::string, ByteVec, std::less<>> values;
  std::map<std::string, std::string, std::less<>> text;
};

inline std::string hex_or_dash(const ByteVec& v) { return v.empty() ? "-" : to_hex(v); }
inline ByteVec from_hex_or_dash(const std::string& s) { return s == "-" ? ByteVec{} : from_hex(s); }

/// Writes one step line: "step<TAB>kind<TAB>in<TAB>out<TAB>app" ("-" for empty).
inline std::string step_line(const Step& step) {
  return "step\t" + step.kind + "\t" + hex_or_dash(step.in) + "\t" + hex_or_dash(step.out) + "\t" +
         hex_or_dash(step.app);
}

/// Reads every "begin NAME" .. "end" block of the data file.
inline std::vector<Recording> load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<Recording> recordings;
  std::string line;
  Recording* current = nullptr;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, '\t');) fields.push_back(f);
    if (fields[0] == "begin" && fields.size() == 2) {
      recordings.push_back({});
      current = &recordings.back();
      current->name = fields[1];
    } else if (fields[0] == "end") {
      current = nullptr;
    } else if (current == nullptr) {
      throw std::runtime_error("tls12_replay.tsv: a line outside a block: " + line);
    } else if (fields[0] == "role" && fields.size() == 2) {
      current->role = fields[1];
    } else if (fields[0] == "step" && fields.size() == 5) {
      current->steps.push_back({fields[1], from_hex_or_dash(fields[2]), from_hex_or_dash(fields[3]),
                                from_hex_or_dash(fields[4])});
    } else if (fields[0] == "text" && fields.size() == 3) {
      current->text[fields[1]] = fields[2];
    } else if (fields.size() == 2) {
      current->values[fields[0]] = from_hex(fields[1]);
    } else {
      throw std::runtime_error("tls12_replay.tsv: cannot read: " + line);
    }
  }
  return recordings;
}

}  // namespace sanstls::native::testing::tls12_replay

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Shared by the state-machine fuzz targets (native_client_handshake, native_server_handshake)
// and their seed recorder (record_native_corpus.cpp): the fuzzer plays the peer of one of our
// drivers (ClientHandshake or ServerHandshake), and its input is what the peer does.
//
// Input: one config byte, then chunks. A chunk is a control byte, a 2-byte big-endian length
// (clamped to what is left) and that many payload bytes.
//   config (client target)  bits 0-1: select_client_certificate answers pending that many times
//                           bit 2: then chooses our test certificate (else declines)
//   config (server target)  bits 0-1: select_certificate answers pending that many times
//                           bits 2-3: client auth none / optional / required / optional
//                           bits 4-5: cipher suite preference (see server_parameters())
//                           bit 6: groups secp256r1, secp384r1 only (a HelloRetryRequest for a
//                                  client that sent an x25519 share)
//                           bit 7: select_certificate finally declines
//   control bit 7 clear: peer records. bits 0-1: 0 raw bytes fed as they are; 1 one plaintext
//                        record the harness frames; 2 one record sealed under the peer's
//                        handshake traffic keys, 3 under its application traffic keys (taken
//                        from the driver's key log; a plaintext record while not yet known).
//                        bits 2-3: the (inner) content type: handshake, application_data,
//                        alert, change_cipher_spec. bits 4-6: receive() piece size (0: all at
//                        once, else 1, 2, 3, 5, 8, 13, 64 bytes), so fragmentation paths run.
//   control bit 7 set:   an action of ours. bits 0-2: resume, write(payload), key_update,
//                        key_update requesting the peer's, close_notify (others: resume).
// A sealed handshake record carrying a KeyUpdate moves the peer's application keys to the next
// generation (RFC 8446 §4.6.3), as the driver's read side does. At the end of the input the
// harness resumes a waiting driver and, once connected, writes, updates its keys (asking the
// peer to) and sends close_notify.
//
// Randomness and time are deterministic (LibcryptoProvider::hazmat_create_deterministic, reset
// for every input), and the test identity is an Ed25519 key from a fixed seed (deterministic
// signatures), so a recorded peer flight replays byte for byte: in a normal build (no
// SANSTLS_FUZZING_UNSAFE_NO_PEER_AUTH) the seeds still pass CertificateVerify and Finished.
//
// Oracles besides ASan/UBSan: after a failure the driver stays dead (receive() fails), and
// info()/state queries stay safe.
#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/client_states.hpp"
#include "native/handshake/server_handshake.hpp"
#include "native/key_schedule12.hpp"
#include "native/record/protection.hpp"
#include "native/record/protection12.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::fuzz::native_peer {

using namespace sanstls::native;
using ByteVec = std::vector<std::uint8_t>;

inline void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "native_peer: %s\n", what);
    std::abort();
  }
}

// ---------------------------------------------------------------------------------------------
// Deterministic provider and test identity

/// splitmix64 over a counter: the same bytes for every run from reset().
class CountingRandom final : public crypto::RandomSource {
 public:
  explicit CountingRandom(std::uint64_t seed) : seed_(seed) {}
  void reset() { counter_ = 0; }
  void fill(std::span<std::uint8_t> out) override {
    for (auto& byte : out) {
      std::uint64_t z = seed_ + 0x9e3779b97f4a7c15ULL * ++counter_;
      z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
      byte = static_cast<std::uint8_t>(z ^ (z >> 31U));
    }
  }

 private:
  std::uint64_t seed_;
  std::uint64_t counter_ = 0;
};

class FixedClock final : public crypto::Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));  // 2026-01-01
  }
};

struct DeterministicProvider {
  std::unique_ptr<crypto::LibcryptoProvider> provider;
  CountingRandom* random = nullptr;  // owned by provider
};

inline constexpr std::uint64_t kClientSeed = 0xc11e47;
inline constexpr std::uint64_t kServerSeed = 0x5e4fe4;

inline DeterministicProvider make_provider(std::uint64_t seed) {
  auto random = std::make_unique<CountingRandom>(seed);
  CountingRandom* raw = random.get();
  auto provider = crypto::LibcryptoProvider::hazmat_create_deterministic(
      std::move(random), std::make_unique<FixedClock>());
  check(provider.has_value(), "deterministic provider");
  return {std::move(*provider), raw};
}

struct Identity {
  ByteVec cert_der;
  std::shared_ptr<const crypto::SigningKey> key;
};

/// A self-signed Ed25519 certificate for "localhost" from a fixed key and validity: the same DER
/// in every process (Ed25519 signatures are deterministic).
inline Identity make_identity(const crypto::CryptoProvider& provider) {
  std::array<unsigned char, 32> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<unsigned char>(i * 7 + 1);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()),
      &EVP_PKEY_free);
  check(pkey != nullptr, "ed25519 key");
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), &X509_free);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  ASN1_TIME_set_string(X509_getm_notBefore(x.get()), "20250101000000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(x.get()), "20350101000000Z");
  X509_set_pubkey(x.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  check(X509_sign(x.get(), pkey.get(), nullptr) > 0, "certificate signature");
  Identity id;
  unsigned char* der = nullptr;
  int len = i2d_X509(x.get(), &der);
  check(len > 0, "certificate DER");
  id.cert_der.assign(der, der + len);
  OPENSSL_free(der);
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
      EVP_PKEY2PKCS8(pkey.get()), &PKCS8_PRIV_KEY_INFO_free);
  der = nullptr;
  len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  check(len > 0, "PKCS#8 DER");
  auto key = provider.load_signing_key(Bytes(der, static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  check(key.has_value(), "load_signing_key");
  id.key = std::shared_ptr<const crypto::SigningKey>(std::move(*key));
  return id;
}

// ---------------------------------------------------------------------------------------------
// The peer's record protection, from the keys the driver logs

/// Traffic secrets by NSS key log label, as the driver logged them.
using KeyLog = std::map<std::string, ByteVec, std::less<>>;

/// The client_random the driver logged its secrets with (TLS 1.2 keys need it).
inline constexpr std::string_view kClientRandomEntry = "#client_random";

inline std::function<void(std::string_view, Bytes, Bytes)> key_logger(KeyLog& log) {
  return [&log](std::string_view label, Bytes client_random, Bytes secret) {
    log[std::string(label)] = ByteVec(secret.begin(), secret.end());
    log[std::string(kClientRandomEntry)] = ByteVec(client_random.begin(), client_random.end());
  };
}

/// Whether `content` (whole handshake messages, the last one possibly cut) holds a message of
/// `type`.
inline bool contains_message(Bytes content, HandshakeType type) {
  std::size_t off = 0;
  while (off + 4 <= content.size()) {
    if (content[off] == static_cast<std::uint8_t>(type)) return true;
    const std::size_t length = (std::size_t{content[off + 1]} << 16U) |
                               (std::size_t{content[off + 2]} << 8U) | content[off + 3];
    off += 4 + length;
  }
  return false;
}

enum class Epoch : std::uint8_t { handshake, application };

/// One direction's protection (the peer's writes), keyed lazily from a KeyLog.
class PeerProtection {
 public:
  PeerProtection(const KeyLog& log, std::string_view handshake_label,
                 std::string_view application_label)
      : log_(&log), labels_{handshake_label, application_label} {}

  /// The protection of `epoch` for `suite`, or nullptr while its secret is not logged yet.
  record::Protection* get(Epoch epoch, std::optional<CipherSuite> suite,
                          const crypto::CryptoProvider& provider) {
    auto& slot = slots_[static_cast<std::size_t>(epoch)];
    if (slot.protection) return &*slot.protection;
    const auto params = suite ? suite_params(*suite) : std::nullopt;
    const auto found = log_->find(labels_[static_cast<std::size_t>(epoch)]);
    if (!params || found == log_->end()) return nullptr;
    if (found->second.size() != crypto::hash_length(params->hash)) return nullptr;
    slot.secret = found->second;
    slot.params = *params;
    if (!install(slot, provider)) return nullptr;
    return &*slot.protection;
  }

  /// RFC 8446 §7.2: application_traffic_secret_N+1, after a KeyUpdate went out.
  void advance_application(const crypto::CryptoProvider& provider) {
    auto& slot = slots_[static_cast<std::size_t>(Epoch::application)];
    if (!slot.protection) return;
    const KeyDerivation kd(provider, slot.params.hash);
    auto next = kd.next_traffic_secret(slot.secret);
    check(next.has_value(), "next_traffic_secret");
    slot.secret.assign(next->span().begin(), next->span().end());
    if (!install(slot, provider)) slot.protection.reset();
  }

 private:
  struct Slot {
    ByteVec secret;
    SuiteParams params{};
    std::optional<record::Protection> protection;
  };
  static bool install(Slot& slot, const crypto::CryptoProvider& provider) {
    const KeyDerivation kd(provider, slot.params.hash);
    auto keys = kd.traffic_keys(slot.secret, slot.params.aead);
    if (!keys) return false;
    auto protection = record::Protection::create(provider, slot.params.aead, *keys);
    if (!protection) return false;
    slot.protection = std::move(*protection);
    return true;
  }

  const KeyLog* log_;
  std::array<std::string_view, 2> labels_;
  std::array<Slot, 2> slots_;
};

/// How a chunk reaches the driver (see the input format above).
enum ChunkKind : std::uint8_t {
  raw = 0,
  plaintext = 1,
  sealed_handshake = 2,
  sealed_application = 3
};

/// Whether a whole ServerHello message (header included) carries extension `type`; false when
/// it does not parse.
inline bool server_hello_has_extension(Bytes hello, ExtensionType type) {
  std::size_t at = 4 + 2 + 32;
  if (hello.size() < at + 1) return false;
  at += 1 + hello[at] + 2 + 1;  // session id, cipher suite, compression method
  if (hello.size() < at + 2) return false;
  const std::size_t end =
      std::min(hello.size(), at + 2 + ((std::size_t{hello[at]} << 8U) | hello[at + 1]));
  at += 2;
  while (at + 4 <= end) {
    const auto ext = static_cast<std::uint16_t>((hello[at] << 8U) | hello[at + 1]);
    if (ext == static_cast<std::uint16_t>(type)) return true;
    at += 4 + ((std::size_t{hello[at + 2]} << 8U) | hello[at + 3]);
  }
  return false;
}

/// The TLS 1.2 peer's write protection (RFC 5246 §6.3): the key block from the master secret
/// the driver logs (CLIENT_RANDOM), the client random it logs with it, and the server random of
/// the ServerHello the harness saw go by (observe()). TLS 1.2 has one protected epoch: both
/// sealed chunk kinds use it, its sequence numbers running on from the Finished.
class PeerProtection12 {
 public:
  PeerProtection12(const KeyLog& log, bool peer_is_server)
      : log_(&log), peer_is_server_(peer_is_server) {}

  /// Picks the server random out of a plaintext ServerHello record in `wire_bytes`, and keeps
  /// the first handshake message of the stream when it is a whole ServerHello in the first
  /// handshake record, framed by the harness (`kind` not raw, no raw chunk before): then the
  /// client saw exactly that message first.
  void observe(ChunkKind kind, Bytes wire_bytes) {
    if (kind == raw) framing_known_ = false;
    std::size_t off = 0;
    while (off + 5 <= wire_bytes.size()) {
      const std::size_t length = (std::size_t{wire_bytes[off + 3]} << 8U) | wire_bytes[off + 4];
      const Bytes fragment =
          wire_bytes.subspan(off + 5, std::min(length, wire_bytes.size() - off - 5));
      if (wire_bytes[off] == static_cast<std::uint8_t>(ContentType::handshake)) {
        if (!first_handshake_record_seen_ && framing_known_ && fragment.size() >= 4 &&
            fragment[0] == static_cast<std::uint8_t>(HandshakeType::server_hello)) {
          const std::size_t body =
              (std::size_t{fragment[1]} << 16U) | (std::size_t{fragment[2]} << 8U) | fragment[3];
          if (4 + body <= fragment.size())
            first_server_hello_.assign(fragment.begin(),
                                       fragment.begin() + static_cast<std::ptrdiff_t>(4 + body));
        }
        first_handshake_record_seen_ = true;
        if (fragment.size() >= 38 &&
            fragment[0] == static_cast<std::uint8_t>(HandshakeType::server_hello)) {
          server_random_.assign(fragment.begin() + 6, fragment.begin() + 38);
        }
      }
      off += 5 + length;
    }
  }

  /// The first ServerHello as observe() kept it (empty: unknown).
  [[nodiscard]] const ByteVec& first_server_hello() const noexcept { return first_server_hello_; }

  record::Protection12* get(Epoch /*epoch*/, std::optional<CipherSuite> suite,
                            const crypto::CryptoProvider& provider) {
    if (protection_) return &*protection_;
    const auto params = suite ? tls12::suite12_params(*suite) : std::nullopt;
    const auto master = log_->find("CLIENT_RANDOM");
    const auto client_random = log_->find(kClientRandomEntry);
    if (!params || master == log_->end() || client_random == log_->end() ||
        server_random_.size() != 32) {
      return nullptr;
    }
    auto block =
        tls12::key_block(provider, *params, master->second, client_random->second, server_random_);
    if (!block) return nullptr;
    auto protection = record::Protection12::create(provider, params->aead,
                                                   peer_is_server_ ? block->server : block->client);
    if (!protection) return nullptr;
    protection_ = std::move(*protection);
    return &*protection_;
  }

  /// No KeyUpdate in TLS 1.2.
  void advance_application(const crypto::CryptoProvider& /*provider*/) {}

 private:
  const KeyLog* log_;
  bool peer_is_server_;
  bool framing_known_ = true;
  bool first_handshake_record_seen_ = false;
  ByteVec first_server_hello_;
  ByteVec server_random_;
  std::optional<record::Protection12> protection_;
};

// ---------------------------------------------------------------------------------------------
// Chunks

inline constexpr std::array<ContentType, 4> kChunkTypes{
    ContentType::handshake, ContentType::application_data, ContentType::alert,
    ContentType::change_cipher_spec};
inline constexpr std::array<std::size_t, 8> kPieceSizes{0, 1, 2, 3, 5, 8, 13, 64};

enum Action : std::uint8_t {
  resume = 0,
  write = 1,
  key_update = 2,
  key_update_requested = 3,
  close_notify = 4
};

inline std::uint8_t type_bits(ContentType type) {
  for (std::size_t i = 0; i < kChunkTypes.size(); ++i) {
    if (kChunkTypes[i] == type) return static_cast<std::uint8_t>(i << 2U);
  }
  return 0;
}

inline void append_chunk(ByteVec& input, std::uint8_t control, Bytes payload) {
  input.push_back(control);
  input.push_back(static_cast<std::uint8_t>(payload.size() >> 8U));
  input.push_back(static_cast<std::uint8_t>(payload.size()));
  input.insert(input.end(), payload.begin(), payload.end());
}

inline ByteVec frame_record(ContentType type, Bytes payload) {
  const std::size_t length = std::min(payload.size(), max_plaintext_length);
  ByteVec record{static_cast<std::uint8_t>(type), 0x03, 0x03,
                 static_cast<std::uint8_t>(length >> 8U), static_cast<std::uint8_t>(length)};
  record.insert(record.end(), payload.begin(),
                payload.begin() + static_cast<std::ptrdiff_t>(length));
  return record;
}

// ---------------------------------------------------------------------------------------------
// The two drivers, built the same way by the targets and the recorder

/// What the certificate select function answers: pending `pending` times, then `final_answer`.
struct SelectScript {
  int pending = 0;
  bool choose = true;
  std::shared_ptr<const Identity> identity;

  handshake::CertificateSelection answer() {
    if (pending > 0) {
      --pending;
      return handshake::CertificateSelection::pending();
    }
    if (!choose) return handshake::CertificateSelection::declined();
    return handshake::CertificateSelection::chosen({identity->cert_der}, identity->key);
  }
};

inline handshake::ClientHelloParameters client_parameters() {
  handshake::ClientHelloParameters params;
  params.server_name = "localhost";
  params.alpn_protocols = {"h2", "http/1.1"};
  return params;
}

/// The TLS 1.2 client (native_client_handshake12): every TLS 1.2 suite we implement; config
/// bit 3 set: a TLS 1.2-only hello, else TLS 1.3 and TLS 1.2 are offered.
inline handshake::ClientHelloParameters client12_parameters(std::uint8_t config) {
  handshake::ClientHelloParameters params = client_parameters();
  params.tls12_cipher_suites = {CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
                                CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256,
                                CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
                                CipherSuite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
                                CipherSuite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
                                CipherSuite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256};
  params.offer_tls13 = (config & 8U) == 0;
  return params;
}

inline handshake::ServerParameters server_parameters(std::uint8_t config) {
  handshake::ServerParameters params;
  static constexpr std::array<handshake::ClientAuthMode, 4> auth{
      handshake::ClientAuthMode::none, handshake::ClientAuthMode::optional,
      handshake::ClientAuthMode::required, handshake::ClientAuthMode::optional};
  params.client_auth = auth[(config >> 2U) & 3U];
  switch ((config >> 4U) & 3U) {
    case 1:
      params.cipher_suites = {CipherSuite::tls_aes_256_gcm_sha384};
      break;
    case 2:
      params.cipher_suites = {CipherSuite::tls_chacha20_poly1305_sha256,
                              CipherSuite::tls_aes_128_gcm_sha256};
      break;
    case 3:
      params.cipher_suites = {CipherSuite::tls_aes_128_gcm_sha256};
      break;
    default:
      break;
  }
  if ((config & 0x40U) != 0) params.groups = {NamedGroup::secp256r1, NamedGroup::secp384r1};
  params.alpn = {"h2"};
  params.tickets = 2;
  return params;
}

/// Everything one run needs besides the driver: the environment's state lives here.
struct Harness {
  const crypto::CryptoProvider* provider = nullptr;
  KeyLog log;
  SelectScript select;
};

inline wire::Result<handshake::ClientHandshake> start_client(std::uint8_t config, Harness& h,
                                                             ByteVec& out) {
  h.select.pending = config & 3;
  h.select.choose = (config & 4U) != 0;
  handshake::ClientHandshakeEnvironment env;
  env.provider = h.provider;
  env.verify_chain = [](std::span<const ByteVec>) { return wire::Status{}; };
  env.key_log = key_logger(h.log);
  env.select_client_certificate = [&h](const handshake::CertificateQuery&) {
    return h.select.answer();
  };
  return handshake::ClientHandshake::start(client_parameters(), std::move(env), out);
}

/// start_client() for the TLS 1.2 target: client12_parameters(config).
inline wire::Result<handshake::ClientHandshake> start_client12(std::uint8_t config, Harness& h,
                                                               ByteVec& out) {
  h.select.pending = config & 3;
  h.select.choose = (config & 4U) != 0;
  handshake::ClientHandshakeEnvironment env;
  env.provider = h.provider;
  env.verify_chain = [](std::span<const ByteVec>) { return wire::Status{}; };
  env.key_log = key_logger(h.log);
  env.select_client_certificate = [&h](const handshake::CertificateQuery&) {
    return h.select.answer();
  };
  return handshake::ClientHandshake::start(client12_parameters(config), std::move(env), out);
}

inline handshake::ServerHandshake make_server(std::uint8_t config, Harness& h) {
  h.select.pending = config & 3;
  h.select.choose = (config & 0x80U) == 0;
  handshake::ServerHandshakeEnvironment env;
  env.provider = h.provider;
  env.select_certificate = [&h](const handshake::CertificateQuery&) { return h.select.answer(); };
  env.verify_client_chain = [](std::span<const ByteVec>) { return wire::Status{}; };
  env.key_log = key_logger(h.log);
  return handshake::ServerHandshake(server_parameters(config), std::move(env));
}

inline std::optional<CipherSuite> suite_of(const handshake::ClientHandshake& c) {
  return c.info().cipher_suite;
}
inline std::optional<CipherSuite> suite_of(const handshake::ServerHandshake& s) {
  if (!s.info().negotiated) return std::nullopt;
  return s.info().suite;
}
inline bool is_connected(const handshake::ClientHandshake& c) { return c.handshake_complete(); }
inline bool is_connected(const handshake::ServerHandshake& s) { return s.connected(); }

// ---------------------------------------------------------------------------------------------
// Resumption with early data (native_early_data and its seeds)

/// The ticket key every early-data server seals and opens tickets with.
inline handshake::TicketSealingKey early_ticket_key() {
  handshake::TicketSealingKey key;
  key.name.fill(0x5a);
  key.key = SecretBytes(ByteVec(32, 0xa5));
  return key;
}

/// What the server's resumption and 0-RTT callbacks answer, and what they saw.
struct EarlyScript {
  bool accept_resumption = true;
  bool accept_early_data = true;
  std::size_t early_bytes = 0;  // early data handed to early_data_received
  std::size_t early_calls = 0;
};

/// Ticket keys and the resumption callbacks on a server environment.
inline void add_ticket_environment(handshake::ServerHandshakeEnvironment& env,
                                   EarlyScript& script) {
  env.ticket_sealing_key = []() -> wire::Result<handshake::TicketSealingKey> {
    return early_ticket_key();
  };
  env.ticket_opening_key = [](Bytes name) -> std::optional<handshake::TicketSealingKey> {
    auto key = early_ticket_key();
    if (!std::equal(name.begin(), name.end(), key.name.begin(), key.name.end())) {
      return std::nullopt;
    }
    return key;
  };
  env.ticket_context = [] { return std::vector<std::uint8_t>{'e', 'd'}; };
  env.accept_resumption = [&script](Bytes) { return script.accept_resumption; };
  env.accept_early_data = [&script](Bytes, std::chrono::milliseconds,
                                    std::chrono::system_clock::time_point) {
    return script.accept_early_data;
  };
  env.early_data_received = [&script](Bytes data) {
    script.early_bytes += data.size();
    ++script.early_calls;
  };
}

inline constexpr std::uint32_t kEarlyDataLimit = 1024;

/// The early-data server. config: bit 0 accept_early_data answers no; bit 1 accept_resumption
/// answers no (a full handshake); bit 2 groups secp256r1 only (a HelloRetryRequest for the
/// client's x25519 share, RFC 8446 §4.2.10: 0-RTT rejected); bit 3 max_early_data 16 bytes
/// instead of kEarlyDataLimit; bits 4-5 select_certificate answers pending that many times.
inline handshake::ServerHandshake make_early_server(std::uint8_t config, Harness& h,
                                                    EarlyScript& script) {
  h.select.pending = (config >> 4U) & 3;
  h.select.choose = true;
  script.accept_early_data = (config & 1U) == 0;
  script.accept_resumption = (config & 2U) == 0;
  handshake::ServerHandshakeEnvironment env;
  env.provider = h.provider;
  env.select_certificate = [&h](const handshake::CertificateQuery&) { return h.select.answer(); };
  env.verify_client_chain = [](std::span<const ByteVec>) { return wire::Status{}; };
  env.key_log = key_logger(h.log);
  add_ticket_environment(env, script);
  handshake::ServerParameters params = server_parameters((config & 4U) != 0 ? 0x40 : 0x00);
  params.tickets = 1;
  params.max_early_data = (config & 8U) != 0 ? 16 : kEarlyDataLimit;
  return handshake::ServerHandshake(std::move(params), std::move(env));
}

/// A resumable session with max_early_data, from a full handshake of our client and server (their
/// own deterministic providers), and the first record the resuming client sends with it.
struct EarlyFixture {
  handshake::ClientSessionState session;
  /// The resuming client's ClientHello record (early_client_parameters(), provider kClientSeed).
  ByteVec client_hello_record;
  /// Its CLIENT_EARLY_TRAFFIC_SECRET: the client target's seeds and the server target's peer
  /// seal 0-RTT records under it.
  ByteVec early_secret;
};

inline const ByteVec kEarlyData{'G', 'E', 'T', ' ', '/', 'e', 'a', 'r', 'l', 'y', '\r', '\n'};

inline handshake::ClientHelloParameters early_client_parameters(
    const handshake::ClientSessionState& session) {
  handshake::ClientHelloParameters params = client_parameters();
  params.resumption = session;
  params.early_data = kEarlyData;
  return params;
}

/// The resuming client, config as start_client()'s.
inline wire::Result<handshake::ClientHandshake> start_early_client(
    std::uint8_t config, const handshake::ClientSessionState& session, Harness& h, ByteVec& out) {
  h.select.pending = config & 3;
  h.select.choose = (config & 4U) != 0;
  handshake::ClientHandshakeEnvironment env;
  env.provider = h.provider;
  env.verify_chain = [](std::span<const ByteVec>) { return wire::Status{}; };
  env.key_log = key_logger(h.log);
  env.select_client_certificate = [&h](const handshake::CertificateQuery&) {
    return h.select.answer();
  };
  return handshake::ClientHandshake::start(early_client_parameters(session), std::move(env), out);
}

inline EarlyFixture make_early_fixture() {
  EarlyFixture fixture;
  // The first connection, with providers of its own.
  auto client_provider = make_provider(kClientSeed ^ 0xea41ULL);
  auto server_provider = make_provider(kServerSeed ^ 0xea41ULL);
  Harness client_harness;
  client_harness.provider = client_provider.provider.get();
  Harness server_harness;
  server_harness.provider = server_provider.provider.get();
  server_harness.select.identity =
      std::make_shared<const Identity>(make_identity(*server_provider.provider));
  EarlyScript script;
  std::optional<handshake::ClientSessionState> session;
  handshake::ClientHandshakeEnvironment cenv;
  cenv.provider = client_harness.provider;
  cenv.verify_chain = [](std::span<const ByteVec>) { return wire::Status{}; };
  cenv.session_ticket_received = [&session](const handshake::ClientSessionState& s) {
    if (!session) session = s;
  };
  ByteVec to_server;
  auto client = handshake::ClientHandshake::start(client_parameters(), std::move(cenv), to_server);
  check(client.has_value(), "early fixture: client start");
  auto server = make_early_server(0, server_harness, script);
  ByteVec to_client;
  ByteVec app;
  for (int i = 0; i < 10 && (!to_server.empty() || !to_client.empty()); ++i) {
    ByteVec in = std::move(to_server);
    to_server.clear();
    check(server.receive(in, to_client, app).has_value(), "early fixture: server receive");
    in = std::move(to_client);
    to_client.clear();
    check(client->receive(in, to_server, app).has_value(), "early fixture: client receive");
  }
  check(session.has_value() && session->max_early_data == kEarlyDataLimit,
        "early fixture: no ticket allowing early data");
  fixture.session = *session;
  // The resuming client's first flight, from the provider the targets reset.
  auto provider = make_provider(kClientSeed);
  Harness harness;
  harness.provider = provider.provider.get();
  ByteVec flight;
  auto resuming = start_early_client(0, fixture.session, harness, flight);
  check(resuming.has_value(), "early fixture: resuming client start");
  check(flight.size() >= 5, "early fixture: no ClientHello");
  const std::size_t length = (std::size_t{flight[3]} << 8U) | flight[4];
  fixture.client_hello_record.assign(flight.begin(),
                                     flight.begin() + static_cast<std::ptrdiff_t>(5 + length));
  const auto early = harness.log.find("CLIENT_EARLY_TRAFFIC_SECRET");
  check(early != harness.log.end(), "early fixture: no early traffic secret");
  fixture.early_secret = early->second;
  return fixture;
}

/// The resuming client as the early-data server target's fuzzer plays it: sealed handshake-epoch
/// chunks of application_data, and handshake chunks holding an EndOfEarlyData, go under the
/// client's early traffic keys (RFC 8446 §4.2.10, §4.5); everything else as PeerProtection.
class EarlyPeer {
 public:
  EarlyPeer(const KeyLog& log, ByteVec early_secret, CipherSuite early_suite)
      : inner_(log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"),
        early_secret_(std::move(early_secret)),
        early_suite_(early_suite) {}

  void before_seal(ChunkKind kind, ContentType type, Bytes payload) {
    use_early_ =
        kind == sealed_handshake && (type == ContentType::application_data ||
                                     (type == ContentType::handshake &&
                                      contains_message(payload, HandshakeType::end_of_early_data)));
  }

  record::Protection* get(Epoch epoch, std::optional<CipherSuite> suite,
                          const crypto::CryptoProvider& provider) {
    if (!use_early_) return inner_.get(epoch, suite, provider);
    if (early_) return &*early_;
    const auto params = suite_params(early_suite_);
    if (!params) return nullptr;
    const KeyDerivation kd(provider, params->hash);
    auto keys = kd.traffic_keys(early_secret_, params->aead);
    if (!keys) return nullptr;
    auto protection = record::Protection::create(provider, params->aead, *keys);
    if (!protection) return nullptr;
    early_ = std::move(*protection);
    return &*early_;
  }

  void advance_application(const crypto::CryptoProvider& provider) {
    inner_.advance_application(provider);
  }

 private:
  PeerProtection inner_;
  ByteVec early_secret_;
  CipherSuite early_suite_;
  bool use_early_ = false;
  std::optional<record::Protection> early_;
};

// ---------------------------------------------------------------------------------------------
// Running an input

/// Feeds the chunks of `input` (after the config byte) to `driver`, the peer's protection from
/// `peer`. Returns whether the driver ended connected without a failure.
template <class Driver, class Peer>
bool run_chunks(Driver& driver, Bytes input, Peer& peer, const crypto::CryptoProvider& provider) {
  ByteVec out;
  ByteVec app;
  bool dead = false;
  auto died = [&](const wire::Error& error) {
    dead = true;
    // A failure is final: the alert goes out once, and the driver refuses everything after.
    if (!driver.received_alert()) (void)driver.send_alert(error.alert, out);
    check(!driver.receive(Bytes{}, out, app).has_value(), "receive() after a failure succeeded");
    (void)suite_of(driver);
    (void)driver.waiting_for_certificate();
  };
  std::size_t off = 0;
  while (!dead && off + 3 <= input.size()) {
    const std::uint8_t control = input[off];
    const std::size_t claimed = (std::size_t{input[off + 1]} << 8U) | input[off + 2];
    off += 3;
    const Bytes payload = input.subspan(off, std::min(claimed, input.size() - off));
    off += payload.size();
    out.clear();
    app.clear();

    if ((control & 0x80U) != 0) {
      switch (control & 7U) {
        case Action::write:
          (void)driver.write(payload, out);
          break;
        case Action::key_update:
        case Action::key_update_requested:
          (void)driver.key_update((control & 7U) == Action::key_update_requested, out);
          break;
        case Action::close_notify:
          (void)driver.close_notify(out);
          break;
        default:
          // Not waiting, both drivers treat resume() as a no-op.
          if (auto resumed = driver.resume(out, app); !resumed) {
            died(resumed.error());
          }
          break;
      }
      continue;
    }

    const ContentType type = kChunkTypes[(control >> 2U) & 3U];
    ByteVec wire_bytes;
    const auto kind = static_cast<ChunkKind>(control & 3U);
    decltype(peer.get(Epoch::handshake, std::nullopt, provider)) protection = nullptr;
    // A peer with more than one set of keys per epoch picks by content (the early-data
    // target's 0-RTT keys).
    if constexpr (requires { peer.before_seal(kind, type, payload); }) {
      peer.before_seal(kind, type, payload);
    }
    if (kind == sealed_handshake || kind == sealed_application) {
      protection = peer.get(kind == sealed_handshake ? Epoch::handshake : Epoch::application,
                            suite_of(driver), provider);
    }
    bool sealed_chunk = false;
    if (kind == raw) {
      wire_bytes.assign(payload.begin(), payload.end());
    } else if (protection != nullptr && payload.size() <= protection->max_content_length()) {
      sealed_chunk = true;
      auto sealed = protection->seal(type, payload);
      check(sealed.has_value(), "seal");
      wire_bytes = std::move(*sealed);
      if (kind == sealed_application && type == ContentType::handshake &&
          contains_message(payload, HandshakeType::key_update)) {
        peer.advance_application(provider);
      }
    } else {
      wire_bytes = frame_record(type, payload);
    }
    // A peer that learns from its own plaintext (the TLS 1.2 server random).
    if constexpr (requires { peer.observe(kind, Bytes(wire_bytes)); }) {
      if (!sealed_chunk) peer.observe(kind, wire_bytes);
    }
    (void)sealed_chunk;

    const std::size_t piece = kPieceSizes[(control >> 4U) & 7U];
    const Bytes all(wire_bytes);
    for (std::size_t at = 0; at < all.size() || at == 0; at += piece == 0 ? all.size() : piece) {
      const std::size_t n = piece == 0 ? all.size() : std::min(piece, all.size() - at);
      if (auto received = driver.receive(all.subspan(at, n), out, app); !received) {
        died(received.error());
        break;
      }
      if (all.empty()) break;
    }
  }
  if (dead) return false;
  out.clear();
  app.clear();
  if (driver.waiting_for_certificate()) {
    if (auto resumed = driver.resume(out, app); !resumed) {
      died(resumed.error());
      return false;
    }
  }
  if (!is_connected(driver)) return false;
  const std::array<std::uint8_t, 5> data{'h', 'e', 'l', 'l', 'o'};
  (void)driver.write(data, out);
  (void)driver.key_update(true, out);
  (void)driver.close_notify(out);
  return true;
}

}  // namespace sanstls::fuzz::native_peer

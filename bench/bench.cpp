// SPDX-License-Identifier: Apache-2.0 OR MIT
// The benchmark run: hardware ceiling, handshakes, bulk, memory, threads; then the ratios.

#include "bench.hpp"

#include <sanstls/testing/certificate_authority.hpp>

#include "drivers.hpp"
#include "hostile.hpp"
#include "native/crypto/mlkem768.hpp"
#include "scale.hpp"
#include "x509_validation.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <malloc.h>
#include <map>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>

namespace sanstls::bench {

std::int64_t thread_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

std::int64_t process_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

namespace {

using nlohmann::json;

struct Settings {
  int repetitions = 5;
  double handshake_seconds = 1.0;  // CPU seconds per handshake measurement
  std::size_t bulk_bytes = 256u << 20;
  std::size_t write_size = 16 * 1024;
  /// The small-write row: 1 KiB writes (a quarter of bulk_bytes / aead_bytes each).
  std::size_t small_write_size = 1024;
  int memory_connections = 1000;
  /// Established idle native sessions (client + server pairs) kept at once, made on 2 threads.
  int scale_connections = 100000;
  int memory_repetitions = 3;
  double thread_seconds = 1.0;  // wall seconds per thread measurement
  double op_seconds = 0.5;      // CPU seconds per primitive measurement
  std::size_t aead_bytes = 256u << 20;
};

Settings settings_for(Mode mode) {
  Settings s;
  if (mode == Mode::quick) {
    s.repetitions = 3;
    s.handshake_seconds = 0.4;
    s.bulk_bytes = 32u << 20;
    s.memory_connections = 1000;
    s.scale_connections = 5000;
    s.memory_repetitions = 1;
    s.thread_seconds = 0.4;
    s.op_seconds = 0.2;
    s.aead_bytes = 32u << 20;
  } else if (mode == Mode::smoke) {
    s.repetitions = 1;
    s.handshake_seconds = 0.02;
    s.bulk_bytes = 256u << 10;
    s.memory_connections = 10;
    s.scale_connections = 100;
    s.memory_repetitions = 1;
    s.thread_seconds = 0.02;
    s.op_seconds = 0.01;
    s.aead_bytes = 256u << 10;
  }
  return s;
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::quick:
      return "quick";
    case Mode::smoke:
      return "smoke";
    case Mode::full:
      break;
  }
  return "full";
}

/// median, min, max of samples.
json stat(std::vector<double> samples, std::string_view unit) {
  json out{{"unit", unit}, {"samples", samples}};
  if (samples.empty()) {
    out["median"] = nullptr;
    out["min"] = nullptr;
    out["max"] = nullptr;
    return out;
  }
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  const double median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  out["median"] = median;
  out["min"] = samples.front();
  out["max"] = samples.back();
  return out;
}

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

// ---------------------------------------------------------------------------------------------
// The hardware ceiling: libcrypto primitives.

struct Aead {
  const char* label;
  const char* evp_name;
  CipherSuite suite;
};
constexpr Aead kAeads[] = {
    {"AES-128-GCM", "AES-128-GCM", CipherSuite::tls_aes_128_gcm_sha256},
    {"AES-256-GCM", "AES-256-GCM", CipherSuite::tls_aes_256_gcm_sha384},
    {"ChaCha20-Poly1305", "ChaCha20-Poly1305", CipherSuite::tls_chacha20_poly1305_sha256},
};

}  // namespace

/// Seals (and optionally opens) `total` bytes in records of `content` bytes, as TLS 1.3 does:
/// a fresh nonce per record, 5 bytes of additional data, a 16-byte tag. Returns MB/s of CPU.
/// `trailer` more bytes are sealed with each record but not counted in the rate: 1 measures
/// the AEAD over a TLS 1.3 TLSInnerPlaintext (RFC 8446 §5.2: the content, then its content type
/// byte), which is what a TLS 1.3 record of `record` content bytes must seal.
/// The nonce is set the cheapest way libcrypto offers, as the native engine sets it
/// (LibcryptoAead::set_nonce): AES-GCM takes the whole 12-byte IV through
/// EVP_CTRL_AEAD_SET_IV_FIXED with length -1 (no parameter lookup of the IV length, which
/// EVP_*Init_ex2 does per record and which cost ~6 % at 1 KiB); ChaCha20-Poly1305 has no such
/// control and keeps EVP_*Init_ex2. A dearer reference would flatter the TLS / raw ratio.
std::optional<double> aead_rate(const char* evp_name, std::size_t content, std::size_t total,
                                bool open, std::size_t trailer) {
  const std::size_t record = content + trailer;  // the bytes sealed per record
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, evp_name, nullptr);
  EVP_CIPHER_CTX* seal = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* unseal = EVP_CIPHER_CTX_new();
  std::vector<unsigned char> key(32, 0x42);
  std::vector<unsigned char> nonce(12, 0x07);
  std::vector<unsigned char> plain(record, 0x61);
  std::vector<unsigned char> sealed(record + 16);
  std::vector<unsigned char> opened(record + 16);
  const unsigned char aad[5] = {0x17, 0x03, 0x03, 0x40, 0x11};
  unsigned char tag[16] = {};
  bool ok = cipher != nullptr && seal != nullptr && unseal != nullptr &&
            EVP_EncryptInit_ex2(seal, cipher, key.data(), nullptr, nullptr) == 1 &&
            EVP_DecryptInit_ex2(unseal, cipher, key.data(), nullptr, nullptr) == 1;
  const bool gcm = cipher != nullptr && EVP_CIPHER_get_mode(cipher) == EVP_CIPH_GCM_MODE;
  const auto set_nonce = [&](EVP_CIPHER_CTX* ctx, bool encrypt) {
    if (gcm) {
      return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IV_FIXED, -1, nonce.data()) == 1;
    }
    return (encrypt ? EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr)
                    : EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr)) == 1;
  };
  const std::size_t count = std::max<std::size_t>(1, total / content);
  const std::int64_t start = thread_cpu_ns();
  for (std::size_t i = 0; ok && i < count; ++i) {
    nonce[11] = static_cast<unsigned char>(i);
    int length = 0;
    int final_length = 0;
    ok = set_nonce(seal, /*encrypt=*/true) &&
         EVP_EncryptUpdate(seal, nullptr, &length, aad, sizeof aad) == 1 &&
         EVP_EncryptUpdate(seal, sealed.data(), &length, plain.data(),
                           static_cast<int>(plain.size())) == 1 &&
         EVP_EncryptFinal_ex(seal, sealed.data() + length, &final_length) == 1 &&
         EVP_CIPHER_CTX_ctrl(seal, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
    if (ok && open) {
      ok = set_nonce(unseal, /*encrypt=*/false) &&
           EVP_DecryptUpdate(unseal, nullptr, &length, aad, sizeof aad) == 1 &&
           EVP_DecryptUpdate(unseal, opened.data(), &length, sealed.data(),
                             static_cast<int>(record)) == 1 &&
           EVP_CIPHER_CTX_ctrl(unseal, EVP_CTRL_AEAD_SET_TAG, 16, tag) == 1 &&
           EVP_DecryptFinal_ex(unseal, opened.data() + length, &final_length) == 1;
    }
  }
  const std::int64_t spent = thread_cpu_ns() - start;
  EVP_CIPHER_CTX_free(seal);
  EVP_CIPHER_CTX_free(unseal);
  EVP_CIPHER_free(cipher);
  if (!ok) {
    return std::nullopt;
  }
  return static_cast<double>(count * content) / 1e6 / seconds(spent);
}

namespace {

EVP_PKEY* generate(const char* type, int rsa_bits = 0) {
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  if (ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1) {
    if (std::string_view{type} == "EC") {
      EVP_PKEY_CTX_set_group_name(ctx, "P-256");
    } else if (rsa_bits != 0) {
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, rsa_bits);
    }
    EVP_PKEY_generate(ctx, &key);
  }
  EVP_PKEY_CTX_free(ctx);
  return key;
}

/// Runs `op` until `budget` CPU seconds have passed; operations per CPU second, or nullopt.
template <class Op>
std::optional<double> op_rate(double budget, Op&& op) {
  const std::int64_t start = thread_cpu_ns();
  std::int64_t spent = 0;
  std::size_t count = 0;
  do {
    for (int i = 0; i < 8; ++i) {
      if (!op()) {
        return std::nullopt;
      }
      ++count;
    }
    spent = thread_cpu_ns() - start;
  } while (seconds(spent) < budget);
  return static_cast<double>(count) / seconds(spent);
}

bool sign_once(EVP_PKEY* key, bool pss, std::vector<unsigned char>& signature) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const unsigned char message[130] = {0x20};
  std::size_t length = signature.size();
  bool ok = EVP_DigestSignInit_ex(md, &pctx, "SHA256", nullptr, nullptr, key, nullptr) == 1 &&
            (!pss || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1) &&
            EVP_DigestSign(md, signature.data(), &length, message, sizeof message) == 1;
  signature.resize(length);
  EVP_MD_CTX_free(md);
  return ok;
}

bool verify_once(EVP_PKEY* key, bool pss, const std::vector<unsigned char>& signature) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const unsigned char message[130] = {0x20};
  bool ok = EVP_DigestVerifyInit_ex(md, &pctx, "SHA256", nullptr, nullptr, key, nullptr) == 1 &&
            (!pss || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1) &&
            EVP_DigestVerify(md, signature.data(), signature.size(), message, sizeof message) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

/// The crypto floor of one handshake from the public-key operations' rates (ops per CPU second,
/// by the names measure_hardware uses). A full TLS 1.3 handshake (X25519, chain leaf <-
/// intermediate <- root of one key type): each side one key generation and one derivation; the
/// server one signature (CertificateVerify); the client three verifications (CertificateVerify,
/// the leaf's and the intermediate's signatures). Hash and key-schedule work is left out. A TLS
/// 1.2 ECDHE handshake makes the same operations (ServerKeyExchange's signature instead of
/// CertificateVerify's). A resumed TLS 1.3 handshake (psk_dhe_ke) does no signature work: its
/// floor is the X25519 key exchange alone.
json floor_from(const std::map<std::string, double>& rates) {
  auto per = [&](const char* name) {
    const auto rate = rates.find(name);
    return rate != rates.end() && rate->second > 0 ? 1.0 / rate->second : 0.0;
  };
  const double key_exchange = per("x25519_keygen") + per("x25519_derive");
  json floor;
  for (const auto& [label, sign, verify] :
       {std::tuple{"ecdsa_p256", "ecdsa_p256_sign", "ecdsa_p256_verify"},
        std::tuple{"rsa_2048", "rsa2048_sign", "rsa2048_verify"}}) {
    const double server = key_exchange + per(sign);
    const double client = key_exchange + 3 * per(verify);
    floor[label] = {{"client", 1.0 / client},
                    {"server", 1.0 / server},
                    {"total", 1.0 / (client + server)},
                    {"unit", "handshakes/s"}};
  }
  floor["resumed"] = {{"client", 1.0 / key_exchange},
                      {"server", 1.0 / key_exchange},
                      {"total", 1.0 / (2 * key_exchange)},
                      {"unit", "handshakes/s"}};
  return floor;
}

/// The floor's public-key operations, measured again after every repetition of each handshake
/// section (as the raw AEAD is between bulk repetitions), so that each handshakes / crypto floor
/// ratio divides by figures taken while its handshakes were: the floor measured at the start of
/// a run is minutes and, on this VM, tens of percent away, and so is one section from the next.
/// Keys are made once.
class FloorProbe {
 public:
  FloorProbe()
      : peer_(generate("X25519")),
        own_(generate("X25519")),
        ecdsa_(generate("EC")),
        rsa_(generate("RSA", 2048)) {
    ready_ = peer_ != nullptr && own_ != nullptr && ecdsa_ != nullptr && rsa_ != nullptr &&
             sign_once(ecdsa_, false, ecdsa_signature_) && sign_once(rsa_, true, rsa_signature_);
  }
  ~FloorProbe() {
    for (EVP_PKEY* key : {peer_, own_, ecdsa_, rsa_}) EVP_PKEY_free(key);
  }
  FloorProbe(const FloorProbe&) = delete;
  FloorProbe& operator=(const FloorProbe&) = delete;

  [[nodiscard]] bool ready() const { return ready_; }

  /// The floor's six operations by name (measure_hardware's too), each doing one operation.
  [[nodiscard]] std::vector<std::pair<const char*, std::function<bool()>>> operations() const {
    return {
        {"x25519_keygen",
         [] {
           EVP_PKEY* key = generate("X25519");
           EVP_PKEY_free(key);
           return key != nullptr;
         }},
        {"x25519_derive", [this] { return derive_once(); }},
        {"ecdsa_p256_sign",
         [this] {
           std::vector<unsigned char> signature(256);
           return sign_once(ecdsa_, false, signature);
         }},
        {"ecdsa_p256_verify", [this] { return verify_once(ecdsa_, false, ecdsa_signature_); }},
        {"rsa2048_sign",
         [this] {
           std::vector<unsigned char> signature(512);
           return sign_once(rsa_, true, signature);
         }},
        {"rsa2048_verify", [this] { return verify_once(rsa_, true, rsa_signature_); }},
    };
  }

  /// One rate of each operation, `budget` CPU seconds each, for `section`.
  void sample(double budget, const std::string& section) {
    if (!ready_) return;
    for (const auto& [name, op] : operations()) {
      if (auto rate = op_rate(budget, op)) samples_[section][name].push_back(*rate);
    }
  }

  /// Per section, the floor from that section's samples' medians; null before any sample.
  [[nodiscard]] json floors() const {
    if (samples_.empty()) return nullptr;
    json out;
    for (const auto& [section, by_op] : samples_) {
      std::map<std::string, double> medians;
      for (const auto& [name, rates] : by_op) {
        medians[name] = stat(rates, "ops/s")["median"].get<double>();
      }
      out[section] = floor_from(medians);
      out[section]["samples"] = by_op.begin()->second.size();
    }
    return out;
  }

 private:
  bool derive_once() const {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(own_, nullptr);
    unsigned char secret[32];
    std::size_t length = sizeof secret;
    const bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx) == 1 &&
                    EVP_PKEY_derive_set_peer(ctx, peer_) == 1 &&
                    EVP_PKEY_derive(ctx, secret, &length) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
  }

  EVP_PKEY* peer_;
  EVP_PKEY* own_;
  EVP_PKEY* ecdsa_;
  EVP_PKEY* rsa_;
  std::vector<unsigned char> ecdsa_signature_ = std::vector<unsigned char>(256);
  std::vector<unsigned char> rsa_signature_ = std::vector<unsigned char>(512);
  /// Rates by section, then by operation.
  std::map<std::string, std::map<std::string, std::vector<double>>> samples_;
  bool ready_ = false;
};

/// The FloorProbe section of a handshake row: "full_ecdsa_p256", "tls12_rsa_2048", "resumed".
std::string floor_section(std::string_view certificate, bool resumed, bool tls12) {
  if (resumed) return "resumed";
  return fmt::format("{}_{}", tls12 ? "tls12" : "full", certificate);
}

json measure_hardware(const Settings& s, const Progress& progress, json& errors) {
  json out;
  json aeads = json::array();
  for (const std::size_t record : {s.write_size, s.small_write_size})
    for (const Aead& aead : kAeads) {
      const std::size_t bytes = record == s.write_size ? s.aead_bytes : s.aead_bytes / 4;
      std::vector<double> seal;
      std::vector<double> seal_open;
      for (int r = 0; r < s.repetitions; ++r) {
        if (auto rate = aead_rate(aead.evp_name, record, bytes, false)) {
          seal.push_back(*rate);
        }
        if (auto rate = aead_rate(aead.evp_name, record, bytes, true)) {
          seal_open.push_back(*rate);
        }
      }
      if (seal.empty() || seal_open.empty()) {
        errors.push_back(fmt::format("hardware: {} through EVP failed", aead.label));
      }
      progress(fmt::format("hardware: {} seal ({} B records) {:.0f} MB/s", aead.label, record,
                           seal.empty() ? 0.0 : seal.front()));
      aeads.push_back({{"cipher", aead.label},
                       {"record_bytes", record},
                       {"bytes", bytes},
                       {"seal", stat(seal, "MB/s")},
                       {"seal_open", stat(seal_open, "MB/s")}});
    }
  out["aead"] = aeads;

  // The crypto floor's operations (FloorProbe), then ML-KEM-768's.
  const FloorProbe probe;
  if (!probe.ready()) {
    errors.push_back("hardware: key generation failed");
    return out;
  }
  struct Op {
    const char* name;
    std::function<bool()> run;
  };
  std::vector<Op> ops;
  for (auto& [name, run] : probe.operations()) ops.push_back({name, std::move(run)});
  // ML-KEM-768 is the native engine's own code (src/native/crypto/mlkem768.cpp), with SHA-3 from
  // libcrypto: not a libcrypto ceiling, but the raw cost of the hybrid group's KEM half.
  auto sha3 = native::crypto::mlkem768::Sha3::fetch(nullptr);
  std::vector<std::uint8_t> seed(native::crypto::mlkem768::seed_length, 0x5a);
  std::vector<std::uint8_t> m(native::crypto::mlkem768::randomness_length, 0xa5);
  std::optional<native::crypto::mlkem768::KeyPair> mlkem_keys;
  std::optional<native::crypto::mlkem768::Encapsulation> mlkem_ciphertext;
  if (sha3) {
    if (auto keys = native::crypto::mlkem768::generate_from_seed(*sha3, seed)) {
      mlkem_keys.emplace(std::move(*keys));
      if (auto enc =
              native::crypto::mlkem768::encapsulate(*sha3, mlkem_keys->encapsulation_key, m)) {
        mlkem_ciphertext.emplace(std::move(*enc));
      }
    }
  }
  if (mlkem_ciphertext) {
    ops.push_back({"mlkem768_keygen", [&] {
                     seed[0] = static_cast<std::uint8_t>(seed[0] + 1);
                     return native::crypto::mlkem768::generate_from_seed(*sha3, seed).has_value();
                   }});
    ops.push_back({"mlkem768_encaps", [&] {
                     return native::crypto::mlkem768::encapsulate(*sha3,
                                                                  mlkem_keys->encapsulation_key, m)
                         .has_value();
                   }});
    ops.push_back({"mlkem768_decaps", [&] {
                     return native::crypto::mlkem768::decapsulate(
                                *sha3, mlkem_keys->decapsulation_key.span(),
                                mlkem_ciphertext->ciphertext)
                         .has_value();
                   }});
  } else {
    errors.push_back("hardware: ML-KEM-768 setup failed");
  }
  json operations;
  std::map<std::string, double> medians;
  for (const Op& op : ops) {
    std::vector<double> rates;
    for (int r = 0; r < s.repetitions; ++r) {
      if (auto rate = op_rate(s.op_seconds, op.run)) {
        rates.push_back(*rate);
      }
    }
    if (rates.empty()) {
      errors.push_back(fmt::format("hardware: {} failed", op.name));
    }
    operations[op.name] = stat(rates, "ops/s");
    if (!rates.empty()) {
      medians[op.name] = operations[op.name]["median"].get<double>();
    }
    progress(fmt::format("hardware: {} {:.0f}/s", op.name, rates.empty() ? 0.0 : rates.front()));
  }
  out["operations"] = operations;

  out["handshake_floor"] = floor_from(medians);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Credentials.

std::optional<Credentials> make_credentials(testing::KeyAlgorithm key, std::string label,
                                            json& errors) {
  testing::CaOptions root_options;
  root_options.common_name = "sanstls bench root";
  root_options.key = key;
  auto root = testing::CertificateAuthority::create(root_options);
  if (!root) {
    errors.push_back(fmt::format("credentials: {}", root.error().to_string()));
    return std::nullopt;
  }
  testing::CaOptions intermediate_options;
  intermediate_options.common_name = "sanstls bench intermediate";
  intermediate_options.key = key;
  auto intermediate = root->issue_intermediate(intermediate_options);
  if (!intermediate) {
    errors.push_back(fmt::format("credentials: {}", intermediate.error().to_string()));
    return std::nullopt;
  }
  testing::LeafOptions leaf;
  leaf.names = {kHostname};
  leaf.key = key;
  auto parts = intermediate->issue_leaf_parts(leaf);
  if (!parts) {
    errors.push_back("credentials: cannot issue the leaf");
    return std::nullopt;
  }
  auto made = CertificateChain::create(parts->certificates, parts->key);
  if (!made) {
    errors.push_back(fmt::format("credentials: {}", made.error().to_string()));
    return std::nullopt;
  }
  return Credentials{std::move(label),          std::move(*made), root->trust_store(),
                     parts->certificates_pem(), parts->key_pem(), root->certificate_pem()};
}

// ---------------------------------------------------------------------------------------------
// Measurements of one implementation.

struct Context {
  const Settings& s;
  const Progress& progress;
  json& errors;
  /// When set, measure_handshakes samples the crypto floor after every repetition.
  FloorProbe* floor_probe = nullptr;
  int step = 0;
  int steps = 0;
  void report(const std::string& what) {
    ++step;
    progress(fmt::format("[{}/{}] {}", step, steps, what));
  }
};

/// The handshake figures of one implementation and one credential kind, filled one repetition
/// at a time.
struct HandshakeSeries {
  const Implementation* impl = nullptr;
  std::unique_ptr<Setup> setup;
  std::vector<double> client;
  std::vector<double> server;
  std::vector<double> total;
  bool failed = false;
};

/// Makes the setup and warms it up (3 handshakes, not measured).
HandshakeSeries prepare_handshakes(Context& c, const Implementation& impl,
                                   const Credentials& credentials, bool resumed,
                                   CipherSuite suite) {
  HandshakeSeries series;
  series.impl = &impl;
  if (resumed && !impl.make_resumed_setup) {
    series.failed = true;  // not measured (the implementation does not resume): null figures
    return series;
  }
  series.setup = (resumed ? impl.make_resumed_setup : impl.make_setup)(credentials, suite);
  if (!series.setup->error.empty()) {
    c.errors.push_back(fmt::format("{}: {}", impl.name, series.setup->error));
    series.failed = true;
    return series;
  }
  for (int warm = 0; warm < 3; ++warm) {
    auto connection = series.setup->connect(nullptr);
    if (!connection || !connection->handshake(nullptr)) {
      c.errors.push_back(fmt::format("{} handshake ({}): {}", impl.name, credentials.label,
                                     connection ? connection->error : series.setup->error));
      series.failed = true;
      return series;
    }
  }
  return series;
}

/// One repetition: handshakes until handshake_seconds of CPU time were spent, in two halves.
/// 'together' comes from the first, which reads no per-side clock: reading the thread CPU clock
/// is a system call (3.3 us each on this VM, a dozen per handshake), which would be counted as
/// the handshake's own time. The per-side split comes from the second half, with the clocks.
void measure_handshake_repetition(Context& c, HandshakeSeries& series) {
  if (series.failed) return;
  const auto run = [&](SideTimes* times, std::size_t& count) -> std::int64_t {
    const std::int64_t start = thread_cpu_ns();
    std::int64_t spent = 0;
    do {
      auto connection = series.setup->connect(times);
      if (!connection || !connection->handshake(times)) {
        c.errors.push_back(fmt::format("{} handshake: {}", series.impl->name,
                                       connection ? connection->error : series.setup->error));
        series.failed = true;
        return 0;
      }
      ++count;
      connection.reset();
      spent = thread_cpu_ns() - start;
    } while (seconds(spent) < c.s.handshake_seconds / 2 || count < 2);
    return spent;
  };
  std::size_t together = 0;
  const std::int64_t spent = run(nullptr, together);
  if (series.failed) return;
  SideTimes times;
  std::size_t split = 0;
  run(&times, split);
  if (series.failed) return;
  const auto n = static_cast<double>(split);
  series.client.push_back(n / seconds(times.client_ns));
  series.server.push_back(n / seconds(times.server_ns));
  series.total.push_back(static_cast<double>(together) / seconds(spent));
}

/// Full handshakes of every implementation with one credential kind. The repetitions are
/// interleaved (A B C, A B C, ...): a shared machine's speed drifts over seconds, and measuring
/// all of A before all of B turned that drift into ±25% differences between implementations
/// that execute the same instructions (callgrind: sanstls/openssl within 1% of raw OpenSSL).
/// A TLS 1.2 `suite` measures TLS 1.2 handshakes (every implementation capped at TLS 1.2).
std::vector<json> measure_handshakes(Context& c, const std::vector<Implementation>& implementations,
                                     const Credentials& credentials, bool resumed = false,
                                     CipherSuite suite = CipherSuite::tls_aes_128_gcm_sha256) {
  std::vector<HandshakeSeries> all;
  all.reserve(implementations.size());
  for (const auto& impl : implementations) {
    all.push_back(prepare_handshakes(c, impl, credentials, resumed, suite));
  }
  for (int r = 0; r < c.s.repetitions; ++r) {
    for (auto& series : all) {
      measure_handshake_repetition(c, series);
    }
    if (c.floor_probe != nullptr) {
      c.floor_probe->sample(c.s.op_seconds / 2,
                            floor_section(credentials.label, resumed,
                                          cipher_suite_version(suite) == ProtocolVersion::tls12));
    }
  }
  std::vector<json> out;
  for (auto& series : all) {
    if (series.failed) {
      out.emplace_back();  // null, as for any figure that could not be measured
      continue;
    }
    json figures{{"client", stat(series.client, "handshakes/s")},
                 {"server", stat(series.server, "handshakes/s")},
                 {"total", stat(series.total, "handshakes/s")}};
    c.report(fmt::format("{}: {} handshakes, {} server certificate: {:.0f}/s", series.impl->name,
                         resumed ? "resumed (TLS 1.3 psk_dhe_ke)"
                         : cipher_suite_version(suite) == ProtocolVersion::tls12 ? "TLS 1.2 full"
                                                                                 : "full",
                         credentials.label, figures["total"]["median"].get<double>()));
    out.push_back(std::move(figures));
  }
  return out;
}

/// Hostile hellos (issue 12): the server CPU time of one receive_data() that carries a whole
/// hostile ClientHello, fresh session each time, every engine (raw libraries: null). The
/// repetitions are interleaved across engines as for handshakes. Each figure is the mean of
/// `sessions` calls, in ms; the outcome ("answered" or the error) is kept as evidence that the
/// engine parsed the hello rather than stopping at its first bytes.
std::vector<json> measure_hostile_hellos(Context& c,
                                         const std::vector<Implementation>& implementations,
                                         const Credentials& credentials) {
  const std::vector<HostileHello> hellos = hostile_hellos();
  const int sessions = c.s.repetitions == 1 ? 1 : 50;
  struct Series {
    std::optional<ServerTLS> server;
    std::map<std::string, std::vector<double>> ms;
    std::map<std::string, std::string> outcome;
  };
  std::vector<Series> all(implementations.size());
  for (std::size_t i = 0; i < implementations.size(); ++i) {
    if (implementations[i].kind != "engine") continue;
    for (const auto& engine : backends()) {
      if (backend_name(engine.backend) == implementations[i].library) {
        all[i].server.emplace(credentials.chain, ServerOptions{.backend = engine.backend});
      }
    }
  }
  SessionCallbacks callbacks;
  callbacks.write = [](std::span<const std::byte>) {};
  for (int r = 0; r < c.s.repetitions; ++r) {
    for (auto& series : all) {
      if (!series.server) continue;
      for (const HostileHello& hello : hellos) {
        std::int64_t spent = 0;
        for (int k = 0; k < sessions; ++k) {
          auto session = series.server->start(callbacks);
          if (!session) {
            series.outcome[hello.label] = session.error().to_string();
            break;
          }
          std::vector<std::byte> data;
          const std::int64_t start = thread_cpu_ns();
          auto received = session->receive_data(hello.records, data);
          spent += thread_cpu_ns() - start;
          series.outcome[hello.label] = received ? "answered" : received.error().to_string();
        }
        series.ms[hello.label].push_back(static_cast<double>(spent) / 1e6 / sessions);
      }
    }
  }
  std::vector<json> out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!all[i].server) {
      out.emplace_back();
      continue;
    }
    json figures = json::object();
    for (const HostileHello& hello : hellos) {
      figures[hello.label] = stat(all[i].ms[hello.label], "ms");
      figures[hello.label]["outcome"] = all[i].outcome[hello.label];
    }
    c.report(
        fmt::format("{}: hostile hellos: {:.2f} ms (16,000 extensions), {:.2f} ms (6,500 "
                    "key shares)",
                    implementations[i].name, figures["many_extensions"]["median"].get<double>(),
                    figures["many_key_shares"]["median"].get<double>()));
    out.push_back(std::move(figures));
  }
  return out;
}

std::optional<double> median_at(const json& node, const std::vector<std::string>& path);

/// The native engine's full handshakes with X25519MLKEM768 against X25519 (ECDSA chain),
/// interleaved like every handshake series; null when the native engine is not measured.
json measure_native_groups(Context& c, const std::vector<Implementation>& implementations,
                           const Credentials& credentials) {
  const bool native = std::any_of(implementations.begin(), implementations.end(),
                                  [](const Implementation& i) { return i.library == "native"; });
  if (!native) return nullptr;
  const std::vector<Implementation> pair = {
      sanstls_implementation(Backend::native, NamedGroup::x25519),
      sanstls_implementation(Backend::native, NamedGroup::x25519mlkem768)};
  // The floor is sampled with the main handshake rows, not here.
  FloorProbe* const probe = std::exchange(c.floor_probe, nullptr);
  const std::vector<json> figures = measure_handshakes(c, pair, credentials);
  c.floor_probe = probe;
  json out{
      {"certificate", credentials.label}, {"x25519", figures[0]}, {"x25519mlkem768", figures[1]}};
  const auto x25519 = median_at(figures[0], {"total"});
  const auto hybrid = median_at(figures[1], {"total"});
  if (x25519 && hybrid && *hybrid > 0) {
    out["cost_ratio"] = *x25519 / *hybrid;  // how many X25519 handshakes per hybrid one
  } else {
    out["cost_ratio"] = nullptr;
  }
  return out;
}

/// One implementation's transfers of one cipher in one direction, filled one repetition at a
/// time.
struct BulkSeries {
  const Implementation* impl = nullptr;
  std::unique_ptr<Setup> setup;
  std::unique_ptr<Connection> connection;
  std::vector<double> total;
  /// sanstls engines: 'total' again, receiving into a std::vector instead of a caller-owned
  /// buffer (Connection::receive_into_vector).
  std::vector<double> total_into_vector;
  std::vector<double> sender;
  std::vector<double> receiver;
  bool failed = false;
};

/// The raw AEAD reference measured inside the bulk rows' repetitions: seal+open MB/s samples
/// by (cipher label, record bytes).
/// The raw AEAD references measured between the bulk rows, by cipher and write size (MB/s of
/// content): over the content alone, the reference of the issue-20 ratios, and over the
/// TLSInnerPlaintext a TLS 1.3 record of that content seals (one content type byte more), the
/// most any TLS 1.3 implementation on this libcrypto could reach.
struct InterleavedAead {
  std::map<std::pair<std::string, std::size_t>, std::vector<double>> content;
  std::map<std::pair<std::string, std::size_t>, std::vector<double>> inner_plaintext;
};

/// Bulk throughput of every implementation, 16 KiB and 1 KiB writes, each cipher and direction.
/// As for handshakes, the repetitions are interleaved across implementations so that the
/// machine's drift cancels out of the ratios; each repetition also runs the raw AEAD reference
/// over the same bytes in the same records (into `raw_aead`), so that the TLS / raw AEAD ratios
/// compare figures taken minutes apart no more (this VM's speed drifts by up to 40 % between
/// the hardware ceiling at the start and the bulk rows). Returns one figure array per
/// implementation.
std::vector<json> measure_bulk(Context& c, const std::vector<Implementation>& implementations,
                               const Credentials& credentials, InterleavedAead& raw_aead) {
  std::vector<json> out(implementations.size(), json::array());
  for (const std::size_t write_size : {c.s.write_size, c.s.small_write_size}) {
    std::vector<std::byte> chunk(write_size, std::byte{0x61});
    const std::size_t bytes = write_size == c.s.write_size ? c.s.bulk_bytes : c.s.bulk_bytes / 4;
    const std::size_t count = std::max<std::size_t>(1, bytes / write_size);
    // The per-side split runs a quarter as many writes, with the per-side clocks (see below).
    const std::size_t split_count = std::max<std::size_t>(1, count / 4);
    const double megabytes = static_cast<double>(count * chunk.size()) / 1e6;
    const double split_megabytes = static_cast<double>(split_count * chunk.size()) / 1e6;
    for (const Aead& aead : kAeads) {
      for (const bool client_to_server : {true, false}) {
        std::vector<BulkSeries> all(implementations.size());
        for (std::size_t i = 0; i < implementations.size(); ++i) {
          BulkSeries& series = all[i];
          series.impl = &implementations[i];
          series.setup = series.impl->make_setup(credentials, aead.suite);
          if (!series.setup->error.empty()) {
            c.errors.push_back(fmt::format("{}: {}", series.impl->name, series.setup->error));
            series.failed = true;
            continue;
          }
          series.connection = series.setup->connect(nullptr);
          if (!series.connection || !series.connection->handshake(nullptr)) {
            c.errors.push_back(
                fmt::format("{} bulk handshake: {}", series.impl->name,
                            series.connection ? series.connection->error : series.setup->error));
            series.failed = true;
            continue;
          }
          // Warm-up: a few records.
          series.connection->transfer(client_to_server, chunk, 16, nullptr);
        }
        for (int r = 0; r < c.s.repetitions; ++r) {
          for (BulkSeries& series : all) {
            if (series.failed) continue;
            // 'total' from a run without per-side clocks: reading the thread CPU clock is a
            // system call (3.3 us on this VM), four per write, more than a 16 KiB record costs.
            const std::int64_t start = thread_cpu_ns();
            if (!series.connection->transfer(client_to_server, chunk, count, nullptr)) {
              c.errors.push_back(
                  fmt::format("{} bulk: {}", series.impl->name, series.connection->error));
              series.failed = true;
              continue;
            }
            const std::int64_t spent = thread_cpu_ns() - start;
            series.total.push_back(megabytes / seconds(spent));
            if (series.connection->receive_into_vector(true)) {
              const std::int64_t vector_start = thread_cpu_ns();
              const bool ok = series.connection->transfer(client_to_server, chunk, count, nullptr);
              const std::int64_t vector_spent = thread_cpu_ns() - vector_start;
              series.connection->receive_into_vector(false);
              if (!ok) {
                c.errors.push_back(
                    fmt::format("{} bulk: {}", series.impl->name, series.connection->error));
                series.failed = true;
                continue;
              }
              series.total_into_vector.push_back(megabytes / seconds(vector_spent));
            }
            SideTimes times;
            if (!series.connection->transfer(client_to_server, chunk, split_count, &times)) {
              c.errors.push_back(
                  fmt::format("{} bulk: {}", series.impl->name, series.connection->error));
              series.failed = true;
              continue;
            }
            const auto send_ns = client_to_server ? times.client_ns : times.server_ns;
            const auto receive_ns = client_to_server ? times.server_ns : times.client_ns;
            series.sender.push_back(split_megabytes / seconds(send_ns));
            series.receiver.push_back(split_megabytes / seconds(receive_ns));
          }
          if (auto rate = aead_rate(aead.evp_name, write_size, count * write_size, true)) {
            raw_aead.content[{aead.label, write_size}].push_back(*rate);
          }
          if (auto rate = aead_rate(aead.evp_name, write_size, count * write_size, true,
                                    /*trailer=*/1)) {
            raw_aead.inner_plaintext[{aead.label, write_size}].push_back(*rate);
          }
        }
        for (std::size_t i = 0; i < all.size(); ++i) {
          const BulkSeries& series = all[i];
          if (series.total.empty() || series.sender.empty()) continue;
          json figure{{"cipher", aead.label},
                      {"direction", client_to_server ? "client_to_server" : "server_to_client"},
                      {"bytes", count * chunk.size()},
                      {"write_bytes", chunk.size()},
                      {"total", stat(series.total, "MB/s")},
                      {"sender", stat(series.sender, "MB/s")},
                      {"receiver", stat(series.receiver, "MB/s")}};
          if (!series.total_into_vector.empty()) {
            figure["total_into_vector"] = stat(series.total_into_vector, "MB/s");
          }
          c.report(fmt::format("{}: bulk {} {} {} B writes: {:.0f} MB/s", series.impl->name,
                               aead.label, client_to_server ? "c->s" : "s->c", write_size,
                               figure["total"]["median"].get<double>()));
          out[i].push_back(std::move(figure));
        }
      }
    }
  }
  return out;
}

/// The load average as JSON: [1 min, 5 min, 15 min], null when unreadable.
json load_json() {
  const auto load = load_average();
  return load ? json(*load) : json(nullptr);
}

/// Idle memory per connection (memory_connections pairs kept on one thread, each handshake's
/// peak measured around it) over memory_repetitions repetitions.
json measure_memory(Context& c, const Implementation& impl, const Credentials& credentials) {
  auto setup = impl.make_setup(credentials, CipherSuite::tls_aes_128_gcm_sha256);
  if (!setup->error.empty()) {
    c.errors.push_back(fmt::format("{}: {}", impl.name, setup->error));
    return {};
  }
  std::vector<double> idle_client;
  std::vector<double> idle_server;
  std::vector<double> peak_client;
  std::vector<double> peak_server;
  std::vector<double> peak_total;
  const auto n = static_cast<std::size_t>(c.s.memory_connections);
  for (int r = 0; r < c.s.memory_repetitions; ++r) {
    double sum_peak_client = 0;
    double sum_peak_server = 0;
    double sum_peak_total = 0;
    std::int64_t base_client = 0;
    std::int64_t base_server = 0;
    IdleOptions options;
    options.count = n;
    options.before_each = [&] {
      base_client = alloc::live(alloc::Side::client);
      base_server = alloc::live(alloc::Side::server);
      alloc::reset_peaks();
    };
    options.after_each = [&] {
      sum_peak_client += static_cast<double>(alloc::peak(alloc::Side::client) - base_client);
      sum_peak_server += static_cast<double>(alloc::peak(alloc::Side::server) - base_server);
      sum_peak_total += static_cast<double>(alloc::peak_total() - base_client - base_server);
    };
    const IdleConnections idle = establish_idle(*setup, options);
    if (!idle.error.empty()) {
      c.errors.push_back(fmt::format("{} memory: {}", impl.name, idle.error));
      return {};
    }
    const auto count = static_cast<double>(n);
    idle_client.push_back(static_cast<double>(idle.client_bytes) / count);
    idle_server.push_back(static_cast<double>(idle.server_bytes) / count);
    peak_client.push_back(sum_peak_client / count);
    peak_server.push_back(sum_peak_server / count);
    peak_total.push_back(sum_peak_total / count);
  }
  json out{{"connections", n},
           {"accounting", alloc::active() ? "malloc_usable_size of every allocation"
                                          : "inactive (allocator not replaced)"},
           {"idle_client", stat(idle_client, "bytes")},
           {"idle_server", stat(idle_server, "bytes")},
           {"handshake_peak_client", stat(peak_client, "bytes")},
           {"handshake_peak_server", stat(peak_server, "bytes")},
           {"handshake_peak_total", stat(peak_total, "bytes")}};
  c.report(fmt::format("{}: memory over {} connections: idle client {:.0f} B, server {:.0f} B",
                       impl.name, n, out["idle_client"]["median"].get<double>(),
                       out["idle_server"]["median"].get<double>()));
  return out;
}

/// Scale: scale_connections client + server pairs established on two threads (released
/// together, half each, one shared configuration) and kept, idle, at once; then freed. Reports
/// the wall time to establish them, the live bytes per pair counted as the memory row counts
/// them (establish_idle), and the process's resident growth per pair (sessions, harness
/// objects and heap slack together; establishing stops when it passes 32 KiB per pair).
json measure_scale(Context& c, const Implementation& impl, const Credentials& credentials) {
  auto setup = impl.make_setup(credentials, CipherSuite::tls_aes_128_gcm_sha256);
  if (!setup->error.empty()) {
    c.errors.push_back(fmt::format("{}: {}", impl.name, setup->error));
    return {};
  }
  const auto n = static_cast<std::size_t>(c.s.scale_connections);
  constexpr int kThreads = 2;
  IdleOptions options;
  options.count = n;
  options.threads = kThreads;
  options.resident_limit = std::max<std::int64_t>(256 << 20, static_cast<std::int64_t>(n) << 15);
  const json load = load_json();
  json out;
  {
    const IdleConnections idle = establish_idle(*setup, options);
    if (!idle.error.empty()) {
      c.errors.push_back(fmt::format("{} scale ({} of {} sessions established): {}", impl.name,
                                     idle.established, n, idle.error));
      return {};
    }
    const auto count = static_cast<double>(n);
    const auto client = static_cast<double>(idle.client_bytes);
    const auto server = static_cast<double>(idle.server_bytes);
    out = {{"row", fmt::format("{} idle {} sessions (client + server pairs)", n, impl.name)},
           {"connections", n},
           {"threads", kThreads},
           {"establish_wall_seconds", idle.wall_seconds},
           {"handshakes_per_wall_second", count / idle.wall_seconds},
           {"bytes_per_connection", (client + server) / count},
           {"bytes_per_client", client / count},
           {"bytes_per_server", server / count},
           {"resident_bytes_per_connection", static_cast<double>(idle.resident_growth) / count},
           {"resident_bytes_established", resident_bytes()},
           {"load_average", load}};
  }
  // Give the freed sessions' pages back: the bench fixed a high trim threshold.
  malloc_trim(0);
  out["resident_bytes_freed"] = resident_bytes();
  c.report(fmt::format(
      "{}: {} idle sessions established in {:.1f} s on {} threads ({:.0f}/s), {:.0f} B each "
      "(client + server; resident {:.0f} B each), freed",
      impl.name, n, out["establish_wall_seconds"].get<double>(), kThreads,
      out["handshakes_per_wall_second"].get<double>(), out["bytes_per_connection"].get<double>(),
      out["resident_bytes_per_connection"].get<double>()));
  return out;
}

/// Handshakes per wall second with one thread and with two, over one shared setup: each thread
/// does the same number of handshakes (about thread_wall_seconds' worth for one thread), the
/// threads are released together, the rate is all handshakes / the wall time of the whole.
/// The order alternates between repetitions (1 then 2, 2 then 1) so that drift cancels.
json measure_threads(Context& c, const Implementation& impl, const Credentials& credentials) {
  auto setup = impl.make_setup(credentials, CipherSuite::tls_aes_128_gcm_sha256);
  if (!setup->error.empty()) {
    c.errors.push_back(fmt::format("{}: {}", impl.name, setup->error));
    return {};
  }
  std::string error;
  const std::size_t per_thread = handshakes_per_thread(*setup, c.s.thread_seconds, error);
  if (per_thread == 0) {
    c.errors.push_back(fmt::format("{}: threaded handshakes: {}", impl.name, error));
    return {};
  }
  const json load = load_json();
  std::vector<double> one;
  std::vector<double> two;
  std::vector<double> one_share;
  std::vector<double> two_share;
  std::vector<double> one_per_cpu;
  std::vector<double> two_per_cpu;
  for (int r = 0; r < c.s.repetitions; ++r) {
    for (const int threads : r % 2 == 0 ? std::array{1, 2} : std::array{2, 1}) {
      const ParallelRun run = parallel_handshakes(*setup, threads, per_thread);
      if (!run.error.empty()) {
        c.errors.push_back(
            fmt::format("{}: handshake on {} threads: {}", impl.name, threads, run.error));
        return {};
      }
      (threads == 1 ? one : two).push_back(run.rate);
      (threads == 1 ? one_share : two_share).push_back(run.cpu_share);
      (threads == 1 ? one_per_cpu : two_per_cpu).push_back(run.rate_per_cpu_second);
    }
  }
  json out{{"one_thread", stat(one, "handshakes/s")},
           {"two_threads", stat(two, "handshakes/s")},
           {"handshakes_per_thread", per_thread},
           {"one_thread_cpu_share", stat(one_share, "fraction")},
           {"two_threads_cpu_share", stat(two_share, "fraction")},
           {"one_thread_per_cpu_second", stat(one_per_cpu, "handshakes/s")},
           {"two_threads_per_cpu_second", stat(two_per_cpu, "handshakes/s")},
           {"load_average", load}};
  out["scaling"] =
      out["two_threads"]["median"].get<double>() / out["one_thread"]["median"].get<double>();
  // Per CPU second: 1 when a second thread makes each handshake no dearer (no contention),
  // whether or not the machine had a second core free for it.
  out["cpu_scaling"] = out["two_threads_per_cpu_second"]["median"].get<double>() /
                       out["one_thread_per_cpu_second"]["median"].get<double>();
  c.report(fmt::format(
      "{}: 1 thread {:.0f}/s, 2 threads {:.0f}/s (x{:.2f}; per CPU second x{:.2f}; {} handshakes "
      "per thread, CPU share {:.2f} / {:.2f}, load {})",
      impl.name, out["one_thread"]["median"].get<double>(),
      out["two_threads"]["median"].get<double>(), out["scaling"].get<double>(),
      out["cpu_scaling"].get<double>(), per_thread,
      out["one_thread_cpu_share"]["median"].get<double>(),
      out["two_threads_cpu_share"]["median"].get<double>(),
      load.is_array() ? fmt::format("{:.2f}", load[0].get<double>()) : "unknown"));
  return out;
}

/// Validations per CPU second of the credentials' 3-certificate path (leaf for "localhost",
/// intermediate, root) by sanstls's validator, the OpenSSL one (both through
/// verify_certificate_chain()) and X509_verify_cert alone; repetitions interleaved.
json measure_x509_validation(Context& c, const std::vector<const Credentials*>& all) {
  json out{{"chain", "leaf <- intermediate <- root, the leaf checked for 'localhost' (serverAuth)"},
           {"unit", "validations per CPU second"}};
  constexpr X509Validator kValidators[] = {X509Validator::sanstls, X509Validator::openssl,
                                           X509Validator::raw};
  for (const Credentials* credentials : all) {
    std::string error;
    auto bench = X509ValidationBench::create(credentials->chain_pem, credentials->root_pem,
                                             kHostname, error);
    if (!bench) {
      c.errors.push_back(error);
      continue;
    }
    std::map<X509Validator, std::vector<double>> rates;
    for (int r = 0; r < c.s.repetitions; ++r) {
      for (const X509Validator validator : kValidators) {
        if (auto rate = bench->rate(validator, c.s.op_seconds)) {
          rates[validator].push_back(*rate);
        } else {
          c.errors.push_back(fmt::format("x509 validation ({}, {}): {}", credentials->label,
                                         x509_validator_label(validator), bench->error));
        }
      }
    }
    json figures;
    for (const X509Validator validator : kValidators) {
      figures[std::string(x509_validator_label(validator))] =
          stat(rates[validator], "validations/s");
    }
    c.report(fmt::format(
        "x509 validation {}: sanstls {:.0f}/s, openssl {:.0f}/s, X509_verify_cert {:.0f}/s",
        credentials->label, figures["sanstls"].value("median", 0.0),
        figures["openssl"].value("median", 0.0), figures["X509_verify_cert"].value("median", 0.0)));
    out[credentials->label] = std::move(figures);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ratios.

const json* find_impl(const json& report, std::string_view name) {
  for (const auto& impl : report["implementations"]) {
    if (impl["name"] == name) {
      return &impl;
    }
  }
  return nullptr;
}

std::optional<double> median_at(const json& node, const std::vector<std::string>& path) {
  const json* at = &node;
  for (const auto& key : path) {
    if (!at->is_object() || !at->contains(key)) {
      return std::nullopt;
    }
    at = &(*at)[key];
  }
  if (at->is_object() && at->contains("median") && (*at)["median"].is_number()) {
    return (*at)["median"].get<double>();
  }
  if (at->is_number()) {
    return at->get<double>();
  }
  return std::nullopt;
}

std::optional<double> bulk_median(const json& impl, std::string_view cipher,
                                  std::string_view direction, std::size_t write_bytes = 16384,
                                  const char* which = "total") {
  if (!impl.contains("bulk")) return std::nullopt;
  for (const auto& figure : impl["bulk"]) {
    if (figure["cipher"] == cipher && figure["direction"] == direction &&
        figure.value("write_bytes", std::size_t{16384}) == write_bytes) {
      if (!figure.contains(which)) return std::nullopt;
      return median_at(figure, {which});
    }
  }
  return std::nullopt;
}

void add_ratio(json& ratios, std::string name, std::string numerator, std::string denominator,
               std::optional<double> a, std::optional<double> b, std::optional<double> target,
               bool lower_is_better = false) {
  json ratio{{"name", std::move(name)},
             {"numerator", std::move(numerator)},
             {"denominator", std::move(denominator)}};
  if (a && b && *b > 0) {
    ratio["value"] = *a / *b;
  } else {
    ratio["value"] = nullptr;
  }
  ratio["target"] = target ? json(*target) : json(nullptr);
  ratio["target_kind"] = lower_is_better ? "at_most" : "at_least";
  if (target && ratio["value"].is_number()) {
    const double value = ratio["value"].get<double>();
    ratio["meets_target"] = lower_is_better ? value <= *target : value >= *target;
  } else {
    ratio["meets_target"] = nullptr;
  }
  ratios.push_back(std::move(ratio));
}

json compute_ratios(const json& report) {
  json ratios = json::array();
  const json hardware = report.value("hardware", json::object());  // absent with --only
  // The crypto floor measured between a section's handshake repetitions when there is one
  // (FloorProbe), else the one measured at the start.
  const bool later_floor = hardware.contains("handshake_floor_with_handshakes");
  const std::string floor_label =
      later_floor ? "hardware.handshake_floor_with_handshakes" : "hardware.handshake_floor";
  auto floor_total = [&](std::string_view certificate, bool resumed, bool tls12) {
    const std::string entry = resumed ? "resumed" : std::string(certificate);
    return later_floor
               ? median_at(hardware, {"handshake_floor_with_handshakes",
                                      floor_section(certificate, resumed, tls12), entry, "total"})
               : median_at(hardware, {"handshake_floor", entry, "total"});
  };
  // The raw AEAD over a TLS 1.3 record's TLSInnerPlaintext (content + content type byte)
  // against the raw AEAD over the content alone: the most any TLS 1.3 implementation on this
  // libcrypto reaches in the bulk / raw AEAD ratios. Not 1: one byte past a block can cost a
  // whole batch of key stream (OpenSSL 3.0's ChaCha20 makes 1,024-byte batches on AVX-512).
  const auto aead_median = [&](const std::string& cipher, std::size_t write,
                               const char* figure) -> std::optional<double> {
    for (const auto& aead : hardware.value("aead", json::array())) {
      if (aead["cipher"] == cipher && aead.value("record_bytes", std::size_t{16384}) == write &&
          aead.contains(figure)) {
        return median_at(aead, {figure});
      }
    }
    return std::nullopt;
  };
  for (const std::size_t write : {std::size_t{16384}, std::size_t{1024}}) {
    for (const Aead& aead : kAeads) {
      add_ratio(ratios,
                fmt::format("raw AEAD: {} over TLS 1.3 records of {} B content (content + type "
                            "byte) / over the content alone",
                            aead.label, write),
                "hardware.aead.seal_open_inner_plaintext_with_bulk",
                "hardware.aead.seal_open_with_bulk",
                aead_median(aead.label, write, "seal_open_inner_plaintext_with_bulk"),
                aead_median(aead.label, write, "seal_open_with_bulk"), std::nullopt);
    }
  }
  for (const auto& impl : report["implementations"]) {
    const std::string name = impl["name"];
    const std::string library = impl["library"];
    const bool engine = impl["kind"] == "engine";
    // Engine / raw library (wrapper overhead), native / raw OpenSSL.
    const std::string raw_name = library == "gnutls" ? "raw GnuTLS" : "raw OpenSSL";
    const json* raw = engine ? find_impl(report, raw_name) : nullptr;
    if (raw != nullptr) {
      const bool native = library == "native";
      const std::optional<double> target = native ? std::optional<double>{1.8} : 0.97;
      for (const char* cert : {"ecdsa_p256", "rsa_2048"}) {
        add_ratio(ratios, fmt::format("{} / {}: full handshakes ({})", name, raw_name, cert), name,
                  raw_name, median_at(impl, {"handshakes", cert, "total"}),
                  median_at(*raw, {"handshakes", cert, "total"}), target);
      }
      // TLS 1.2 full handshakes (issue 15): the wrappers against their library, the native
      // engine against raw OpenSSL, and its lead there against its TLS 1.3 lead (it must be
      // at least as far ahead in TLS 1.2).
      for (const char* cert : {"ecdsa_p256", "rsa_2048"}) {
        const auto engine12 = median_at(impl, {"tls12_handshakes", cert, "total"});
        const auto raw12 = median_at(*raw, {"tls12_handshakes", cert, "total"});
        add_ratio(ratios,
                  fmt::format("{} / {}: TLS 1.2 full handshakes ({})", name, raw_name, cert), name,
                  raw_name, engine12, raw12, target);
        if (native) {
          const auto engine13 = median_at(impl, {"handshakes", cert, "total"});
          const auto raw13 = median_at(*raw, {"handshakes", cert, "total"});
          std::optional<double> lead12;
          std::optional<double> lead13;
          if (engine12 && raw12 && *raw12 > 0) lead12 = *engine12 / *raw12;
          if (engine13 && raw13 && *raw13 > 0) lead13 = *engine13 / *raw13;
          add_ratio(
              ratios,
              fmt::format("{}: TLS 1.2 lead over {} / TLS 1.3 lead ({})", name, raw_name, cert),
              fmt::format("{} / {}: TLS 1.2 full handshakes", name, raw_name),
              fmt::format("{} / {}: full handshakes", name, raw_name), lead12, lead13, 1.0);
        }
      }
      // Resumed TLS 1.3 handshakes (psk_dhe_ke), against raw OpenSSL's and raw GnuTLS's resumed
      // loops (issue 14: the native engine's target is 2.0 of raw OpenSSL; the wrappers' 0.97 of
      // their own library).
      for (const char* resumed_raw : {"raw OpenSSL", "raw GnuTLS"}) {
        const json* other = find_impl(report, resumed_raw);
        if (other == nullptr) continue;
        std::optional<double> resumed_target;
        if (native && std::string_view{resumed_raw} == "raw OpenSSL") resumed_target = 2.0;
        if (!native && resumed_raw == raw_name) resumed_target = 0.97;
        if (!native && resumed_raw != raw_name) continue;
        add_ratio(ratios, fmt::format("{} / {}: resumed handshakes", name, resumed_raw), name,
                  resumed_raw, median_at(impl, {"resumed_handshakes", "ecdsa_p256", "total"}),
                  median_at(*other, {"resumed_handshakes", "ecdsa_p256", "total"}), resumed_target);
      }
      // The native engine's TLS 1.2 handshakes against raw GnuTLS too.
      if (const json* raw_gnutls = find_impl(report, "raw GnuTLS"); native && raw_gnutls) {
        for (const char* cert : {"ecdsa_p256", "rsa_2048"}) {
          add_ratio(ratios,
                    fmt::format("{} / raw GnuTLS: TLS 1.2 full handshakes ({})", name, cert), name,
                    "raw GnuTLS", median_at(impl, {"tls12_handshakes", cert, "total"}),
                    median_at(*raw_gnutls, {"tls12_handshakes", cert, "total"}), std::nullopt);
        }
      }
      for (const Aead& aead : kAeads) {
        for (const char* direction : {"client_to_server", "server_to_client"}) {
          add_ratio(ratios,
                    fmt::format("{} / {}: bulk {} {}", name, raw_name, aead.label, direction), name,
                    raw_name, bulk_median(impl, aead.label, direction),
                    bulk_median(*raw, aead.label, direction), native ? std::nullopt : target);
        }
      }
    }
    // Handshakes as a fraction of the crypto floor.
    for (const char* cert : {"ecdsa_p256", "rsa_2048"}) {
      add_ratio(ratios, fmt::format("{}: full handshakes ({}) / crypto floor", name, cert), name,
                floor_label, median_at(impl, {"handshakes", cert, "total"}),
                floor_total(cert, false, false), std::nullopt);
    }
    // A TLS 1.2 ECDHE handshake makes the same public-key operations (the ServerKeyExchange
    // signature takes CertificateVerify's place), so the same floor applies: how close each
    // implementation's TLS 1.2 comes to it, next to the TLS 1.2 / TLS 1.3 lead above.
    for (const char* cert : {"ecdsa_p256", "rsa_2048"}) {
      add_ratio(ratios, fmt::format("{}: TLS 1.2 full handshakes ({}) / crypto floor", name, cert),
                name, floor_label, median_at(impl, {"tls12_handshakes", cert, "total"}),
                floor_total(cert, false, true), std::nullopt);
    }
    // Resumed handshakes as a fraction of their floor (X25519 only): how far the rest is from
    // zero; native / raw OpenSSL cannot exceed floor / raw OpenSSL.
    add_ratio(ratios, fmt::format("{}: resumed handshakes / resumed crypto floor", name), name,
              floor_label + ".resumed",
              median_at(impl, {"resumed_handshakes", "ecdsa_p256", "total"}),
              floor_total("ecdsa_p256", true, false), std::nullopt);
    // TLS bulk / raw AEAD (seal + open in one thread, as the TLS transfer does).
    // 16 KiB writes against 16 KiB records (issue 20: native >= 0.90), 1 KiB writes against
    // 1 KiB records (>= 0.80).
    for (const auto& [write, target, label] :
         {std::tuple<std::size_t, double, const char*>{16384, 0.90, ""},
          std::tuple<std::size_t, double, const char*>{1024, 0.80, ", 1 KiB writes"}}) {
      for (const Aead& aead : kAeads) {
        // The reference measured between the bulk rows when there is one (see measure_bulk),
        // else the one measured at the start.
        std::optional<double> ceiling = aead_median(aead.label, write, "seal_open_with_bulk");
        if (!ceiling) ceiling = aead_median(aead.label, write, "seal_open");
        for (const char* direction : {"client_to_server", "server_to_client"}) {
          add_ratio(ratios,
                    fmt::format("{}: bulk {} {}{} / raw AEAD", name, aead.label, direction, label),
                    name, "hardware.aead.seal_open",
                    bulk_median(impl, aead.label, direction, write), ceiling,
                    library == "native" ? std::optional<double>{target} : std::nullopt);
          // The native engine against the raw AEAD over what its records seal (content + type
          // byte): its own overhead, without the TLS 1.3 format's.
          if (library == "native") {
            add_ratio(ratios,
                      fmt::format("{}: bulk {} {}{} / raw AEAD over TLSInnerPlaintext", name,
                                  aead.label, direction, label),
                      name, "hardware.aead.seal_open_inner_plaintext_with_bulk",
                      bulk_median(impl, aead.label, direction, write),
                      aead_median(aead.label, write, "seal_open_inner_plaintext_with_bulk"),
                      std::nullopt);
          }
          // The same receiving into a std::vector (the older receive_data overload): what the
          // caller-owned buffer saves.
          if (engine) {
            add_ratio(ratios,
                      fmt::format("{}: bulk {} {}{}, receive into a vector / raw AEAD", name,
                                  aead.label, direction, label),
                      name, "hardware.aead.seal_open",
                      bulk_median(impl, aead.label, direction, write, "total_into_vector"), ceiling,
                      std::nullopt);
          }
        }
      }
    }
    // Issue 20: >= 1.9 for every engine (the raw loops are the reference). Wall-clock figures:
    // meaningful only on an otherwise idle machine with >= 2 cores (see machine.load_average).
    add_ratio(ratios, fmt::format("{}: two threads / one thread", name), name, name,
              median_at(impl, {"threads", "two_threads"}),
              median_at(impl, {"threads", "one_thread"}),
              engine ? std::optional<double>{1.9} : std::nullopt);
    add_ratio(ratios, fmt::format("{}: two threads / one thread, per CPU second", name), name, name,
              median_at(impl, {"threads", "two_threads_per_cpu_second"}),
              median_at(impl, {"threads", "one_thread_per_cpu_second"}), std::nullopt);
    // Hostile hellos: the native engine's parser must cost no more than OpenSSL's (issue 12).
    const json* openssl_engine = find_impl(report, "sanstls/openssl");
    if (library == "native" && openssl_engine != nullptr) {
      for (const char* hello : {"many_extensions", "many_key_shares"}) {
        add_ratio(ratios, fmt::format("{} / sanstls/openssl: hostile hello ({})", name, hello),
                  name, "sanstls/openssl", median_at(impl, {"hostile_hellos", hello}),
                  median_at(*openssl_engine, {"hostile_hellos", hello}), 1.0, true);
      }
    }
    if (library == "native") {
      add_ratio(ratios, fmt::format("{}: idle memory per connection (client) / 4 KiB", name), name,
                "4096 bytes", median_at(impl, {"memory", "idle_client"}), 4096.0, 1.0, true);
      add_ratio(ratios, fmt::format("{}: idle memory per connection (server) / 4 KiB", name), name,
                "4096 bytes", median_at(impl, {"memory", "idle_server"}), 4096.0, 1.0, true);
    }
  }
  // X.509 path validation (issue 19): the validators against X509_verify_cert alone.
  if (report.contains("x509_validation")) {
    const json& x509 = report["x509_validation"];
    for (const char* cert : {"ecdsa_p256", "rsa_2048"}) {
      for (const char* validator : {"sanstls", "openssl"}) {
        add_ratio(ratios,
                  fmt::format("{} X.509 validation ({}) / X509_verify_cert", validator, cert),
                  fmt::format("x509_validation.{}.{}", cert, validator),
                  fmt::format("x509_validation.{}.X509_verify_cert", cert),
                  median_at(x509, {cert, validator}), median_at(x509, {cert, "X509_verify_cert"}),
                  std::nullopt);
      }
    }
  }
  return ratios;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

/// `sanstls bench --only ...`: the selected per-implementation measurements (the scale row:
/// the native engine only), their ratios, and nothing else.
void run_sections(Context& c, const std::vector<std::string>& only,
                  const std::vector<Implementation>& implementations,
                  const Credentials& credentials, json& report) {
  const auto wanted = [&](std::string_view section) {
    return std::find(only.begin(), only.end(), section) != only.end();
  };
  int steps = 0;
  for (const Implementation& impl : implementations) {
    const bool native_engine = impl.library == "native" && impl.kind == "engine";
    steps += (wanted("memory") ? 1 : 0) + (wanted("threads") ? 1 : 0) +
             (wanted("scale") && native_engine ? 1 : 0);
  }
  c.steps = steps;
  json impls = json::array();
  for (const Implementation& impl : implementations) {
    json out{{"name", impl.name},
             {"kind", impl.kind},
             {"library", impl.library},
             {"version", impl.version}};
    if (wanted("memory")) out["memory"] = measure_memory(c, impl, credentials);
    if (wanted("threads")) out["threads"] = measure_threads(c, impl, credentials);
    if (wanted("scale") && impl.library == "native" && impl.kind == "engine") {
      out["scale"] = measure_scale(c, impl, credentials);
    }
    if (out.size() > 4) impls.push_back(out);  // measured (--only scale: the native engine only)
  }
  report["implementations"] = impls;
  json ratios = json::array();
  for (auto& ratio : compute_ratios(report)) {
    if (!ratio["value"].is_null()) ratios.push_back(std::move(ratio));  // the ones measured
  }
  report["ratios"] = ratios;
  report["errors"] = c.errors;
  report["machine"]["load_average"]["end"] = load_json();
}

}  // namespace

void keep_freed_heap() {
  // Every connection of the harness reserves its transport buffers (64 KiB each) and frees them
  // at its end; with glibc's default trim threshold that returned the top of the heap to the
  // kernel after each connection and took it back for the next one: brk() calls and page faults
  // charged to every implementation's handshakes (raw GnuTLS: 10 page faults per handshake). A
  // fixed threshold keeps freed memory for reuse, as a long-running server's heap does.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

json run(const Options& options, const Progress& progress) {
  keep_freed_heap();
  const Settings s = settings_for(options.mode);
  json errors = json::array();
  json report;
  report["schema"] = "sanstls-bench/1";
  report["command"] = options.command;
  report["mode"] = mode_name(options.mode);
  // The load average at the start and (below) at the end: wall-clock figures (threads, scale)
  // mean little unless the machine was otherwise idle.
  report["machine"] = {{"cpu", cpu_model()},
                       {"cpus", std::thread::hardware_concurrency()},
                       {"openssl", OpenSSL_version(OPENSSL_VERSION)},
                       {"load_average", {{"start", load_json()}, {"end", nullptr}}}};
  report["settings"] = {{"repetitions", s.repetitions},
                        {"handshake_cpu_seconds", s.handshake_seconds},
                        {"bulk_bytes", s.bulk_bytes},
                        {"write_bytes", s.write_size},
                        {"small_write_bytes", s.small_write_size},
                        {"memory_connections", s.memory_connections},
                        {"scale_connections", s.scale_connections},
                        {"memory_repetitions", s.memory_repetitions},
                        {"thread_wall_seconds", s.thread_seconds},
                        {"primitive_cpu_seconds", s.op_seconds},
                        {"aead_bytes", s.aead_bytes}};
  json notes = json::array();
  notes.push_back(
      "TLS 1.3, X25519 only, chain leaf <- intermediate <- root of one key type; the client "
      "verifies the chain and the host name 'localhost' in every implementation");
  notes.push_back(
      "tls12_handshakes: the same with every implementation capped at TLS 1.2 (ECDHE X25519, "
      "extended master secret, TLS_ECDHE_{ECDSA,RSA}_WITH_AES_128_GCM_SHA256 by key type); "
      "resumed_handshakes: TLS 1.3 psk_dhe_ke, one ticket per connection, each offered once by "
      "the next connection");
  notes.push_back(
      "x509_validation: validations per CPU second of the bench's 3-certificate path by sanstls's "
      "validator and the OpenSSL one (verify_certificate_chain()) and by X509_verify_cert alone "
      "(a new X509_STORE_CTX per validation, purpose sslserver, the host name), as libssl does");
  notes.push_back(
      "the native key-exchange comparison (native_groups) runs the native engine with X25519 and "
      "with X25519MLKEM768 alone; mlkem768_* operations are the native engine's own ML-KEM-768");
  notes.push_back(
      "rates are per CPU second of the measuring thread (CLOCK_THREAD_CPUTIME_ID); "
      "'total' includes session creation, teardown and the in-memory transport; "
      "'client'/'server' count only the time inside that side's calls");
  notes.push_back(
      "MB = 10^6 bytes; bulk 'total' = bytes / CPU of the transfer loop (sender + receiver), "
      "measured without the per-side clocks (a thread CPU clock read is a system call); "
      "'sender'/'receiver' come from a run of a quarter as many writes with them. Bulk rows "
      "come in 16 KiB and 1 KiB writes (write_bytes; the 1 KiB rows move a quarter of the "
      "bytes), the AEAD ceiling in 16 KiB and 1 KiB records (record_bytes)");
  notes.push_back(
      "handshakes: 'together' comes from half of each repetition's time run without the "
      "per-side clocks, 'client'/'server' from the other half with them");
  for (const HostileHello& hello : hostile_hellos()) {
    notes.push_back(
        fmt::format("hostile hello '{}': {}; ms of server CPU per receive_data() "
                    "holding the whole hello (engines only)",
                    hello.label, hello.description));
  }
  if (options.mode != Mode::full) {
    notes.push_back(
        fmt::format("{} mode: {} MiB per bulk measurement (full mode uses 256 MiB), "
                    "{} repetitions; figures are less precise",
                    mode_name(options.mode), s.bulk_bytes >> 20, s.repetitions));
  }
  if (!options.only.empty()) {
    report["only"] = options.only;
    notes.push_back(fmt::format("only these measurements: {}", fmt::join(options.only, ", ")));
  }
  report["notes"] = notes;

  std::vector<Implementation> implementations;
  for (const auto& engine : backends()) {
    const std::string name{backend_name(engine.backend)};
    const bool wanted =
        options.backends.empty() ||
        std::find(options.backends.begin(), options.backends.end(), name) != options.backends.end();
    if (engine.available && wanted) {
      implementations.push_back(sanstls_implementation(engine.backend));
    }
  }
  if (options.raw) {
    implementations.push_back(raw_openssl_implementation());
#ifdef SANSTLS_BENCH_GNUTLS
    implementations.push_back(raw_gnutls_implementation());
#endif
  }
  json unavailable = json::array();
  for (const auto& engine : backends()) {
    if (!engine.available) unavailable.push_back(backend_name(engine.backend));
  }
  report["unavailable_engines"] = unavailable;

  progress("making credentials (ECDSA P-256 and RSA-2048 chains)");
  auto ecdsa = make_credentials(testing::KeyAlgorithm::ecdsa_p256, "ecdsa_p256", errors);
  auto rsa = make_credentials(testing::KeyAlgorithm::rsa_2048, "rsa_2048", errors);
  if (!ecdsa || !rsa) {
    report["errors"] = errors;
    return report;
  }
  if (!options.only.empty()) {
    Context c{s, progress, errors};
    run_sections(c, options.only, implementations, *ecdsa, report);
    return report;
  }

  progress("hardware ceiling (libcrypto EVP)");
  report["hardware"] = measure_hardware(s, progress, errors);

  Context c{s, progress, errors};
  FloorProbe floor_probe;
  if (floor_probe.ready()) {
    c.floor_probe = &floor_probe;
  } else {
    errors.push_back("hardware: the crypto floor's keys could not be made");
  }
  const auto engines = static_cast<int>(
      std::count_if(implementations.begin(), implementations.end(),
                    [](const Implementation& impl) { return impl.kind == "engine"; }));
  // Handshakes (ECDSA, RSA, TLS 1.2 ECDSA and RSA, resumed), bulk rows, hostile hellos, idle
  // memory; X.509 validation (2).
  c.steps = static_cast<int>(implementations.size()) * (5 + 12 + 1 + 1) + engines + 3 + 2;
  const std::vector<json> ecdsa_handshakes = measure_handshakes(c, implementations, *ecdsa);
  const std::vector<json> rsa_handshakes = measure_handshakes(c, implementations, *rsa);
  const std::vector<json> ecdsa12_handshakes = measure_handshakes(
      c, implementations, *ecdsa, false, CipherSuite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256);
  const std::vector<json> rsa12_handshakes = measure_handshakes(
      c, implementations, *rsa, false, CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256);
  const std::vector<json> resumed_handshakes =
      measure_handshakes(c, implementations, *ecdsa, /*resumed=*/true);
  InterleavedAead raw_aead;
  const std::vector<json> bulk = measure_bulk(c, implementations, *ecdsa, raw_aead);
  for (auto& figure : report["hardware"]["aead"]) {
    const std::pair key{figure["cipher"].get<std::string>(),
                        figure["record_bytes"].get<std::size_t>()};
    if (const auto samples = raw_aead.content.find(key); samples != raw_aead.content.end()) {
      figure["seal_open_with_bulk"] = stat(samples->second, "MB/s");
    }
    if (const auto samples = raw_aead.inner_plaintext.find(key);
        samples != raw_aead.inner_plaintext.end()) {
      figure["seal_open_inner_plaintext_with_bulk"] = stat(samples->second, "MB/s");
    }
  }
  const std::vector<json> hostile = measure_hostile_hellos(c, implementations, *ecdsa);
  json impls = json::array();
  for (std::size_t i = 0; i < implementations.size(); ++i) {
    const Implementation& impl = implementations[i];
    json out{{"name", impl.name},
             {"kind", impl.kind},
             {"library", impl.library},
             {"version", impl.version}};
    out["handshakes"]["ecdsa_p256"] = ecdsa_handshakes[i];
    out["handshakes"]["rsa_2048"] = rsa_handshakes[i];
    out["tls12_handshakes"]["ecdsa_p256"] = ecdsa12_handshakes[i];
    out["tls12_handshakes"]["rsa_2048"] = rsa12_handshakes[i];
    if (resumed_handshakes[i].is_null()) {
      out["resumed_handshakes"] = {
          {"available", false},
          {"reason", impl.make_resumed_setup ? "the resumed handshakes failed (see errors)"
                                             : "this implementation does not resume sessions"}};
    } else {
      out["resumed_handshakes"] = {{"available", true}, {"ecdsa_p256", resumed_handshakes[i]}};
    }
    out["bulk"] = bulk[i];
    if (!hostile[i].is_null()) out["hostile_hellos"] = hostile[i];
    out["memory"] = measure_memory(c, impl, *ecdsa);
    out["threads"] = measure_threads(c, impl, *ecdsa);
    if (impl.library == "native" && impl.kind == "engine") {
      out["scale"] = measure_scale(c, impl, *ecdsa);
    }
    impls.push_back(out);
  }
  report["implementations"] = impls;
  report["native_groups"] = measure_native_groups(c, implementations, *ecdsa);
  report["x509_validation"] = measure_x509_validation(c, {&*ecdsa, &*rsa});
  if (json floor = floor_probe.floors(); !floor.is_null()) {
    report["hardware"]["handshake_floor_with_handshakes"] = std::move(floor);
  }
  report["ratios"] = compute_ratios(report);
  report["errors"] = errors;
  report["machine"]["load_average"]["end"] = load_json();
  return report;
}

}  // namespace sanstls::bench

// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// An attacker's and an auditor's toolkit for tests, written directly on OpenSSL's EVP/HMAC
// primitives and deliberately sharing no code with the library (so a bug in the library's key
// schedule or record layer cannot hide itself here):
//
//   - KeyLogRecorder collects hazmat key-log lines (NSS format) and hands back secrets by label.
//   - TLS 1.3 key derivation (RFC 8446 §7.1 HKDF-Expand-Label, Derive-Secret, §7.3 traffic keys,
//     §7.5 TLS-Exporter) and the TLS 1.2 PRF (RFC 5246 §5) with the RFC 5705 exporter.
//   - tamper_tls13_handshake(): decrypts the encrypted handshake records of one flight (RFC 8446
//     §5.2: nonce = iv XOR sequence number, AAD = the record header, inner content type after
//     the content), flips one bit of one handshake message and encrypts the records again with
//     the same lengths, so that only the message's own check can notice.
//   - Hello parsing: the randoms and the chosen cipher suite as they went over the wire.

#include <sanstls/hazmat/hazmat.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::test::oracle {

using Octets = std::vector<std::uint8_t>;

/// Collects the key-log lines of one or more configurations.
class KeyLogRecorder {
 public:
  /// A hazmat::Settings whose key_log appends to this recorder (which must outlive it).
  [[nodiscard]] std::shared_ptr<hazmat::Settings> settings();
  /// The secret of the last line starting with `label` ("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), or
  /// nothing.
  [[nodiscard]] std::optional<Octets> secret(std::string_view label) const;
  /// The client random of the last line starting with `label`, or nothing.
  [[nodiscard]] std::optional<Octets> client_random(std::string_view label) const;
  [[nodiscard]] const std::vector<std::string>& lines() const { return *lines_; }

 private:
  std::shared_ptr<std::vector<std::string>> lines_ = std::make_shared<std::vector<std::string>>();
};

enum class Hash : std::uint8_t { sha256, sha384 };
[[nodiscard]] std::size_t hash_length(Hash hash);
[[nodiscard]] Octets digest(Hash hash, std::span<const std::uint8_t> data);
[[nodiscard]] Octets hmac(Hash hash, std::span<const std::uint8_t> key,
                          std::span<const std::uint8_t> data);

/// RFC 8446 §7.1: HKDF-Expand-Label(secret, label, context, length) (RFC 5869 HKDF-Expand by
/// hand over HMAC).
[[nodiscard]] Octets hkdf_expand_label(Hash hash, std::span<const std::uint8_t> secret,
                                       std::string_view label,
                                       std::span<const std::uint8_t> context, std::size_t length);
/// RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) from exporter_master_secret
/// (the key log's EXPORTER_SECRET). A missing context is the empty context in TLS 1.3.
[[nodiscard]] Octets tls13_exporter(Hash hash, std::span<const std::uint8_t> exporter_secret,
                                    std::string_view label, std::span<const std::uint8_t> context,
                                    std::size_t length);
/// RFC 5246 §5: PRF(secret, label, seed) = P_<hash>(secret, label + seed).
[[nodiscard]] Octets tls12_prf(Hash hash, std::span<const std::uint8_t> secret,
                               std::string_view label, std::span<const std::uint8_t> seed,
                               std::size_t length);
/// RFC 5705 §4: PRF(master_secret, label, client_random + server_random [+ context_length +
/// context]); without a context, no length either.
[[nodiscard]] Octets tls12_exporter(Hash hash, std::span<const std::uint8_t> master_secret,
                                    std::span<const std::uint8_t> client_random,
                                    std::span<const std::uint8_t> server_random,
                                    std::string_view label,
                                    std::optional<std::span<const std::uint8_t>> context,
                                    std::size_t length);

/// What the first handshake records of a connection say, read from the bytes on the wire.
struct Hello {
  Octets random;
  std::uint16_t legacy_version = 0;
  /// The ServerHello's cipher suite (0 for a ClientHello).
  std::uint16_t cipher_suite = 0;
};
/// Parses the first handshake message of `flight` (plaintext records, as a peer sent them).
[[nodiscard]] std::optional<Hello> parse_hello(std::span<const std::byte> flight);

/// The PRF/HKDF hash of a cipher suite (TLS 1.2 or 1.3 code point).
[[nodiscard]] Hash suite_hash(std::uint16_t suite);

/// Which bit of the message body tamper_tls13_handshake flips.
enum class BodyByte : std::uint8_t { first, last };

/// Flips the lowest bit of the first or last body byte of the first handshake message of type
/// `message_type` carried in the encrypted records of `flight`, which `traffic_secret` protects
/// with the TLS 1.3 `suite`; the first encrypted record of the flight has sequence number 0.
/// Plaintext records (ServerHello, ChangeCipherSpec) are left alone. Returns "" on success, or
/// why the flight could not be tampered with.
[[nodiscard]] std::string tamper_tls13_handshake(std::vector<std::byte>& flight,
                                                 std::span<const std::uint8_t> traffic_secret,
                                                 std::uint16_t suite, std::uint8_t message_type,
                                                 BodyByte where);

/// Flips the lowest bit of the first or last body byte of the first handshake message of type
/// `message_type` in the plaintext handshake records of `flight` (a TLS 1.2 ServerKeyExchange or
/// CertificateVerify), up to its ChangeCipherSpec. Returns "" on success, or why not.
[[nodiscard]] std::string tamper_plaintext_handshake(std::vector<std::byte>& flight,
                                                     std::uint8_t message_type, BodyByte where);

/// Flips the lowest bit of the first verify_data byte of the TLS 1.2 Finished in `flight` (the
/// first handshake record after its ChangeCipherSpec, sequence number 0), sent by the client
/// when `from_client`, keyed from the master secret and randoms (RFC 5246 §6.3 key block;
/// AES-GCM per RFC 5288, ChaCha20-Poly1305 per RFC 7905). Returns "" on success, or why not.
[[nodiscard]] std::string tamper_tls12_finished(std::vector<std::byte>& flight,
                                                std::span<const std::uint8_t> master_secret,
                                                std::span<const std::uint8_t> client_random,
                                                std::span<const std::uint8_t> server_random,
                                                std::uint16_t suite, bool from_client);

[[nodiscard]] std::span<const std::uint8_t> octets_of(std::string_view text);

}  // namespace sanstls::test::oracle

// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "support/tls_oracle.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace sanstls::test::oracle {
namespace {

const EVP_MD* md(Hash hash) { return hash == Hash::sha256 ? EVP_sha256() : EVP_sha384(); }

std::optional<Octets> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  Octets out;
  out.reserve(hex.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = nibble(hex[i]);
    const int low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(high * 16 + low));
  }
  return out;
}

/// The n-th space-separated field of the last line starting with "label ".
std::optional<std::string_view> field(const std::vector<std::string>& lines, std::string_view label,
                                      std::size_t n) {
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    std::string_view line = *it;
    if (!line.starts_with(label) || line.size() <= label.size() || line[label.size()] != ' ') {
      continue;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto space = line.find(' ');
      if (space == std::string_view::npos) return std::nullopt;
      line.remove_prefix(space + 1);
    }
    return line.substr(0, line.find(' '));
  }
  return std::nullopt;
}

void append_u16(Octets& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

std::size_t u16_at(std::span<const std::uint8_t> bytes, std::size_t at) {
  return (std::size_t{bytes[at]} << 8) | bytes[at + 1];
}
std::size_t u24_at(std::span<const std::uint8_t> bytes, std::size_t at) {
  return (std::size_t{bytes[at]} << 16) | (std::size_t{bytes[at + 1]} << 8) | bytes[at + 2];
}

struct RawRecord {
  std::uint8_t type;
  Octets header;
  Octets fragment;
};

/// Splits a flight into records; nothing when it does not end on a record boundary.
std::optional<std::vector<RawRecord>> split(std::span<const std::byte> flight) {
  const auto bytes = std::span{reinterpret_cast<const std::uint8_t*>(flight.data()), flight.size()};
  std::vector<RawRecord> records;
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < 5) return std::nullopt;
    const std::size_t length = u16_at(bytes, at + 3);
    if (bytes.size() - at - 5 < length) return std::nullopt;
    records.push_back({bytes[at],
                       Octets(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                              bytes.begin() + static_cast<std::ptrdiff_t>(at + 5)),
                       Octets(bytes.begin() + static_cast<std::ptrdiff_t>(at + 5),
                              bytes.begin() + static_cast<std::ptrdiff_t>(at + 5 + length))});
    at += 5 + length;
  }
  return records;
}

std::vector<std::byte> join(const std::vector<RawRecord>& records) {
  std::vector<std::byte> out;
  for (const RawRecord& r : records) {
    for (std::uint8_t b : r.header) out.push_back(std::byte{b});
    for (std::uint8_t b : r.fragment) out.push_back(std::byte{b});
  }
  return out;
}

struct Aead {
  const EVP_CIPHER* cipher;
  std::size_t key_length;
};
std::optional<Aead> tls13_aead(std::uint16_t suite) {
  switch (suite) {
    case 0x1301:
      return Aead{EVP_aes_128_gcm(), 16};
    case 0x1302:
      return Aead{EVP_aes_256_gcm(), 32};
    case 0x1303:
      return Aead{EVP_chacha20_poly1305(), 32};
    default:
      return std::nullopt;
  }
}

constexpr std::size_t tag_length = 16;

/// RFC 8446 §5.3: the per-record nonce is the IV XOR the 64-bit sequence number (left-padded).
Octets nonce(const Octets& iv, std::uint64_t seq) {
  Octets out = iv;
  for (std::size_t i = 0; i < 8; ++i) {
    out[out.size() - 1 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  }
  return out;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

/// AEAD-open (encrypt = false) or seal (encrypt = true) one TLS 1.3 record fragment.
std::optional<Octets> crypt(const Aead& aead, const Octets& key, const Octets& iv,
                            std::uint64_t seq, const Octets& header, const Octets& input,
                            bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  const Octets n = nonce(iv, seq);
  if (!ctx || EVP_CipherInit_ex(ctx.get(), aead.cipher, nullptr, nullptr, nullptr, encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(n.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), n.data(), encrypt) != 1) {
    return std::nullopt;
  }
  int out_length = 0;
  if (EVP_CipherUpdate(ctx.get(), nullptr, &out_length, header.data(),
                       static_cast<int>(header.size())) != 1) {
    return std::nullopt;
  }
  std::size_t body = input.size();
  if (!encrypt) {
    if (body < tag_length) return std::nullopt;
    body -= tag_length;
    Octets tag(input.end() - tag_length, input.end());
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, tag_length, tag.data()) != 1) {
      return std::nullopt;
    }
  }
  Octets out(body + tag_length);
  if (EVP_CipherUpdate(ctx.get(), out.data(), &out_length, input.data(), static_cast<int>(body)) !=
      1) {
    return std::nullopt;
  }
  int final_length = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + out_length, &final_length) != 1) {
    return std::nullopt;  // a wrong tag when opening
  }
  if (encrypt) {
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, tag_length, out.data() + body) != 1) {
      return std::nullopt;
    }
  } else {
    out.resize(body);
  }
  return out;
}

}  // namespace

std::shared_ptr<hazmat::Settings> KeyLogRecorder::settings() {
  auto settings = std::make_shared<hazmat::Settings>();
  settings->key_log = [lines = lines_](std::string_view line) { lines->emplace_back(line); };
  return settings;
}

std::optional<Octets> KeyLogRecorder::secret(std::string_view label) const {
  const auto hex = field(*lines_, label, 2);
  return hex ? from_hex(*hex) : std::nullopt;
}

std::optional<Octets> KeyLogRecorder::client_random(std::string_view label) const {
  const auto hex = field(*lines_, label, 1);
  return hex ? from_hex(*hex) : std::nullopt;
}

std::size_t hash_length(Hash hash) { return hash == Hash::sha256 ? 32 : 48; }

Octets digest(Hash hash, std::span<const std::uint8_t> data) {
  Octets out(hash_length(hash));
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, md(hash), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return out;
}

Octets hmac(Hash hash, std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  Octets out(hash_length(hash));
  unsigned int length = 0;
  if (HMAC(md(hash), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
           &length) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return out;
}

Octets hkdf_expand_label(Hash hash, std::span<const std::uint8_t> secret, std::string_view label,
                         std::span<const std::uint8_t> context, std::size_t length) {
  // struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
  Octets info;
  append_u16(info, length);
  const std::string full_label = "tls13 " + std::string(label);
  info.push_back(static_cast<std::uint8_t>(full_label.size()));
  info.insert(info.end(), full_label.begin(), full_label.end());
  info.push_back(static_cast<std::uint8_t>(context.size()));
  info.insert(info.end(), context.begin(), context.end());
  // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i).
  Octets out;
  Octets previous;
  for (std::uint8_t i = 1; out.size() < length; ++i) {
    Octets input = previous;
    input.insert(input.end(), info.begin(), info.end());
    input.push_back(i);
    previous = hmac(hash, secret, input);
    out.insert(out.end(), previous.begin(), previous.end());
  }
  out.resize(length);
  return out;
}

Octets tls13_exporter(Hash hash, std::span<const std::uint8_t> exporter_secret,
                      std::string_view label, std::span<const std::uint8_t> context,
                      std::size_t length) {
  // Derive-Secret(Secret, Label, "") = HKDF-Expand-Label(Secret, Label, Hash(""), Hash.length)
  const Octets derived =
      hkdf_expand_label(hash, exporter_secret, label, digest(hash, {}), hash_length(hash));
  return hkdf_expand_label(hash, derived, "exporter", digest(hash, context), length);
}

Octets tls12_prf(Hash hash, std::span<const std::uint8_t> secret, std::string_view label,
                 std::span<const std::uint8_t> seed, std::size_t length) {
  // P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...,
  // A(0) = seed, A(i) = HMAC(secret, A(i-1)); here seed = label + seed.
  Octets labelled(label.begin(), label.end());
  labelled.insert(labelled.end(), seed.begin(), seed.end());
  Octets out;
  Octets a = labelled;
  while (out.size() < length) {
    a = hmac(hash, secret, a);
    Octets input = a;
    input.insert(input.end(), labelled.begin(), labelled.end());
    const Octets block = hmac(hash, secret, input);
    out.insert(out.end(), block.begin(), block.end());
  }
  out.resize(length);
  return out;
}

Octets tls12_exporter(Hash hash, std::span<const std::uint8_t> master_secret,
                      std::span<const std::uint8_t> client_random,
                      std::span<const std::uint8_t> server_random, std::string_view label,
                      std::optional<std::span<const std::uint8_t>> context, std::size_t length) {
  Octets seed(client_random.begin(), client_random.end());
  seed.insert(seed.end(), server_random.begin(), server_random.end());
  if (context) {
    append_u16(seed, context->size());
    seed.insert(seed.end(), context->begin(), context->end());
  }
  return tls12_prf(hash, master_secret, label, seed, length);
}

std::optional<Hello> parse_hello(std::span<const std::byte> flight) {
  const auto records = split(flight);
  if (!records || records->empty() || records->front().type != 22) return std::nullopt;
  const Octets& message = records->front().fragment;
  // type(1) length(3) legacy_version(2) random(32) ...
  if (message.size() < 4 + 2 + 32 + 1 || (message[0] != 1 && message[0] != 2)) {
    return std::nullopt;
  }
  Hello hello;
  hello.legacy_version = static_cast<std::uint16_t>(u16_at(message, 4));
  hello.random.assign(message.begin() + 6, message.begin() + 38);
  if (message[0] == 2) {
    const std::size_t session_id_length = message[38];
    const std::size_t suite_at = 39 + session_id_length;
    if (message.size() < suite_at + 2) return std::nullopt;
    hello.cipher_suite = static_cast<std::uint16_t>(u16_at(message, suite_at));
  }
  return hello;
}

Hash suite_hash(std::uint16_t suite) {
  switch (suite) {
    case 0x1302:  // TLS_AES_256_GCM_SHA384
    case 0xc02c:  // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    case 0xc030:  // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
      return Hash::sha384;
    default:
      return Hash::sha256;
  }
}

std::string tamper_tls13_handshake(std::vector<std::byte>& flight,
                                   std::span<const std::uint8_t> traffic_secret,
                                   std::uint16_t suite, std::uint8_t message_type, BodyByte where) {
  const auto aead = tls13_aead(suite);
  if (!aead) return "not a TLS 1.3 cipher suite";
  auto records = split(flight);
  if (!records) return "the flight does not end on a record boundary";
  const Hash hash = suite_hash(suite);
  // RFC 8446 §7.3: [sender]_write_key / _iv = HKDF-Expand-Label(Secret, "key" / "iv", "", n).
  const Octets key = hkdf_expand_label(hash, traffic_secret, "key", {}, aead->key_length);
  const Octets iv = hkdf_expand_label(hash, traffic_secret, "iv", {}, 12);

  struct Opened {
    std::size_t record;  // index into records
    std::uint64_t seq;
    Octets inner;  // content || type || zeros
  };
  std::vector<Opened> opened;
  // The handshake bytes of the opened records, and where each byte lives.
  Octets stream;
  std::vector<std::pair<std::size_t, std::size_t>> origin;  // (index into opened, offset)
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < records->size(); ++i) {
    RawRecord& record = (*records)[i];
    if (record.type != 23) continue;
    auto inner = crypt(*aead, key, iv, seq, record.header, record.fragment, false);
    if (!inner) {
      break;  // keyed with something else (e.g. application data after the Finished)
    }
    std::size_t end = inner->size();
    while (end > 0 && (*inner)[end - 1] == 0) --end;
    if (end == 0) return "an encrypted record without a content type";
    if ((*inner)[end - 1] == 22) {
      for (std::size_t at = 0; at + 1 < end; ++at) {
        stream.push_back((*inner)[at]);
        origin.emplace_back(opened.size(), at);
      }
    }
    opened.push_back({i, seq, std::move(*inner)});
    ++seq;
  }
  // Find the message in the handshake stream: type(1) length(3) body.
  std::size_t at = 0;
  while (at + 4 <= stream.size()) {
    const std::size_t length = u24_at(stream, at + 1);
    if (stream.size() - at - 4 < length) break;
    if (stream[at] == message_type) {
      if (length == 0) return "the message has an empty body";
      const std::size_t target = at + 4 + (where == BodyByte::first ? 0 : length - 1);
      auto [which, offset] = origin[target];
      opened[which].inner[offset] ^= 0x01;
      Opened& changed = opened[which];
      RawRecord& record = (*records)[changed.record];
      auto sealed = crypt(*aead, key, iv, changed.seq, record.header, changed.inner, true);
      if (!sealed || sealed->size() != record.fragment.size()) return "cannot encrypt again";
      record.fragment = std::move(*sealed);
      flight = join(*records);
      return {};
    }
    at += 4 + length;
  }
  return "no handshake message of type " + std::to_string(message_type) + " in the " +
         std::to_string(opened.size()) + " records this secret opens";
}

std::string tamper_plaintext_handshake(std::vector<std::byte>& flight, std::uint8_t message_type,
                                       BodyByte where) {
  auto records = split(flight);
  if (!records) return "the flight does not end on a record boundary";
  Octets stream;
  std::vector<std::pair<std::size_t, std::size_t>> origin;  // (record, offset)
  for (std::size_t i = 0; i < records->size(); ++i) {
    const RawRecord& record = (*records)[i];
    if (record.type == 20) break;  // ChangeCipherSpec: what follows is encrypted
    if (record.type != 22) continue;
    for (std::size_t at = 0; at < record.fragment.size(); ++at) {
      stream.push_back(record.fragment[at]);
      origin.emplace_back(i, at);
    }
  }
  std::size_t at = 0;
  while (at + 4 <= stream.size()) {
    const std::size_t length = u24_at(stream, at + 1);
    if (stream.size() - at - 4 < length) break;
    if (stream[at] == message_type && length > 0) {
      const auto [record, offset] = origin[at + 4 + (where == BodyByte::first ? 0 : length - 1)];
      (*records)[record].fragment[offset] ^= 0x01;
      flight = join(*records);
      return {};
    }
    at += 4 + length;
  }
  return "no plaintext handshake message of type " + std::to_string(message_type);
}

std::string tamper_tls12_finished(std::vector<std::byte>& flight,
                                  std::span<const std::uint8_t> master_secret,
                                  std::span<const std::uint8_t> client_random,
                                  std::span<const std::uint8_t> server_random, std::uint16_t suite,
                                  bool from_client) {
  const bool chacha = suite == 0xcca8 || suite == 0xcca9;
  const bool aes256 = suite == 0xc02c || suite == 0xc030;
  const EVP_CIPHER* cipher =
      chacha ? EVP_chacha20_poly1305() : (aes256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm());
  const std::size_t key_length = chacha || aes256 ? 32 : 16;
  const std::size_t iv_length = chacha ? 12 : 4;  // RFC 7905 §2 / RFC 5288 §3 (the salt)
  // RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random +
  // client_random): client key, server key, client IV, server IV (AEAD suites have no MAC key).
  Octets seed(server_random.begin(), server_random.end());
  seed.insert(seed.end(), client_random.begin(), client_random.end());
  const Octets block = tls12_prf(suite_hash(suite), master_secret, "key expansion", seed,
                                 2 * key_length + 2 * iv_length);
  const std::size_t key_at = from_client ? 0 : key_length;
  const std::size_t iv_at = 2 * key_length + (from_client ? 0 : iv_length);
  const Octets key(block.begin() + static_cast<std::ptrdiff_t>(key_at),
                   block.begin() + static_cast<std::ptrdiff_t>(key_at + key_length));
  const Octets iv(block.begin() + static_cast<std::ptrdiff_t>(iv_at),
                  block.begin() + static_cast<std::ptrdiff_t>(iv_at + iv_length));

  auto records = split(flight);
  if (!records) return "the flight does not end on a record boundary";
  std::size_t ccs = 0;
  while (ccs < records->size() && (*records)[ccs].type != 20) ++ccs;
  if (ccs + 1 >= records->size() || (*records)[ccs + 1].type != 22) {
    return "no encrypted handshake record after a ChangeCipherSpec";
  }
  RawRecord& record = (*records)[ccs + 1];
  const std::size_t explicit_length = chacha ? 0 : 8;
  if (record.fragment.size() < explicit_length + tag_length + 4) return "record too short";
  Octets nonce_bytes;
  if (chacha) {
    nonce_bytes = nonce(iv, 0);  // RFC 7905 §2: iv XOR the sequence number (0 after CCS)
  } else {
    nonce_bytes = iv;  // RFC 5288 §3: salt + explicit nonce
    nonce_bytes.insert(nonce_bytes.end(), record.fragment.begin(),
                       record.fragment.begin() + static_cast<std::ptrdiff_t>(explicit_length));
  }
  const std::size_t plaintext_length = record.fragment.size() - explicit_length - tag_length;
  // RFC 5246 §6.2.3.3: additional_data = seq_num + type + version + length.
  Octets aad(8, 0);
  aad.push_back(22);
  aad.push_back(record.header[1]);
  aad.push_back(record.header[2]);
  append_u16(aad, plaintext_length);
  const Aead aead{cipher, key_length};
  // crypt() builds the nonce from an IV and a sequence number; pass the full nonce as the IV
  // and 0, which leaves it unchanged.
  const Octets sealed(record.fragment.begin() + static_cast<std::ptrdiff_t>(explicit_length),
                      record.fragment.end());
  auto plain = crypt(aead, key, nonce_bytes, 0, aad, sealed, false);
  if (!plain) return "cannot decrypt the Finished record with the key block";
  if (plain->size() < 5 || (*plain)[0] != 20) return "the record holds no Finished";
  (*plain)[4] ^= 0x01;
  auto resealed = crypt(aead, key, nonce_bytes, 0, aad, *plain, true);
  if (!resealed) return "cannot encrypt again";
  record.fragment.resize(explicit_length);
  record.fragment.insert(record.fragment.end(), resealed->begin(), resealed->end());
  flight = join(*records);
  return {};
}

std::span<const std::uint8_t> octets_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace sanstls::test::oracle

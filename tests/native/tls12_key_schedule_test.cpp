// SPDX-License-Identifier: Apache-2.0 OR MIT
// The TLS 1.2 key schedule and record protection against independent computations:
// - the TLS 1.2 PRF test vectors of the IETF TLS working group
//   (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html; P_SHA256 and P_SHA384);
// - data/tls12_kat.tsv: TLS 1.2 handshakes between two OpenSSL endpoints, key-logged, analysed
//   with Python's hmac/hashlib and `cryptography` (tools/tls12_kat/generate.py): master secrets
//   from OpenSSL, key blocks and Finished checked there by decrypting OpenSSL's records.

#include "native/crypto/libcrypto_provider.hpp"
#include "native/key_schedule12.hpp"
#include "native/record/protection12.hpp"
#include "native/record/record_layer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace sanstls::native {
namespace {

using ByteVec = std::vector<std::uint8_t>;

ByteVec hex(std::string_view s) {
  ByteVec out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(std::string(s.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

ByteVec bytes_of(const base::SecretBytes& s) { return ByteVec(s.span().begin(), s.span().end()); }

const crypto::CryptoProvider& provider() {
  static const auto p = crypto::LibcryptoProvider::create();  // NOLINT: test fixture
  return **p;
}

struct Kat {
  std::string name;
  std::map<std::string, ByteVec> values;
  [[nodiscard]] const ByteVec& at(const std::string& key) const { return values.at(key); }
};

std::vector<Kat> load_kats() {
  std::ifstream in(std::string(SANSTLS_NATIVE_TEST_DATA) + "/tls12_kat.tsv");
  std::vector<Kat> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    const std::string key = line.substr(0, tab);
    const std::string value = tab == std::string::npos ? "" : line.substr(tab + 1);
    if (key == "begin") {
      out.push_back(Kat{value, {}});
    } else if (key != "end") {
      out.back().values[key] = hex(value);
    }
  }
  return out;
}

void PrintTo(const Kat& k, std::ostream* os) { *os << k.name; }

CipherSuite suite_of(const Kat& k) {
  const ByteVec& s = k.at("suite");
  return static_cast<CipherSuite>((s[0] << 8U) | s[1]);
}

TEST(tls12_prf, ietf_sha256_vector) {
  const auto out =
      tls12::prf(provider(), crypto::HashAlgorithm::sha256, hex("9bbe436ba940f017b17652849a71db35"),
                 "test label", hex("a0ba9f936cda311827a6f796ffd5198c"), 100);
  ASSERT_TRUE(out);
  EXPECT_EQ(bytes_of(*out),
            hex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9"
                "c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789ba"
                "a48082d122ee42c5a72e5a5110fff70187347b66"));
}

TEST(tls12_prf, ietf_sha384_vector) {
  const auto out =
      tls12::prf(provider(), crypto::HashAlgorithm::sha384, hex("b80b733d6ceefcdc71566ea48e5567df"),
                 "test label", hex("cd665cf6a8447dd6ff8b27555edb7465"), 148);
  ASSERT_TRUE(out);
  EXPECT_EQ(bytes_of(*out),
            hex("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe3"
                "4f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3"
                "d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236"
                "a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f"));
}

TEST(tls12_prf, lengths_that_are_not_a_multiple_of_the_hash) {
  const ByteVec secret = hex("9bbe436ba940f017b17652849a71db35");
  const auto full = tls12::prf(provider(), crypto::HashAlgorithm::sha256, secret, "x", {}, 100);
  ASSERT_TRUE(full);
  const ByteVec all = bytes_of(*full);
  for (const std::size_t n : {0U, 1U, 31U, 32U, 33U, 64U, 65U}) {
    const auto part = tls12::prf(provider(), crypto::HashAlgorithm::sha256, secret, "x", {}, n);
    ASSERT_TRUE(part);
    EXPECT_EQ(bytes_of(*part), ByteVec(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n)));
  }
}

class tls12_kat : public testing::TestWithParam<Kat> {};

TEST_P(tls12_kat, key_block_finished_exporter) {
  const Kat& k = GetParam();
  const auto params = tls12::suite12_params(suite_of(k));
  ASSERT_TRUE(params);
  const ByteVec& master = k.at("master_secret");
  const ByteVec& cr = k.at("client_random");
  const ByteVec& sr = k.at("server_random");
  auto block = tls12::key_block(provider(), *params, master, cr, sr);
  ASSERT_TRUE(block);
  ByteVec joined = bytes_of(block->client.key);
  for (const auto* part : {&block->server.key, &block->client.iv, &block->server.iv}) {
    const ByteVec b = bytes_of(*part);
    joined.insert(joined.end(), b.begin(), b.end());
  }
  EXPECT_EQ(joined, k.at("key_block"));

  auto cv = tls12::finished_verify_data(provider(), params->hash, master, true,
                                        k.at("client_finished_hash"));
  ASSERT_TRUE(cv);
  EXPECT_EQ(bytes_of(*cv), k.at("client_verify_data"));
  auto sv = tls12::finished_verify_data(provider(), params->hash, master, false,
                                        k.at("server_finished_hash"));
  ASSERT_TRUE(sv);
  EXPECT_EQ(bytes_of(*sv), k.at("server_verify_data"));

  auto ems = tls12::extended_master_secret(provider(), params->hash, k.at("ems_pre_master_secret"),
                                           k.at("session_hash"));
  ASSERT_TRUE(ems);
  EXPECT_EQ(bytes_of(*ems), k.at("ems_master_secret"));

  const ByteVec abc{'a', 'b', 'c'};
  const ByteVec empty;
  auto none = tls12::exporter(provider(), params->hash, master, cr, sr, "EXPERIMENTAL sanstls",
                              std::nullopt, 40);
  auto zero = tls12::exporter(provider(), params->hash, master, cr, sr, "EXPERIMENTAL sanstls",
                              Bytes(empty), 40);
  auto three = tls12::exporter(provider(), params->hash, master, cr, sr, "EXPERIMENTAL sanstls",
                               Bytes(abc), 40);
  ASSERT_TRUE(none && zero && three);
  EXPECT_EQ(bytes_of(*none), k.at("exporter_no_context"));
  EXPECT_EQ(bytes_of(*zero), k.at("exporter_empty_context"));
  EXPECT_EQ(bytes_of(*three), k.at("exporter_context"));
}

record::Record record_of(const ByteVec& wire) {
  return record::Record{static_cast<ContentType>(wire[0]),
                        static_cast<std::uint16_t>((wire[1] << 8U) | wire[2]),
                        ByteVec(wire.begin() + 5, wire.end())};
}

TEST_P(tls12_kat, records_of_openssl_open_and_ours_match_the_sequence_number_nonce) {
  const Kat& k = GetParam();
  const auto params = tls12::suite12_params(suite_of(k));
  ASSERT_TRUE(params);
  auto block = tls12::key_block(provider(), *params, k.at("master_secret"), k.at("client_random"),
                                k.at("server_random"));
  ASSERT_TRUE(block);
  // The client's direction: its Finished (sequence 0), then application data (sequence 1).
  auto client_read = record::Protection12::create(provider(), params->aead, block->client);
  ASSERT_TRUE(client_read);
  auto fin = client_read->open(record_of(k.at("client_finished_record")));
  ASSERT_TRUE(fin) << fin.error().to_string();
  EXPECT_EQ(fin->type, ContentType::handshake);
  ByteVec expected_fin{0x14, 0x00, 0x00, 0x0c};
  const ByteVec& cv = k.at("client_verify_data");
  expected_fin.insert(expected_fin.end(), cv.begin(), cv.end());
  EXPECT_EQ(fin->content, expected_fin);
  auto app = client_read->open(record_of(k.at("client_app_record")));
  ASSERT_TRUE(app) << app.error().to_string();
  EXPECT_EQ(app->type, ContentType::application_data);
  EXPECT_EQ(std::string(app->content.begin(), app->content.end()), "ping from the client");
  // The same record again (sequence 2 now) does not authenticate: replay refused.
  auto replay = client_read->open(record_of(k.at("client_app_record")));
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().alert, Alert::bad_record_mac);

  // Our sealing of the client's Finished: the explicit nonce is the sequence number (RFC 5288
  // §3), computed independently by the generator.
  auto client_write = record::Protection12::create(provider(), params->aead, block->client);
  ASSERT_TRUE(client_write);
  auto sealed = client_write->seal(ContentType::handshake, expected_fin);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(*sealed, k.at("client_finished_record_seq_nonce"));
  EXPECT_EQ(client_write->sequence_number(), 1U);

  // The server's direction.
  auto server_read = record::Protection12::create(provider(), params->aead, block->server);
  ASSERT_TRUE(server_read);
  auto sfin = server_read->open(record_of(k.at("server_finished_record")));
  ASSERT_TRUE(sfin) << sfin.error().to_string();
  EXPECT_EQ(ByteVec(sfin->content.begin() + 4, sfin->content.end()), k.at("server_verify_data"));
  auto sapp = server_read->open(record_of(k.at("server_app_record")));
  ASSERT_TRUE(sapp) << sapp.error().to_string();
  EXPECT_EQ(std::string(sapp->content.begin(), sapp->content.end()), "pong from the server");
}

std::vector<Kat> kats() {
  auto all = load_kats();
  EXPECT_EQ(all.size(), 3U) << "data/tls12_kat.tsv is missing or incomplete";
  return all;
}

INSTANTIATE_TEST_SUITE_P(openssl, tls12_kat, testing::ValuesIn(kats()),
                         [](const testing::TestParamInfo<Kat>& param_info) {
                           std::string n = param_info.param.name;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

TEST(tls12_key_schedule, suites) {
  EXPECT_FALSE(tls12::suite12_params(CipherSuite::tls_aes_128_gcm_sha256));
  EXPECT_FALSE(tls12::suite12_params(static_cast<CipherSuite>(0xc027)));  // CBC
  const auto p = tls12::suite12_params(CipherSuite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->hash, crypto::HashAlgorithm::sha384);
  EXPECT_EQ(p->aead, crypto::AeadAlgorithm::aes_256_gcm);
  EXPECT_EQ(p->authentication, tls12::SuiteAuthentication::ecdsa);
}

TEST(tls12_key_schedule, reserved_exporter_labels_are_refused) {
  const ByteVec master(48, 1);
  const ByteVec random(32, 2);
  for (const char* label : {"client finished", "server finished", "master secret", "key expansion",
                            "extended master secret", "key expansionX"}) {
    auto r = tls12::exporter(provider(), crypto::HashAlgorithm::sha256, master, random, random,
                             label, std::nullopt, 16);
    EXPECT_FALSE(r) << label;
  }
  EXPECT_TRUE(tls12::exporter(provider(), crypto::HashAlgorithm::sha256, master, random, random,
                              "EXPORTER-x", std::nullopt, 16));
}

TEST(tls12_key_schedule, key_log_line) {
  const ByteVec random(32, 0xab);
  const ByteVec master(48, 0x01);
  const auto line = tls12::key_log_line(random, master);
  std::string expected = "CLIENT_RANDOM ";
  for (int i = 0; i < 32; ++i) expected += "ab";
  expected += ' ';
  for (int i = 0; i < 48; ++i) expected += "01";
  EXPECT_EQ(std::string(line.begin(), line.end()), expected);
}

TEST(tls12_key_schedule, wrong_lengths_are_internal_errors) {
  const ByteVec master(48, 1);
  EXPECT_FALSE(tls12::key_block(
      provider(), *tls12::suite12_params(CipherSuite::tls_ecdhe_rsa_with_aes_128_gcm_sha256),
      master, ByteVec(31), ByteVec(32)));
  EXPECT_FALSE(tls12::finished_verify_data(provider(), crypto::HashAlgorithm::sha256, master, true,
                                           ByteVec(48)));
  EXPECT_FALSE(tls12::extended_master_secret(provider(), crypto::HashAlgorithm::sha384, master,
                                             ByteVec(32)));
}

tls12::WriteKeys test_keys(crypto::AeadAlgorithm aead) {
  return tls12::WriteKeys{base::SecretBytes(ByteVec(crypto::aead_key_length(aead), 0x11)),
                          base::SecretBytes(ByteVec(tls12::fixed_iv_length(aead), 0x22))};
}

class tls12_protection : public testing::TestWithParam<crypto::AeadAlgorithm> {};

TEST_P(tls12_protection, round_trip_and_record_layout) {
  auto w = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  auto r = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  ASSERT_TRUE(w && r);
  for (std::uint64_t i = 0; i < 3; ++i) {
    const ByteVec content(static_cast<std::size_t>(i) * 100, static_cast<std::uint8_t>(i));
    auto sealed = w->seal(ContentType::application_data, content);
    ASSERT_TRUE(sealed);
    const std::size_t explicit_length = tls12::explicit_nonce_length(GetParam());
    ASSERT_EQ(sealed->size(), 5 + explicit_length + content.size() + 16);
    EXPECT_EQ((*sealed)[0], 23);
    EXPECT_EQ((*sealed)[1], 3);
    EXPECT_EQ((*sealed)[2], 3);
    if (explicit_length == 8) {
      // RFC 5288 §3: the explicit nonce is the sequence number.
      EXPECT_EQ(ByteVec(sealed->begin() + 5, sealed->begin() + 13),
                (ByteVec{0, 0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(i)}));
    }
    auto opened = r->open(record_of(*sealed));
    ASSERT_TRUE(opened) << opened.error().to_string();
    EXPECT_EQ(opened->content, content);
  }
}

TEST_P(tls12_protection, tampering_type_version_or_length_fails_authentication) {
  auto w = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  ASSERT_TRUE(w);
  auto sealed = w->seal(ContentType::application_data, ByteVec(20, 1));
  ASSERT_TRUE(sealed);
  for (std::size_t at : {std::size_t{0}, std::size_t{7}, sealed->size() - 1}) {
    auto r = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
    ASSERT_TRUE(r);
    ByteVec bad = *sealed;
    bad[at] ^= at == 0 ? 0x01 : 0x80;  // the type: application_data -> 22 (handshake)
    auto opened = r->open(record_of(bad));
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().alert, Alert::bad_record_mac);
  }
  // Another record version is refused (RFC 5246 §E.1).
  {
    auto r = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
    ASSERT_TRUE(r);
    ByteVec bad = *sealed;
    bad[2] = 0x01;
    auto opened = r->open(record_of(bad));
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().alert, Alert::protocol_version);
  }
  // The sequence number is authenticated: a record read at the wrong position fails.
  auto r = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  ASSERT_TRUE(r);
  r->hazmat_set_sequence_number(1);
  EXPECT_FALSE(r->open(record_of(*sealed)));
}

TEST_P(tls12_protection, sequence_numbers_never_wrap) {
  auto w = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  ASSERT_TRUE(w);
  w->hazmat_set_sequence_number(UINT64_MAX - 1);
  auto last = w->seal(ContentType::application_data, ByteVec(4, 1));
  ASSERT_TRUE(last);
  auto refused = w->seal(ContentType::application_data, ByteVec(4, 1));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "sequence_number");
  auto r = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  ASSERT_TRUE(r);
  r->hazmat_set_sequence_number(UINT64_MAX);
  EXPECT_FALSE(r->open(record_of(*last)));
}

TEST_P(tls12_protection, bounds) {
  auto w = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  auto r = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  ASSERT_TRUE(w && r);
  // RFC 5246 §6.2.1: at most 2^14 plaintext bytes.
  EXPECT_FALSE(w->seal(ContentType::application_data, ByteVec(max_plaintext_length + 1)));
  auto full = w->seal(ContentType::application_data, ByteVec(max_plaintext_length));
  ASSERT_TRUE(full);
  // RFC 5246 §6.2.3: a fragment longer than 2^14 + 2048 is record_overflow.
  record::Record huge{ContentType::application_data, tls12_version,
                      ByteVec(record::Protection12::max_ciphertext_length12 + 1)};
  auto over = r->open(std::move(huge));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().alert, Alert::record_overflow);
  // Shorter than explicit nonce + tag: bad_record_mac.
  record::Record tiny{ContentType::application_data, tls12_version, ByteVec(15)};
  auto short_one = r->open(std::move(tiny));
  ASSERT_FALSE(short_one);
  EXPECT_EQ(short_one.error().alert, Alert::bad_record_mac);
  // RFC 8449: a plaintext longer than our advertised limit is record_overflow.
  r->set_plaintext_limit(100);
  auto w2 = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  ASSERT_TRUE(w2);
  auto big = w2->seal(ContentType::application_data, ByteVec(101));
  ASSERT_TRUE(big);
  auto limited = r->open(record_of(*big));
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().alert, Alert::record_overflow);
  EXPECT_EQ(r->sequence_number(), 0U);
}

TEST_P(tls12_protection, record_layer_fragments_and_reassembles) {
  record::RecordWriter writer;
  record::RecordReader reader;
  auto w = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  auto r = record::Protection12::create(provider(), GetParam(), test_keys(GetParam()));
  ASSERT_TRUE(w && r);
  w->set_plaintext_limit(1000);
  writer.set_protection12(std::move(*w));
  ASSERT_TRUE(reader.set_protection12(std::move(*r)));
  EXPECT_TRUE(writer.has_protection());
  ByteVec out;
  const ByteVec data(2500, 0x5a);
  ASSERT_TRUE(writer.write(ContentType::application_data, data, out));
  // Three records of at most 1000 plaintext bytes each.
  const std::size_t overhead = 5 + tls12::explicit_nonce_length(GetParam()) + 16;
  EXPECT_EQ(out.size(), data.size() + 3 * overhead);
  reader.feed(out);
  ByteVec got;
  for (;;) {
    auto next = reader.next();
    ASSERT_TRUE(next) << next.error().to_string();
    if (!*next) break;
    EXPECT_TRUE((*next)->was_protected);
    got.insert(got.end(), (*next)->data.begin(), (*next)->data.end());
  }
  EXPECT_EQ(got, data);
}

INSTANTIATE_TEST_SUITE_P(aead, tls12_protection,
                         testing::Values(crypto::AeadAlgorithm::aes_128_gcm,
                                         crypto::AeadAlgorithm::aes_256_gcm,
                                         crypto::AeadAlgorithm::chacha20_poly1305),
                         [](const testing::TestParamInfo<crypto::AeadAlgorithm>& param_info) {
                           switch (param_info.param) {
                             case crypto::AeadAlgorithm::aes_128_gcm:
                               return std::string("aes_128_gcm");
                             case crypto::AeadAlgorithm::aes_256_gcm:
                               return std::string("aes_256_gcm");
                             case crypto::AeadAlgorithm::chacha20_poly1305:
                               return std::string("chacha20_poly1305");
                           }
                           return std::string("unknown");
                         });

}  // namespace
}  // namespace sanstls::native

// SPDX-License-Identifier: Apache-2.0 OR MIT
// RFC 8448 replays, one per section (3 simple 1-RTT, 4 resumed 0-RTT, 5 HelloRetryRequest,
// 6 client authentication, 7 compatibility mode). Each handshake is driven through our
// Transcript, KeySchedule, key exchange, message codec and record layer, and every value the RFC
// shows is compared: transcript hashes, secrets, ECDHE outputs, Finished and binder values,
// resumption PSKs, each message's re-encoding, each CertificateVerify signature, and every record
// our writer produces (and our reader opens, fed in odd-sized pieces).

#include "native/crypto/libcrypto_provider.hpp"
#include "native/key_schedule.hpp"
#include "native/msgs/message.hpp"
#include "native/record/record_layer.hpp"
#include "native/transcript.hpp"
#include "rfc8448_data.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

namespace sanstls::native {
namespace {

using testing::ByteVec;
using testing::Rfc8448;
using testing::Step;
using testing::to_hex;

ByteVec vec(const base::SecretBytes& s) { return ByteVec(s.span().begin(), s.span().end()); }
ByteVec vec(Bytes b) { return ByteVec(b.begin(), b.end()); }

ByteVec spki_of(const ByteVec& cert_der) {
  const unsigned char* p = cert_der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  if (cert == nullptr) return {};
  unsigned char* out = nullptr;
  const int len = i2d_PUBKEY(X509_get0_pubkey(cert), &out);
  ByteVec spki(out, out + len);
  OPENSSL_free(out);
  X509_free(cert);
  return spki;
}

struct Direction {
  record::RecordWriter writer;  // the sender's
  record::RecordReader reader;  // the receiver's
};

class Replay {
 public:
  Replay(const crypto::CryptoProvider& provider, int section)
      : p_(provider), s_(section), rfc_(Rfc8448::get()), transcript_(provider) {}

  void run() {
    for (const Step* step : rfc_.section(s_)) {
      if (step->starts_with("send ") && step->get("complete record") != nullptr) {
        SCOPED_TRACE(step->actor + " step " + std::to_string(step->index) + ": " + step->title);
        on_record(*step);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }

  int checks() const { return checks_; }
  int keys_checked() const { return keys_checked_; }
  int records() const { return records_; }

 private:
  ByteVec rfc(std::string_view actor, std::string_view title, std::string_view label) {
    auto v = rfc_.value(s_, actor, title, label);
    EXPECT_TRUE(v) << "RFC 8448 section " << s_ << " has no " << title << " / " << label;
    return v ? *v : ByteVec{};
  }
  void check(const ByteVec& ours, std::string_view actor, std::string_view title,
             std::string_view label) {
    EXPECT_EQ(to_hex(ours), to_hex(rfc(actor, title, label))) << title << " / " << label;
    ++checks_;
  }

  void install(Direction& d, const base::SecretBytes& secret) {
    auto keys = kd().traffic_keys(secret.span(), crypto::AeadAlgorithm::aes_128_gcm);
    ASSERT_TRUE(keys);
    // The RFC shows the key and IV for most traffic secrets ("derive ... traffic keys").
    const ByteVec secret_bytes = vec(secret);
    if (const Step* step = rfc_.step_with(s_, "PRK", secret_bytes);
        step != nullptr && step->get("key expanded") != nullptr) {
      EXPECT_EQ(to_hex(vec(keys->key)), to_hex(*step->get("key expanded"))) << step->title;
      EXPECT_EQ(to_hex(vec(keys->iv)), to_hex(*step->get("iv expanded"))) << step->title;
      ++checks_;
      ++keys_checked_;
    }
    auto w = record::Protection::create(p_, crypto::AeadAlgorithm::aes_128_gcm, *keys);
    auto r = record::Protection::create(p_, crypto::AeadAlgorithm::aes_128_gcm, *keys);
    ASSERT_TRUE(w && r);
    d.writer.set_protection(std::move(*w));
    ASSERT_TRUE(d.reader.set_protection(std::move(*r)));
  }

  const KeyDerivation& kd() { return ks_->derivation(); }

  void on_record(const Step& step) {
    const bool client = step.actor == "client";
    Direction& d = client ? c2s_ : s2c_;
    const ByteVec& payload = *step.get("payload");
    const ByteVec& complete = *step.get("complete record");
    const ContentType type = step.starts_with("send handshake") ? ContentType::handshake
                             : step.starts_with("send alert")   ? ContentType::alert
                             : step.starts_with("send change_cipher")
                                 ? ContentType::change_cipher_spec
                                 : ContentType::application_data;
    // Our writer must produce the RFC's record bytes.
    d.writer.set_plaintext_version(static_cast<std::uint16_t>((complete[1] << 8U) | complete[2]));
    ByteVec out;
    auto written = d.writer.write(type, payload, out);
    ASSERT_TRUE(written) << written.error().to_string();
    EXPECT_EQ(to_hex(out), to_hex(complete)) << "record bytes";
    ++records_;
    // The peer's reader, fed in pieces, must give back the payload.
    const std::size_t chunk = 1 + static_cast<std::size_t>(step.index % 13) * 5;
    for (std::size_t off = 0; off < complete.size(); off += chunk) {
      d.reader.feed(Bytes(complete).subspan(off, std::min(chunk, complete.size() - off)));
    }
    ByteVec received;
    for (;;) {
      auto in = d.reader.next();
      ASSERT_TRUE(in) << in.error().to_string();
      if (!*in) break;
      EXPECT_EQ((*in)->type, type);
      EXPECT_EQ((*in)->was_protected,
                complete[0] == 0x17 && type != ContentType::change_cipher_spec);
      received.insert(received.end(), (*in)->data.begin(), (*in)->data.end());
      if (type == ContentType::handshake) {
        on_message(client, (*in)->data);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
    EXPECT_EQ(to_hex(received), to_hex(payload));
  }

  void on_message(bool client, const ByteVec& bytes) {
    auto view = msgs::parse_handshake(bytes);
    ASSERT_TRUE(view) << view.error().to_string();
    auto parsed = msgs::parse_message(*view, 32);
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    auto encoded = msgs::encode_message(*parsed);
    ASSERT_TRUE(encoded);
    EXPECT_EQ(to_hex(*encoded), to_hex(bytes)) << "re-encoding";
    ++checks_;
    std::visit([&](const auto& m) { handle(client, bytes, m); }, *parsed);
  }

  void handle(bool, const ByteVec& bytes, const msgs::ClientHello& ch) {
    const auto* psk = ch.extensions.get<msgs::OfferedPsks>(ExtensionType::pre_shared_key);
    if (psk != nullptr) {
      // The PSK is the one section 3's NewSessionTicket established.
      auto nst_bytes =
          Rfc8448::get().value(3, "server", "construct a NewSessionTicket", "NewSessionTicket");
      ASSERT_TRUE(nst_bytes);
      auto nst = msgs::NewSessionTicket::parse(Bytes(*nst_bytes).subspan(4));
      ASSERT_TRUE(nst);
      const KeyDerivation kd3(p_, crypto::HashAlgorithm::sha256);
      auto res_master =
          Rfc8448::get().value(3, "client", "derive secret \"tls13 res master\"", "expanded");
      auto psk_secret = kd3.resumption_psk(*res_master, nst->ticket_nonce);
      ASSERT_TRUE(psk_secret);
      check(vec(*psk_secret), "", "extract secret \"early\"", "IKM");
      EXPECT_EQ(to_hex(psk->identities.at(0).identity), to_hex(nst->ticket));
      ASSERT_TRUE(transcript_.select_hash(crypto::HashAlgorithm::sha256));
      start_key_schedule(psk_secret->span());
      // RFC 8446 §4.2.11.2: the binder covers Truncate(ClientHello).
      auto truncated = ch.truncated_length(bytes.size());
      ASSERT_TRUE(truncated);
      check(ByteVec(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(*truncated)),
            "client", "calculate PSK binder", "ClientHello prefix");
      auto binder_hash = transcript_.hash_with(Bytes(bytes).first(*truncated));
      ASSERT_TRUE(binder_hash);
      check(vec(*binder_hash), "client", "calculate PSK binder", "binder hash");
      auto binder_key = ks_->binder_key(false);
      ASSERT_TRUE(binder_key);
      check(vec(*binder_key), "client", "calculate PSK binder", "PRK");
      auto binder = kd().finished_verify_data(binder_key->span(), *binder_hash);
      ASSERT_TRUE(binder);
      check(vec(*binder), "client", "calculate PSK binder", "finished");
      EXPECT_EQ(to_hex(vec(*binder)), to_hex(psk->binders.at(0)));
    }
    transcript_.add(bytes);
    if (psk != nullptr && ch.extensions.contains(ExtensionType::early_data)) {
      auto h = transcript_.current_hash();
      ASSERT_TRUE(h);
      check(vec(*h), "client", "derive secret \"tls13 c e traffic\"", "hash");
      auto cet = ks_->client_early_traffic_secret(*h);
      ASSERT_TRUE(cet);
      check(vec(*cet), "client", "derive secret \"tls13 c e traffic\"", "expanded");
      auto eem = ks_->early_exporter_master_secret(*h);
      ASSERT_TRUE(eem);
      check(vec(*eem), "client", "derive secret \"tls13 e exp master\"", "expanded");
      install(c2s_, *cet);
      early_active_ = true;
    }
    client_hellos_.push_back(ch);
  }

  void start_key_schedule(Bytes psk) {
    ks_.emplace(p_, crypto::HashAlgorithm::sha256);
    ASSERT_TRUE(ks_->derive_early_secret(psk));
    check(vec(ks_->early_secret()), "", "extract secret \"early\"", "secret");
  }

  std::unique_ptr<crypto::KeyShare> own_share(bool client, NamedGroup group) {
    const std::string actor = client ? "client" : "server";
    const std::string title =
        group == NamedGroup::x25519 ? "create an ephemeral x25519" : "create an ephemeral P-256";
    auto priv = rfc(actor, title, "private key");
    auto share = p_.key_share_from_private(group, priv);
    EXPECT_TRUE(share);
    return share ? std::move(*share) : nullptr;
  }

  void handle(bool, const ByteVec& bytes, const msgs::ServerHello& sh) {
    if (!transcript_.hash_algorithm()) {
      ASSERT_TRUE(transcript_.select_hash(suite_params(sh.cipher_suite)->hash));
    }
    if (sh.is_hello_retry_request()) {
      ASSERT_TRUE(transcript_.replace_with_message_hash());
      transcript_.add(bytes);
      ++checks_;
      return;
    }
    transcript_.add(bytes);
    if (!ks_) start_key_schedule({});
    // ECDHE, computed from both sides.
    const auto* server_share =
        sh.extensions.get<msgs::KeyShareServerHello>(ExtensionType::key_share);
    ASSERT_NE(server_share, nullptr);
    const auto group = server_share->share.group;
    auto client_share = own_share(true, group);
    auto server_own = own_share(false, group);
    ASSERT_TRUE(client_share && server_own);
    const auto* offered =
        client_hellos_.back().extensions.get<msgs::KeyShareClientHello>(ExtensionType::key_share);
    ASSERT_NE(offered, nullptr);
    ByteVec client_public;
    for (const auto& e : offered->shares) {
      if (e.group == group) client_public = e.key_exchange;
    }
    EXPECT_EQ(to_hex(client_public), to_hex(vec(client_share->public_key())));
    auto shared_c = client_share->complete(server_share->share.key_exchange);
    auto shared_s = server_own->complete(client_public);
    ASSERT_TRUE(shared_c && shared_s);
    EXPECT_EQ(to_hex(vec(*shared_c)), to_hex(vec(*shared_s)));
    check(vec(*shared_c), "", "extract secret \"handshake\"", "IKM");
    ASSERT_TRUE(ks_->derive_handshake_secret(shared_c->span()));
    check(vec(ks_->handshake_secret()), "", "extract secret \"handshake\"", "secret");
    auto h = transcript_.current_hash();
    ASSERT_TRUE(h);
    check(vec(*h), "server", "derive secret \"tls13 c hs traffic\"", "hash");
    auto c_hs = ks_->client_handshake_traffic_secret(*h);
    auto s_hs = ks_->server_handshake_traffic_secret(*h);
    ASSERT_TRUE(c_hs && s_hs);
    check(vec(*c_hs), "server", "derive secret \"tls13 c hs traffic\"", "expanded");
    check(vec(*s_hs), "server", "derive secret \"tls13 s hs traffic\"", "expanded");
    c_hs_ = std::move(*c_hs);
    s_hs_ = std::move(*s_hs);
    install(s2c_, s_hs_);
    if (!early_active_) install(c2s_, c_hs_);
  }

  void handle(bool, const ByteVec& bytes, const msgs::EncryptedExtensions&) {
    transcript_.add(bytes);
  }
  void handle(bool, const ByteVec& bytes, const msgs::CertificateRequest&) {
    transcript_.add(bytes);
  }
  void handle(bool, const ByteVec& bytes, const msgs::Certificate& c) {
    ASSERT_FALSE(c.certificate_list.empty());
    peer_spki_ = spki_of(c.certificate_list.front().cert_data);
    ASSERT_FALSE(peer_spki_.empty());
    transcript_.add(bytes);
  }
  void handle(bool client, const ByteVec& bytes, const msgs::CertificateVerify& cv) {
    auto h = transcript_.current_hash();
    ASSERT_TRUE(h);
    auto content = msgs::certificate_verify_content(!client, *h);
    ASSERT_TRUE(content);
    auto verified = p_.verify(cv.algorithm, peer_spki_, *content, cv.signature);
    EXPECT_TRUE(verified) << verified.error().to_string();
    ++checks_;
    transcript_.add(bytes);
  }
  void handle(bool client, const ByteVec& bytes, const msgs::Finished& fin) {
    auto h = transcript_.current_hash();
    ASSERT_TRUE(h);
    auto expected = kd().finished_verify_data(client ? c_hs_.span() : s_hs_.span(), *h);
    ASSERT_TRUE(expected);
    EXPECT_EQ(to_hex(vec(*expected)), to_hex(fin.verify_data));
    check(vec(*expected), client ? "client" : "server", "calculate finished", "finished");
    transcript_.add(bytes);
    auto after = transcript_.current_hash();
    ASSERT_TRUE(after);
    if (!client) {
      ASSERT_TRUE(ks_->derive_master_secret());
      check(vec(ks_->master_secret()), "", "extract secret \"master\"", "secret");
      check(vec(*after), "server", "derive secret \"tls13 c ap traffic\"", "hash");
      auto c_ap = ks_->client_application_traffic_secret(*after);
      auto s_ap = ks_->server_application_traffic_secret(*after);
      auto exp = ks_->exporter_master_secret(*after);
      ASSERT_TRUE(c_ap && s_ap && exp);
      check(vec(*c_ap), "server", "derive secret \"tls13 c ap traffic\"", "expanded");
      check(vec(*s_ap), "server", "derive secret \"tls13 s ap traffic\"", "expanded");
      check(vec(*exp), "server", "derive secret \"tls13 exp master\"", "expanded");
      c_ap_ = std::move(*c_ap);
      install(s2c_, *s_ap);
      // KeyUpdate: the next generation must differ and be derivable (RFC 8448 has no vector).
      auto next = kd().next_traffic_secret(c_ap_.span());
      ASSERT_TRUE(next);
      EXPECT_NE(to_hex(vec(*next)), to_hex(vec(c_ap_)));
    } else {
      auto res = ks_->resumption_master_secret(*after);
      ASSERT_TRUE(res);
      check(vec(*res), "client", "derive secret \"tls13 res master\"", "expanded");
      res_master_ = std::move(*res);
      install(c2s_, c_ap_);
    }
  }
  void handle(bool, const ByteVec& bytes, const msgs::EndOfEarlyData&) {
    transcript_.add(bytes);
    early_active_ = false;
    install(c2s_, c_hs_);
  }
  void handle(bool, const ByteVec&, const msgs::NewSessionTicket& nst) {
    auto psk = kd().resumption_psk(res_master_.span(), nst.ticket_nonce);
    ASSERT_TRUE(psk);
    check(vec(*psk), "server", "generate resumption secret", "expanded");
  }
  void handle(bool, const ByteVec&, const msgs::KeyUpdate&) {}

  const crypto::CryptoProvider& p_;
  int s_;
  const Rfc8448& rfc_;
  Transcript transcript_;
  std::optional<KeySchedule> ks_;
  std::vector<msgs::ClientHello> client_hellos_;
  base::SecretBytes c_hs_, s_hs_, c_ap_, res_master_;
  ByteVec peer_spki_;
  bool early_active_ = false;
  Direction c2s_, s2c_;
  int checks_ = 0;
  int records_ = 0;
  int keys_checked_ = 0;
};

class rfc8448_replay : public ::testing::TestWithParam<int> {};

TEST_P(rfc8448_replay, secrets_messages_and_records) {
  auto provider = crypto::LibcryptoProvider::create();
  ASSERT_TRUE(provider);
  Replay replay(**provider, GetParam());
  replay.run();
  RecordProperty("checks", replay.checks());
  std::printf("section %d: %d checks (%d key/IV pairs), %d records\n", GetParam(), replay.checks(),
              replay.keys_checked(), replay.records());
  EXPECT_GT(replay.checks(), 15);
  EXPECT_GE(replay.records(), 6);
  EXPECT_GE(replay.keys_checked(), 4) << "key/IV pairs compared with the RFC";
}

INSTANTIATE_TEST_SUITE_P(sections, rfc8448_replay, ::testing::Values(3, 4, 5, 6, 7),
                         [](const auto& p) { return "section_" + std::to_string(p.param); });

/// Every message the RFC shows on its own parses and re-encodes byte for byte.
TEST(rfc8448_messages, every_message_reencodes) {
  int count = 0;
  for (int s = 3; s <= 7; ++s) {
    for (const Step* step : Rfc8448::get().section(s)) {
      if (!step->starts_with("construct a")) continue;
      const ByteVec& bytes = step->fields.front().value;
      SCOPED_TRACE(std::to_string(s) + " " + step->title);
      auto view = msgs::parse_handshake(bytes);
      if (!view) {
        // Section 4 shows the ClientHello without its binders (the "prefix"): the header claims
        // the full length. That is the only message allowed to fail here.
        EXPECT_EQ(s, 4);
        EXPECT_EQ(step->fields.front().label, "ClientHello");
        continue;
      }
      auto parsed = msgs::parse_message(*view, 32);
      ASSERT_TRUE(parsed) << parsed.error().to_string();
      auto encoded = msgs::encode_message(*parsed);
      ASSERT_TRUE(encoded);
      EXPECT_EQ(to_hex(*encoded), to_hex(bytes));
      ++count;
    }
  }
  EXPECT_EQ(count, 39);  // all 40 "construct" steps but the binder-less prefix
}

}  // namespace
}  // namespace sanstls::native

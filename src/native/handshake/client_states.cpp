// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/handshake/client_states.hpp"

#include "native/crypto/libcrypto_provider.hpp"
#include "native/handshake/authentication13.hpp"
#include "native/handshake/client_states12.hpp"
#include "native/handshake/fuzzing.hpp"
#include "native/handshake/key_share_seed.hpp"
#include "native/handshake/record_dispatch.hpp"
#include "native/handshake/state_helpers.hpp"
#include "native/msgs/extensions12.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

namespace sanstls::native::handshake {

namespace {

using msgs::HandshakeView;

void log_key(const ClientHandshakeEnvironment& env, std::string_view label, const Negotiated& n,
             const SecretBytes& secret) {
  if (env.key_log) env.key_log(label, n.client_random, secret.span());
}

std::chrono::system_clock::time_point client_now(const ClientHandshakeEnvironment& env) {
  return env.clock ? env.clock() : env.provider->now();
}

/// Write keys `keys`, limited to what the server accepts.
InstallKeys write_install(const Negotiated& n, TrafficKeys keys) {
  InstallKeys install{true, n.params.aead, std::move(keys)};
  // RFC 8449 §4: "The record size limit only applies to records sent toward the endpoint that
  // advertises the limit." In TLS 1.3 it counts the whole TLSInnerPlaintext (content type and
  // padding included); Protection caps it at the protocol maximum.
  if (n.peer_record_size_limit) install.inner_plaintext_limit = *n.peer_record_size_limit;
  return install;
}
/// Write keys for `secret`, limited to what the server accepts.
Result<InstallKeys> write_keys(const KeyDerivation& kd, const Negotiated& n,
                               const SecretBytes& secret) {
  WIRE_TRY(auto keys, kd.traffic_keys(secret.span(), n.params.aead));
  return write_install(n, std::move(keys));
}
/// Read keys for `secret`; with `finished_key`, a handshake traffic secret's finished_key too.
Result<InstallKeys> read_keys(const KeyDerivation& kd, const Negotiated& n,
                              const SecretBytes& secret, SecretBytes* finished_key = nullptr) {
  WIRE_TRY(auto keys, kd.traffic_keys(secret.span(), n.params.aead, finished_key));
  return InstallKeys{false, n.params.aead, std::move(keys)};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ClientHello

namespace {

/// The ClientHello's extension block. `retry` carries what a ClientHello2 adds (RFC 8446
/// §4.1.2): the HelloRetryRequest's cookie and the retry_extra_extensions.
Result<std::vector<msgs::Extension>> hello_extensions(const ClientHelloParameters& params,
                                                      msgs::KeyShareClientHello key_share,
                                                      const msgs::Cookie* cookie, bool retry,
                                                      std::vector<msgs::Extension> resumption) {
  std::vector<msgs::Extension> list;
  if (params.server_name) {
    msgs::ServerName name;
    name.name.assign(params.server_name->begin(), params.server_name->end());
    list.push_back({ExtensionType::server_name, msgs::ServerNameList{{std::move(name)}}});
  }
  if (!params.alpn_protocols.empty()) {
    msgs::ProtocolNameList names;
    for (const auto& p : params.alpn_protocols) {
      // RFC 7301 §3.1: "Empty strings MUST NOT be included and byte strings MUST NOT be
      // truncated." (a ProtocolName is opaque<1..2^8-1>)
      if (p.empty() || p.size() > 255) {
        return wire::fail(Alert::internal_error, "ClientHelloParameters.alpn_protocols",
                          "a protocol name must be 1 to 255 bytes");
      }
      names.names.emplace_back(p.begin(), p.end());
    }
    list.push_back({ExtensionType::application_layer_protocol_negotiation, std::move(names)});
  }
  list.push_back({ExtensionType::supported_groups, msgs::NamedGroupList{params.supported_groups}});
  list.push_back({ExtensionType::signature_algorithms,
                  msgs::SignatureSchemeList{params.signature_algorithms}});
  // key_share is a TLS 1.3 extension (RFC 8446 §4.2.8): a TLS 1.2-only hello has none.
  if (params.offer_tls13) list.push_back({ExtensionType::key_share, std::move(key_share)});
  const bool tls12 = !params.tls12_cipher_suites.empty();
  list.push_back({ExtensionType::supported_versions,
                  msgs::SupportedVersionsList{
                      !params.offer_tls13 ? std::vector<std::uint16_t>{tls12_version}
                      : tls12             ? std::vector<std::uint16_t>{tls13_version, tls12_version}
                                          : std::vector<std::uint16_t>{tls13_version}}});
  if (params.record_size_limit) {
    list.push_back(
        {ExtensionType::record_size_limit, msgs::RecordSizeLimit{*params.record_size_limit}});
  }
  if (tls12) {
    // RFC 7627 §5.1, RFC 8422 §5.1.2 (uncompressed only), RFC 5746 §3.4 ("the client MUST include
    // either an empty "renegotiation_info" extension, or the TLS_EMPTY_RENEGOTIATION_INFO_SCSV").
    list.push_back(msgs::extended_master_secret_extension());
    list.push_back(msgs::ec_point_formats_extension());
    const bool has_reneg = std::any_of(
        params.extra_extensions.begin(), params.extra_extensions.end(),
        [](const msgs::Extension& e) { return e.type == ExtensionType::renegotiation_info; });
    if (!has_reneg) {
      WIRE_TRY(auto reneg, msgs::renegotiation_info_extension());
      list.push_back(std::move(reneg));
    }
    // RFC 5077 §3.2: an empty session_ticket asks for a ticket; a non-empty one offers it.
    if (params.tls12_session_tickets || params.resumption12) {
      ByteVec ticket;
      if (params.resumption12) ticket = params.resumption12->ticket;
      list.push_back({ExtensionType::session_ticket, msgs::RawExtension{std::move(ticket)}});
    }
  }
  for (const auto& e : params.extra_extensions) list.push_back(e);
  for (auto& e : resumption) list.push_back(std::move(e));
  if (cookie != nullptr) {
    // RFC 8446 §4.2.2: "When sending the new ClientHello, the client MUST copy the contents of
    // the extension received in the HelloRetryRequest into a "cookie" extension in the new
    // ClientHello."
    list.push_back({ExtensionType::cookie, *cookie});
  }
  if (retry) {
    for (const auto& e : params.retry_extra_extensions) list.push_back(e);
  }
  if (params.extension_order.empty()) return list;

  // Types only a ClientHello2 carries may be listed and absent.
  auto retry_only = [&](ExtensionType type) {
    // pre_shared_key is placed last after ordering; early_data is in the first hello only.
    if (type == ExtensionType::cookie || type == ExtensionType::pre_shared_key ||
        type == ExtensionType::early_data) {
      return true;
    }
    return std::any_of(params.retry_extra_extensions.begin(), params.retry_extra_extensions.end(),
                       [type](const msgs::Extension& e) { return e.type == type; });
  };
  std::vector<msgs::Extension> ordered;
  for (const ExtensionType type : params.extension_order) {
    auto it = std::find_if(list.begin(), list.end(),
                           [type](const msgs::Extension& e) { return e.type == type; });
    if (it == list.end()) {
      if (retry_only(type)) continue;
      return wire::fail(Alert::internal_error, "ClientHelloParameters.extension_order",
                        "names an extension not sent");
    }
    ordered.push_back(std::move(*it));
    list.erase(it);
  }
  if (!list.empty()) {
    return wire::fail(Alert::internal_error, "ClientHelloParameters.extension_order",
                      "does not list every extension");
  }
  return ordered;
}

/// The offered PSK's early-stage key schedule, made on first use (its hash is the PSK suite's).
Result<KeySchedule*> early_schedule(Negotiated::OfferedPsk& psk,
                                    const crypto::CryptoProvider& provider) {
  if (!psk.early) {
    KeySchedule early(provider, suite_params(psk.suite)->hash);
    WIRE_CHECK(early.derive_early_secret(psk.secret.span()));
    psk.early = std::make_unique<KeySchedule>(std::move(early));
  }
  return psk.early.get();
}

/// RFC 8446 §4.2.9 psk_dhe_ke: the only mode we offer (forward secrecy on resumption).
constexpr std::uint8_t psk_dhe_ke = 1;

/// Encodes a ClientHello; `offered` learns which extensions it carries. With a PSK to offer
/// (offered.psk), psk_key_exchange_modes, early_data (first hello only, when offered) and
/// pre_shared_key come last, the binder computed over the truncated hello (RFC 8446 §4.2.11.2)
/// after `before` (null: nothing precedes it; else message_hash(ClientHello1) || HRR).
Result<ByteVec> encode_hello(const ClientHelloParameters& params, Negotiated& offered,
                             msgs::KeyShareClientHello key_share, const msgs::Cookie* cookie,
                             bool retry, const crypto::CryptoProvider& provider,
                             const Transcript* before, std::chrono::system_clock::time_point now) {
  msgs::ClientHello ch;
  ch.random = offered.client_random;
  ch.legacy_session_id = params.legacy_session_id;
  if (params.offer_tls13) ch.cipher_suites = params.cipher_suites;
  ch.cipher_suites.insert(ch.cipher_suites.end(), params.tls12_cipher_suites.begin(),
                          params.tls12_cipher_suites.end());
  const bool with_psk = offered.psk.has_value() && params.resumption.has_value();
  std::vector<msgs::Extension> resumption;
  if (with_psk) {
    // Unless a known-answer test gave its own (RFC 8448 §4's client sends psk_dhe_ke too).
    if (!std::any_of(params.extra_extensions.begin(), params.extra_extensions.end(),
                     [](const msgs::Extension& e) {
                       return e.type == ExtensionType::psk_key_exchange_modes;
                     })) {
      resumption.push_back(
          {ExtensionType::psk_key_exchange_modes, msgs::PskKeyExchangeModes{{psk_dhe_ke}}});
    }
    // RFC 8446 §4.2.10: "A client MUST NOT include the "early_data" extension in its followup
    // ClientHello."
    if (!retry && offered.early_data_offered) {
      resumption.push_back({ExtensionType::early_data, msgs::EmptyExtension{}});
    }
  }
  WIRE_TRY(auto list,
           hello_extensions(params, std::move(key_share), cookie, retry, std::move(resumption)));
  const auto hash = with_psk ? suite_params(offered.psk->suite)->hash : crypto::HashAlgorithm{};
  if (with_psk) {
    const auto& session = *params.resumption;
    // RFC 8446 §4.2.11.1: obfuscated_ticket_age = the ticket's age in milliseconds plus
    // ticket_age_add, modulo 2^32.
    const auto now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    const std::uint64_t age = now_ms > session.received_ms ? now_ms - session.received_ms : 0;
    msgs::OfferedPsks psks;
    psks.identities.push_back(
        {session.ticket, static_cast<std::uint32_t>(age) + session.ticket_age_add});
    psks.binders.push_back(ByteVec(crypto::hash_length(hash), 0));
    // RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the
    // ClientHello".
    list.push_back({ExtensionType::pre_shared_key, std::move(psks)});
  }
  offered.offered_extensions.clear();
  for (const auto& e : list) offered.offered_extensions.push_back(e.type);
  ch.extensions = msgs::Extensions(std::move(list));
  WIRE_TRY(auto bytes, ch.encode());
  if (!with_psk) return bytes;

  // RFC 8446 §4.2.11.2: the binder is a Finished computed with binder_key over
  // Transcript-Hash(Truncate(ClientHello)), preceded after a HelloRetryRequest by
  // message_hash(ClientHello1) and the HelloRetryRequest.
  const auto truncated = ch.truncated_length(bytes.size());
  if (!truncated) return wire::fail(Alert::internal_error, "ClientHello", "no binders");
  const Bytes partial = Bytes(bytes).first(*truncated);
  WIRE_TRY(const KeySchedule* schedule, early_schedule(*offered.psk, provider));
  WIRE_TRY(const auto binder_key, schedule->binder_key(false));
  crypto::Digest hello_hash;
  if (before == nullptr) {
    Transcript alone(provider);
    WIRE_CHECK(alone.select_hash(hash));
    WIRE_TRY(hello_hash, alone.hash_with(partial));
  } else {
    WIRE_TRY(hello_hash, before->hash_with(partial));
  }
  WIRE_TRY(const auto binder,
           schedule->derivation().finished_verify_data(binder_key.span(), hello_hash));
  auto& psks = std::get<msgs::OfferedPsks>(ch.extensions.list().back().body);
  psks.binders.front().assign(binder.span().begin(), binder.span().end());
  // The binders list is the hello's tail (truncated_length): with our one binder, its last
  // Hash.length bytes are the binder, encoded above as zeros of that length. They are filled in
  // place instead of encoding the whole hello again.
  if (psks.binders.size() != 1 || bytes.size() != *truncated + 2 + 1 + binder.size()) {
    return wire::fail(Alert::internal_error, "ClientHello", "binders not at the end");
  }
  std::copy(binder.span().begin(), binder.span().end(),
            bytes.end() - static_cast<std::ptrdiff_t>(binder.size()));
  return bytes;
}

msgs::KeyShareClientHello key_share_list(
    const std::vector<std::unique_ptr<crypto::KeyShare>>& shares) {
  msgs::KeyShareClientHello key_share;
  for (const auto& share : shares) {
    const Bytes pub = share->public_key();
    key_share.shares.push_back(
        msgs::KeyShareEntry{share->group(), ByteVec(pub.begin(), pub.end())});
  }
  return key_share;
}

}  // namespace

std::vector<NamedGroup> initial_key_share_groups(const std::vector<NamedGroup>& supported_groups) {
  std::vector<NamedGroup> groups;
  if (supported_groups.empty()) {
    return groups;
  }
  groups.push_back(supported_groups.front());
  if (supported_groups.front() == NamedGroup::x25519mlkem768 &&
      contains(supported_groups, NamedGroup::x25519)) {
    groups.push_back(NamedGroup::x25519);
  }
  return groups;
}

Result<ClientStart> start_client(ClientHelloParameters params,
                                 const ClientHandshakeEnvironment& env) {
  if (env.provider == nullptr) {
    return wire::fail(Alert::internal_error, "ClientHandshakeEnvironment", "no provider");
  }
  const auto& provider = *env.provider;
  Negotiated offered;
  // RFC 5077 §3.4: offering a ticket, the client "MAY generate and include a Session ID"; ours
  // is how we recognise that the server accepted it (it echoes the Session ID).
  const bool offers_ticket12 = params.resumption12 && !params.tls12_cipher_suites.empty();
  constexpr std::size_t random_length = std::tuple_size_v<decltype(offered.client_random)>;
  const bool with_session_id =
      (params.middlebox_compatibility || offers_ticket12) && params.legacy_session_id.empty();
  // A TLS 1.2-only hello carries no key share (the ECDHE key is made for the ServerKeyExchange):
  // generating one anyway cost an X25519 key generation per TLS 1.2 handshake.
  const std::vector<NamedGroup> share_groups =
      params.offer_tls13 ? params.key_share_groups : std::vector<NamedGroup>{};
  std::size_t shares_length = 0;
  for (const NamedGroup group : share_groups) {
    // RFC 8446 §4.2.8: "Clients MUST NOT offer any KeyShareEntry values for groups not listed in
    // the client's "supported_groups" extension."
    if (!contains(params.supported_groups, group)) {
      return wire::fail(Alert::internal_error, "ClientHelloParameters.key_share_groups",
                        "group not in supported_groups");
    }
    shares_length += key_share_seed_length(group);
  }
  // When TLS 1.2 may be chosen, the private key of its ECDHE share is drawn now too: the
  // longest seed of a TLS 1.2 group (P-384's); X25519 and P-256 take its first 32 bytes.
  const std::size_t ecdhe12_length =
      params.tls12_cipher_suites.empty() ? 0 : key_share_seed_length(NamedGroup::secp384r1);
  // One draw (key_share_seed.hpp), split in this order: the random, the session id, the key
  // shares, the TLS 1.2 key. Known-answer tests rely on the order.
  SecretBytes fresh(random_length + (with_session_id ? 32 : 0) + shares_length + ecdhe12_length);
  provider.random(fresh.mutable_span());
  Bytes rest = fresh.span();
  std::ranges::copy(rest.first(random_length), offered.client_random.begin());
  rest = rest.subspan(random_length);
  if (with_session_id) {
    // RFC 8446 §D.4: "The client always provides a non-empty session ID in the ClientHello";
    // §4.1.2: "a client not offering a pre-TLS 1.3 session MUST generate a new 32-byte value.
    // This value need not be random but SHOULD be unpredictable".
    params.legacy_session_id.assign(rest.begin(), rest.begin() + 32);
    rest = rest.subspan(32);
  }
  std::vector<std::unique_ptr<crypto::KeyShare>> shares;
  for (const NamedGroup group : share_groups) {
    const std::size_t length = key_share_seed_length(group);
    WIRE_TRY(auto share, key_share_from_seed(provider, group, rest.first(length)));
    shares.push_back(std::move(share));
    rest = rest.subspan(length);
  }
  SecretBytes ecdhe12_seed(rest);
  offered.offered_signature_schemes = params.signature_algorithms;
  offered.offered_alpn = params.alpn_protocols;
  offered.middlebox_compatibility = params.middlebox_compatibility;
  if (params.resumption) {
    const auto& session = *params.resumption;
    // RFC 8446 §4.1.4 / §4.2.11: a PSK is usable only with a suite of its hash; one we no longer
    // offer means a full handshake.
    const bool suite_offered =
        std::any_of(params.cipher_suites.begin(), params.cipher_suites.end(), [&](CipherSuite c) {
          const auto sp = suite_params(c);
          return sp && sp->hash == suite_params(session.suite)->hash;
        });
    if (suite_offered) {
      offered.psk = Negotiated::OfferedPsk{session.psk, session.suite, session.alpn};
      // RFC 8446 §4.2.10: 0-RTT only when the ticket allows it, with the ticket's suite offered.
      offered.early_data_offered = !params.early_data.empty() && session.max_early_data > 0 &&
                                   contains(params.cipher_suites, session.suite);
    }
  }
  WIRE_TRY(auto bytes, encode_hello(params, offered, key_share_list(shares), nullptr, false,
                                    provider, nullptr, client_now(env)));
  Transcript transcript(provider);
  transcript.add(bytes);
  Actions after_hello;
  if (offered.early_data_offered) {
    const auto& session = *params.resumption;
    const auto suite = *suite_params(session.suite);
    // RFC 8446 §7.1: client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic",
    // ClientHello), with the PSK's hash.
    // The PSK's early stage, which encode_hello made for the binder.
    WIRE_TRY(const KeySchedule* early, early_schedule(*offered.psk, provider));
    Transcript hello_only(provider);
    WIRE_CHECK(hello_only.select_hash(suite.hash));
    hello_only.add(bytes);
    WIRE_TRY(const auto hello_hash, hello_only.current_hash());
    WIRE_TRY(const auto c_early, early->client_early_traffic_secret(hello_hash));
    log_key(env, "CLIENT_EARLY_TRAFFIC_SECRET", offered, c_early);
    if (offered.middlebox_compatibility) {
      // RFC 8446 §D.4: "If offering early data, the record is placed immediately after the
      // first ClientHello."
      after_hello.emplace_back(SendChangeCipherSpec{});
      offered.change_cipher_spec_sent = true;
    }
    WIRE_TRY(auto keys, early->derivation().traffic_keys(c_early.span(), suite.aead));
    after_hello.emplace_back(InstallKeys{true, suite.aead, std::move(keys)});
  }
  ExpectServerHello first{std::move(offered), std::move(params), std::move(transcript),
                          std::move(shares),  std::nullopt,      {}};
  if (!first.params.tls12_cipher_suites.empty()) first.client_hello = bytes;
  first.ecdhe12_seed = std::move(ecdhe12_seed);
  return ClientStart{std::move(bytes), std::move(first), std::move(after_hello)};
}

// ---------------------------------------------------------------------------------------------
// ServerHello and HelloRetryRequest

namespace {

/// The checks a ServerHello and a HelloRetryRequest share (RFC 8446 §4.1.4: "Upon receipt of a
/// HelloRetryRequest, the client MUST check the legacy_version, legacy_session_id_echo,
/// cipher_suite, and legacy_compression_method as specified in Section 4.1.3").
Result<SuiteParams> check_server_hello_fields(const msgs::ServerHello& sh,
                                              const ClientHelloParameters& params,
                                              const Negotiated& offered, std::string_view name) {
  // RFC 8446 §4.1.3: legacy_session_id_echo: "A client which receives a legacy_session_id_echo
  // field that does not match what it sent in the ClientHello MUST abort the handshake with an
  // "illegal_parameter" alert."
  if (sh.legacy_session_id_echo != params.legacy_session_id) {
    return wire::illegal_parameter("ServerHello.legacy_session_id_echo", "not what we sent");
  }
  // RFC 8446 §4.1.3: cipher_suite: "A client which receives a cipher suite that was not offered
  // MUST abort the handshake with an "illegal_parameter" alert."
  const auto suite = suite_params(sh.cipher_suite);
  if (!contains(params.cipher_suites, sh.cipher_suite) || !suite) {
    return wire::refuse(Alert::illegal_parameter, wire::Refusal::unoffered_cipher_suite,
                        "ServerHello.cipher_suite", "not offered");
  }
  // RFC 8446 §4.2: "Implementations MUST NOT send extension responses if the remote endpoint did
  // not send the corresponding extension requests ... Upon receiving such an extension, an
  // endpoint MUST abort the handshake with an "unsupported_extension" alert." §4.1.4: a
  // HelloRetryRequest may add a cookie.
  for (const auto& e : sh.extensions.list()) {
    const bool hrr_cookie = sh.is_hello_retry_request() && e.type == ExtensionType::cookie;
    if (!hrr_cookie && !contains(offered.offered_extensions, e.type)) {
      return wire::fail(
          Alert::unsupported_extension,
          name == "HelloRetryRequest" ? "HelloRetryRequest.extensions" : "ServerHello.extensions",
          "not requested");
    }
  }
  return *suite;
}

}  // namespace

Result<ClientState> ExpectServerHello::retry_hello(const msgs::ServerHello& hrr,
                                                   const HandshakeView& message,
                                                   const ClientHandshakeEnvironment& env,
                                                   Actions& actions) && {
  // RFC 8446 §4.1.4: "If a client receives a second HelloRetryRequest in the same connection
  // (i.e., where the ClientHello was itself in response to a HelloRetryRequest), it MUST abort
  // the handshake with an "unexpected_message" alert."
  if (retry) {
    return wire::fail(Alert::unexpected_message, "HelloRetryRequest", "second HelloRetryRequest");
  }
  WIRE_TRY(const auto suite, check_server_hello_fields(hrr, params, offered, "HelloRetryRequest"));
  const auto* selected =
      hrr.extensions.get<msgs::KeyShareHelloRetryRequest>(ExtensionType::key_share);
  const auto* cookie = hrr.extensions.get<msgs::Cookie>(ExtensionType::cookie);
  HelloRetryChoice choice{hrr.cipher_suite, std::nullopt};
  if (selected != nullptr) {
    // RFC 8446 §4.2.8: "the client MUST verify that (1) the selected_group field corresponds to
    // a group which was provided in the "supported_groups" extension in the original ClientHello
    // and (2) the selected_group field does not correspond to a group which was provided in the
    // "key_share" extension in the original ClientHello. If either of these checks fails, then
    // the client MUST abort the handshake with an "illegal_parameter" alert."
    if (!contains(params.supported_groups, selected->selected_group)) {
      return wire::illegal_parameter("HelloRetryRequest.key_share", "group not offered");
    }
    for (const auto& share : key_shares) {
      if (share->group() == selected->selected_group) {
        return wire::illegal_parameter("HelloRetryRequest.key_share",
                                       "group we already sent a share for");
      }
    }
    choice.group = selected->selected_group;
  }
  // RFC 8446 §4.1.4: "Clients MUST abort the handshake with an "illegal_parameter" alert if the
  // HelloRetryRequest would not result in any change in the ClientHello." Only key_share and
  // cookie change it (supported_versions merely confirms TLS 1.3).
  if (selected == nullptr && cookie == nullptr) {
    return wire::illegal_parameter("HelloRetryRequest", "would not change the ClientHello");
  }
  if (choice.group) {
    // RFC 8446 §4.2.8: "the client MUST replace the original "key_share" extension with one
    // containing only a new KeyShareEntry for the group indicated in the selected_group field".
    WIRE_TRY(auto share, env.provider->generate_key_share(*choice.group));
    key_shares.clear();
    key_shares.push_back(std::move(share));
  }
  // RFC 8446 §4.4.1: "When the server responds to a ClientHello with a HelloRetryRequest, the
  // value of ClientHello1 is replaced with a special synthetic handshake message of handshake
  // type "message_hash" containing Hash(ClientHello1)."
  WIRE_CHECK(transcript.select_hash(suite.hash));
  WIRE_CHECK(transcript.replace_with_message_hash());
  transcript.add(message.whole);
  // RFC 8446 §4.1.4: "the client SHOULD NOT offer any pre-shared keys associated with a hash
  // other than that of the selected cipher suite". Early data is over (§4.2.10).
  if (offered.psk && suite_params(offered.psk->suite)->hash != suite.hash) offered.psk.reset();
  // RFC 8446 §4.1.2: ClientHello2 is ClientHello1 with the key_share replaced and the cookie
  // added (same random, session id, suites and other extensions), "updating the
  // "pre_shared_key" extension if present by recomputing the "obfuscated_ticket_age" and binder
  // values".
  WIRE_TRY(auto hello2, encode_hello(params, offered, key_share_list(key_shares), cookie, true,
                                     *env.provider, &transcript, client_now(env)));
  transcript.add(hello2);
  if (offered.middlebox_compatibility && !offered.change_cipher_spec_sent) {
    // RFC 8446 §D.4: the dummy change_cipher_spec "may either be before its second ClientHello
    // or before its encrypted handshake flight".
    actions.emplace_back(SendChangeCipherSpec{});
    offered.change_cipher_spec_sent = true;
  }
  actions.emplace_back(SendHandshake{std::move(hello2)});
  offered.hello_retry_request = true;
  retry = choice;
  return std::move(*this);
}

Result<ClientState> ExpectServerHello::handle(const HandshakeView& message,
                                              const ClientHandshakeEnvironment& env,
                                              Actions& actions) && {
  if (message.type != HandshakeType::server_hello) return unexpected_message("ServerHello");
  // A TLS 1.2 answer was handed over before this (ClientHandshake::hand_over_if_tls12): the key
  // drawn for a TLS 1.2 ECDHE share is not needed, and is wiped and freed now.
  ecdhe12_seed = SecretBytes();
  WIRE_TRY(const auto sh, msgs::ServerHello::parse(message.body));

  // Version negotiation lives in one place (client12::negotiate_version); a TLS 1.2 answer to a
  // hello that offered TLS 1.2 never reaches this state (ClientHandshake hands it over first).
  WIRE_TRY(const auto version,
           client12::negotiate_version(sh, !params.tls12_cipher_suites.empty() && !retry));
  if (version != client12::ChosenVersion::tls13) {
    return wire::fail(Alert::internal_error, "ServerHello", "TLS 1.2 not handed over");
  }
  if (sh.is_hello_retry_request()) {
    return std::move(*this).retry_hello(sh, message, env, actions);
  }
  WIRE_TRY(const auto suite, check_server_hello_fields(sh, params, offered, "ServerHello"));
  // RFC 8446 §4.1.4: "Upon receiving the ServerHello, clients MUST check that the cipher suite
  // supplied in the ServerHello is the same as that in the HelloRetryRequest and otherwise abort
  // the handshake with an "illegal_parameter" alert."
  if (retry && sh.cipher_suite != retry->suite) {
    return wire::illegal_parameter("ServerHello.cipher_suite", "not the HelloRetryRequest's");
  }
  // RFC 8446 §4.2.11: "Clients MUST verify that the server's selected_identity is within the
  // range supplied by the client, that the server selected a cipher suite indicating a Hash
  // associated with the PSK, and that a server "key_share" extension is present if required by
  // the ClientHello "psk_key_exchange_modes" extension. If these values are not consistent, the
  // client MUST abort the handshake with an "illegal_parameter" alert." (An answer without our
  // offer is unsupported_extension above.)
  if (const auto* selected =
          sh.extensions.get<msgs::SelectedIdentity>(ExtensionType::pre_shared_key);
      selected != nullptr) {
    if (!offered.psk || selected->index != 0) {
      return wire::illegal_parameter("ServerHello.pre_shared_key", "identity out of range");
    }
    if (suite_params(offered.psk->suite)->hash != suite.hash) {
      return wire::illegal_parameter("ServerHello.cipher_suite", "not the PSK's hash");
    }
    offered.resumed = true;
  }
  // We offer psk_dhe_ke only, so the server must use (EC)DHE: RFC 8446 §2: "If (EC)DHE key
  // establishment is in use, then the ServerHello contains a "key_share" extension".
  const auto* server_share = sh.extensions.get<msgs::KeyShareServerHello>(ExtensionType::key_share);
  if (server_share == nullptr) {
    return wire::fail(Alert::missing_extension, "ServerHello.key_share", "missing");
  }
  // RFC 8446 §4.2.8: "If using (EC)DHE key establishment and a HelloRetryRequest containing a
  // "key_share" extension was received by the client, the client MUST verify that the selected
  // NamedGroup in the ServerHello is the same as that in the HelloRetryRequest. If this check
  // fails, the client MUST abort the handshake with an "illegal_parameter" alert."
  if (retry && retry->group && server_share->share.group != *retry->group) {
    return wire::illegal_parameter("ServerHello.key_share", "not the HelloRetryRequest's group");
  }
  // RFC 8446 §2: "the server's share MUST be in the same group as one of the client's shares."
  const crypto::KeyShare* own = nullptr;
  for (const auto& share : key_shares) {
    if (share->group() == server_share->share.group) own = share.get();
  }
  if (own == nullptr) {
    return wire::illegal_parameter("ServerHello.key_share", "group we sent no share for");
  }
  WIRE_TRY(auto shared, own->complete(server_share->share.key_exchange));

  offered.suite = sh.cipher_suite;
  offered.params = suite;
  offered.group = server_share->share.group;
  if (!transcript.hash_algorithm()) WIRE_CHECK(transcript.select_hash(suite.hash));
  transcript.add(message.whole);
  // Resumed: the early stage the binder used (same hash: checked above). Else Early Secret =
  // HKDF-Extract(0, HashLen zeros).
  std::optional<KeySchedule> early;
  if (offered.resumed) {
    WIRE_TRY(KeySchedule * psk_early, early_schedule(*offered.psk, *env.provider));
    early = std::move(*psk_early);
  } else {
    early.emplace(*env.provider, suite.hash);
    WIRE_CHECK(early->derive_early_secret({}));
  }
  offered.psk.reset();  // not needed any more
  KeySchedule schedule = std::move(*early);
  WIRE_CHECK(schedule.derive_handshake_secret(shared.span()));
  shared.wipe();
  WIRE_TRY(const auto hello_hash, transcript.current_hash());
  WIRE_TRY(auto c_hs, schedule.client_handshake_traffic_secret(hello_hash));
  WIRE_TRY(auto s_hs, schedule.server_handshake_traffic_secret(hello_hash));
  log_key(env, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", offered, c_hs);
  log_key(env, "SERVER_HANDSHAKE_TRAFFIC_SECRET", offered, s_hs);

  HandshakeSecrets hs{std::move(offered), std::move(transcript), std::move(schedule),
                      std::move(c_hs),    std::move(s_hs),       std::nullopt};
  // Our handshake write keys are installed when we first write under them (our Finished), once
  // the server's record_size_limit is known.
  WIRE_TRY(auto server_keys,
           read_keys(hs.schedule.derivation(), hs.negotiated, hs.server_handshake_traffic_secret,
                     &hs.server_finished_key));
  actions.emplace_back(std::move(server_keys));
  WIRE_TRY(auto client_keys, hs.schedule.derivation().traffic_keys(
                                 hs.client_handshake_traffic_secret.span(),
                                 hs.negotiated.params.aead, &hs.client_finished_key));
  hs.client_handshake_keys = std::make_unique<TrafficKeys>(std::move(client_keys));
  return ExpectEncryptedExtensions{std::move(hs)};
}

// ---------------------------------------------------------------------------------------------
// EncryptedExtensions

Result<ClientState> ExpectEncryptedExtensions::handle(const HandshakeView& message,
                                                      const ClientHandshakeEnvironment& /*env*/,
                                                      Actions& /*actions*/) && {
  if (message.type != HandshakeType::encrypted_extensions) {
    return unexpected_message("EncryptedExtensions");
  }
  // The parser applies RFC 8446 §4.2's table: an extension that may not appear in
  // EncryptedExtensions (key_share, supported_versions, pre_shared_key, ...) is
  // illegal_parameter ("If an implementation receives an extension which it recognizes and
  // which is not specified for the message in which it appears, it MUST abort the handshake
  // with an "illegal_parameter" alert.").
  auto parsed = msgs::EncryptedExtensions::parse(message.body);
  if (!parsed) {
    Error e = parsed.error();
    // The codec refuses a server ALPN answer naming several protocols (RFC 7301 §3.1).
    if (e.field == "alpn.protocol_name_list" && e.alert == Alert::illegal_parameter) {
      e.refusal = wire::Refusal::server_chose_no_offered_protocol;
    }
    return tl::unexpected<Error>(e);
  }
  const auto& ee = *parsed;
  // RFC 8446 §4.2: "Implementations MUST NOT send extension responses if the remote endpoint did
  // not send the corresponding extension requests ... Upon receiving such an extension, an
  // endpoint MUST abort the handshake with an "unsupported_extension" alert."
  for (const auto& e : ee.extensions.list()) {
    if (!contains(hs.negotiated.offered_extensions, e.type)) {
      if (e.type == ExtensionType::application_layer_protocol_negotiation) {
        return wire::refuse(Alert::unsupported_extension,
                            wire::Refusal::server_chose_no_offered_protocol,
                            "EncryptedExtensions.extensions", "not requested");
      }
      return wire::fail(Alert::unsupported_extension, "EncryptedExtensions.extensions",
                        "not requested");
    }
  }
  if (const auto* alpn = ee.extensions.get<msgs::ProtocolNameList>(
          ExtensionType::application_layer_protocol_negotiation);
      alpn != nullptr) {
    // RFC 7301 §3.1: the server's "ProtocolNameList" MUST contain exactly one "ProtocolName"
    // (the codec checks it too); §3.2: the server selects "a protocol ... that is also
    // advertised by the client". RFC 7301 names no alert for a client that gets anything else
    // (no_application_protocol is the server's); like BoringSSL and rustls we send
    // illegal_parameter.
    const std::string chosen = alpn->names.size() == 1 ? std::string(alpn->names.front().begin(),
                                                                     alpn->names.front().end())
                                                       : std::string();
    if (alpn->names.size() != 1 || !contains(hs.negotiated.offered_alpn, chosen)) {
      return wire::refuse(Alert::illegal_parameter, wire::Refusal::server_chose_no_offered_protocol,
                          "EncryptedExtensions.alpn", "protocol we did not offer");
    }
    hs.negotiated.alpn = chosen;
  }
  if (const auto* limit =
          ee.extensions.get<msgs::RecordSizeLimit>(ExtensionType::record_size_limit);
      limit != nullptr) {
    hs.negotiated.peer_record_size_limit = limit->limit;  // the codec refused values below 64
  }
  if (ee.extensions.contains(ExtensionType::early_data)) {
    // RFC 8446 §4.2.10: "In order to accept early data, the server MUST have accepted a PSK
    // cipher suite and selected the first key offered"; offered above (unsolicited is refused).
    if (!hs.negotiated.resumed) {
      return wire::illegal_parameter("EncryptedExtensions.early_data", "without our PSK");
    }
    hs.negotiated.early_data_accepted = true;
  }
  hs.transcript.add(message.whole);
  if (hs.negotiated.resumed) {
    // RFC 8446 §2.2: a resumption has no Certificate or CertificateVerify; the server proves
    // itself by its Finished under the PSK-derived keys.
    return ExpectFinished(std::move(hs), VerifiedServerSignature{});
  }
  return ExpectCertificateOrCertificateRequest{std::move(hs), false};
}

// ---------------------------------------------------------------------------------------------
// Certificate / CertificateRequest

Result<ClientState> ExpectCertificateOrCertificateRequest::handle(
    const HandshakeView& message, const ClientHandshakeEnvironment& env, Actions& /*actions*/) && {
  if (message.type == HandshakeType::certificate_request && !certificate_request_seen) {
    // The codec enforces RFC 8446 §4.3.2: "The "signature_algorithms" extension MUST be
    // specified".
    WIRE_TRY(auto cr, msgs::CertificateRequest::parse(message.body));
    hs.certificate_request_context = std::move(cr.certificate_request_context);
    if (const auto* schemes =
            cr.extensions.get<msgs::SignatureSchemeList>(ExtensionType::signature_algorithms)) {
      hs.certificate_query.signature_schemes = schemes->schemes;
    }
    if (const auto* cas = cr.extensions.get<msgs::CertificateAuthorities>(
            ExtensionType::certificate_authorities)) {
      hs.certificate_query.certificate_authorities = cas->names;
    }
    hs.negotiated.certificate_requested = true;
    hs.transcript.add(message.whole);
    return ExpectCertificateOrCertificateRequest{std::move(hs), true};
  }
  if (message.type != HandshakeType::certificate) return unexpected_message("Certificate");
  WIRE_TRY(const auto cert, msgs::Certificate::parse(message.body));
  // RFC 8446 §4.4.2: certificate_request_context: "In the case of server authentication, this
  // field SHALL be zero length."
  if (!cert.certificate_request_context.empty()) {
    return wire::illegal_parameter("Certificate.certificate_request_context", "not empty");
  }
  // RFC 8446 §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST
  // abort the handshake with a "decode_error" alert."
  if (cert.certificate_list.empty()) {
    return wire::refuse(Alert::decode_error, wire::Refusal::missing_server_certificate,
                        "Certificate.certificate_list", "empty");
  }
  if (!env.verify_chain) {
    return wire::fail(Alert::internal_error, "ClientHandshakeEnvironment", "no verifier");
  }
  std::vector<ByteVec> chain;
  chain.reserve(cert.certificate_list.size());
  for (const auto& entry : cert.certificate_list) chain.push_back(entry.cert_data);
  if (auto verdict = env.verify_chain(chain); !verdict) {
    Error refused = verdict.error();  // the verifier's alert, field and reason
    refused.refusal = wire::Refusal::peer_chain_refused;
    return tl::unexpected<Error>(refused);
  }
  WIRE_TRY(auto spki, env.provider->certificate_spki(chain.front()));
  hs.transcript.add(message.whole);
  return ExpectCertificateVerify(std::move(hs), std::move(spki), VerifiedServerChain{});
}

// ---------------------------------------------------------------------------------------------
// CertificateVerify

Result<ClientState> ExpectCertificateVerify::handle(const HandshakeView& message,
                                                    const ClientHandshakeEnvironment& env,
                                                    Actions& /*actions*/) && {
  if (message.type != HandshakeType::certificate_verify) {
    return unexpected_message("CertificateVerify");
  }
  // RFC 8446 §4.4.3: the algorithm is one we offered, and the signature verifies.
  WIRE_CHECK(verify_certificate_verify(Signer::server, message,
                                       hs.negotiated.offered_signature_schemes, server_spki,
                                       *env.provider, hs.transcript));
  return ExpectFinished(std::move(hs), VerifiedServerSignature{});
}

// ---------------------------------------------------------------------------------------------
// Finished

Result<ClientState> ExpectFinished::handle(const HandshakeView& message,
                                           const ClientHandshakeEnvironment& env,
                                           Actions& actions) && {
  if (message.type != HandshakeType::finished) return unexpected_message("Finished");
  const auto& kd = hs.schedule.derivation();
  // RFC 8446 §4.4.4: the peer's verify_data is checked (decrypt_error if wrong).
  WIRE_CHECK(hs.server_finished_key.empty()
                 ? verify_peer_finished(message, kd, hs.server_handshake_traffic_secret.span(),
                                        hs.transcript)
                 : verify_peer_finished_with_key(message, kd, hs.server_finished_key.span(),
                                                 hs.transcript));
  const VerifiedServerFinished proof;
  WIRE_TRY(const auto server_finished_hash, hs.transcript.current_hash());
  WIRE_CHECK(hs.schedule.derive_master_secret());
  Connected next(std::move(hs.negotiated), proof);
  WIRE_TRY(next.client_application_traffic_secret,
           hs.schedule.client_application_traffic_secret(server_finished_hash));
  WIRE_TRY(next.server_application_traffic_secret,
           hs.schedule.server_application_traffic_secret(server_finished_hash));
  WIRE_TRY(next.exporter_master_secret, hs.schedule.exporter_master_secret(server_finished_hash));
  WIRE_TRY(auto server_keys,
           read_keys(kd, next.negotiated, next.server_application_traffic_secret));
  // The server's application data may follow its Finished at once.
  actions.emplace_back(std::move(server_keys));

  CertificateSelection selection = CertificateSelection::declined();
  if (hs.certificate_request_context && env.select_client_certificate) {
    selection = env.select_client_certificate(hs.certificate_query);
    if (selection.kind == CertificateSelection::Kind::pending) {
      return WaitingForClientCertificate(std::move(hs), std::move(next));
    }
  }
  return send_client_flight(std::move(hs), std::move(next), selection, env, actions);
}

// ---------------------------------------------------------------------------------------------
// Our second flight: [change_cipher_spec] [Certificate CertificateVerify] Finished

namespace {

bool pkcs1_or_sha1(SignatureScheme scheme) {
  const auto code = static_cast<std::uint16_t>(scheme);
  return (code & 0xffU) == 0x01U || code == 0x0201U || code == 0x0203U;
}

}  // namespace

Result<ClientState> send_client_flight(HandshakeSecrets hs, Connected next,
                                       const CertificateSelection& selection,
                                       const ClientHandshakeEnvironment& env, Actions& actions) {
  const auto& kd = hs.schedule.derivation();
  Negotiated& n = next.negotiated;
  if (n.middlebox_compatibility && !n.change_cipher_spec_sent) {
    // RFC 8446 §D.4: "the client sends a dummy change_cipher_spec record ... immediately before
    // its second flight". Plaintext, so before the handshake write keys.
    actions.emplace_back(SendChangeCipherSpec{});
    n.change_cipher_spec_sent = true;
  }
  if (n.early_data_accepted) {
    // RFC 8446 §4.5: "If the server sent an "early_data" extension in EncryptedExtensions, the
    // client MUST send an EndOfEarlyData message after receiving the server Finished." Under the
    // early keys (still our write keys), then the handshake keys.
    const std::array<std::uint8_t, 4> end_of_early_data{
        static_cast<std::uint8_t>(HandshakeType::end_of_early_data), 0, 0, 0};
    const ByteVec eoed(end_of_early_data.begin(), end_of_early_data.end());
    hs.transcript.add(eoed);
    actions.emplace_back(SendHandshake{eoed});
  }
  if (hs.client_handshake_keys) {
    actions.emplace_back(write_install(n, std::move(*hs.client_handshake_keys)));
    hs.client_handshake_keys.reset();
  } else {
    WIRE_TRY(auto handshake_keys, write_keys(kd, n, hs.client_handshake_traffic_secret));
    actions.emplace_back(std::move(handshake_keys));
  }

  if (hs.certificate_request_context) {
    msgs::Certificate cert;
    // RFC 8446 §4.4.2: certificate_request_context: "If this message is in response to a
    // CertificateRequest, the value of certificate_request_context in that message."
    cert.certificate_request_context = *hs.certificate_request_context;
    const bool chosen = selection.kind == CertificateSelection::Kind::chosen;
    std::optional<SignatureScheme> scheme;
    if (chosen) {
      if (selection.chain_der.empty() || !selection.key) {
        return wire::fail(Alert::internal_error, "select_client_certificate",
                          "chosen without a chain or a key");
      }
      // RFC 8446 §4.4.3: "If sent by a client, the signature algorithm used in the signature MUST
      // be one of those present in the supported_signature_algorithms field of the
      // "signature_algorithms" extension in the CertificateRequest message." and "RSA signatures
      // MUST use an RSASSA-PSS algorithm ... The SHA-1 algorithm MUST NOT be used".
      for (const SignatureScheme s : hs.certificate_query.signature_schemes) {
        if (!pkcs1_or_sha1(s) && selection.key->supports(s)) {
          scheme = s;
          break;
        }
      }
      if (!scheme) {
        return wire::refuse(Alert::handshake_failure, wire::Refusal::no_shared_signature_algorithm,
                            "CertificateRequest.signature_algorithms",
                            "our key supports none of them");
      }
      for (const auto& der : selection.chain_der) {
        cert.certificate_list.push_back(msgs::CertificateEntry{der, {}});
      }
    }
    // RFC 8446 §4.4.2: "If the server requests client authentication but no suitable certificate
    // is available, the client MUST send a Certificate message containing no certificates."
    WIRE_TRY(auto bytes, cert.encode());
    hs.transcript.add(bytes);
    actions.emplace_back(SendHandshake{std::move(bytes)});
    if (chosen) {
      WIRE_TRY(auto cv_bytes,
               sign_certificate_verify(Signer::client, *selection.key, *scheme, hs.transcript));
      actions.emplace_back(SendHandshake{std::move(cv_bytes)});
      n.client_certificate_sent = true;
    }
  }
  WIRE_TRY(const auto client_hash, hs.transcript.current_hash());
  WIRE_TRY(auto verify_data,
           hs.client_finished_key.empty()
               ? kd.finished_verify_data(hs.client_handshake_traffic_secret.span(), client_hash)
               : kd.verify_data(hs.client_finished_key.span(), client_hash));
  msgs::Finished ours;
  ours.verify_data.assign(verify_data.span().begin(), verify_data.span().end());
  WIRE_TRY(auto finished, ours.encode());
  hs.transcript.add(finished);
  WIRE_TRY(const auto client_finished_hash, hs.transcript.current_hash());
  WIRE_TRY(next.resumption_master_secret,
           hs.schedule.resumption_master_secret(client_finished_hash));
  actions.emplace_back(SendHandshake{std::move(finished)});
  WIRE_TRY(auto application_keys, write_keys(kd, n, next.client_application_traffic_secret));
  actions.emplace_back(std::move(application_keys));

  log_key(env, "CLIENT_TRAFFIC_SECRET_0", n, next.client_application_traffic_secret);
  log_key(env, "SERVER_TRAFFIC_SECRET_0", n, next.server_application_traffic_secret);
  log_key(env, "EXPORTER_SECRET", n, next.exporter_master_secret);
  return next;
}

// ---------------------------------------------------------------------------------------------
// Waiting for select_client_certificate

Result<ClientState> WaitingForClientCertificate::resume(const ClientHandshakeEnvironment& env,
                                                        Actions& actions) && {
  CertificateSelection selection = CertificateSelection::declined();
  if (env.select_client_certificate) {
    selection = env.select_client_certificate(hs.certificate_query);
    if (selection.kind == CertificateSelection::Kind::pending) return std::move(*this);
  }
  return send_client_flight(std::move(hs), std::move(next), selection, env, actions);
}

Result<ClientState> WaitingForClientCertificate::handle(const HandshakeView& /*message*/,
                                                        const ClientHandshakeEnvironment& /*env*/,
                                                        Actions& /*actions*/) && {
  return wire::fail(Alert::internal_error, "WaitingForClientCertificate",
                    "no message is processed while waiting for a certificate");
}

// ---------------------------------------------------------------------------------------------
// Connected: post-handshake messages

Result<ClientState> Connected::handle(const HandshakeView& message,
                                      const ClientHandshakeEnvironment& env, Actions& actions) && {
  const KeyDerivation kd(*env.provider, negotiated.params.hash);
  switch (message.type) {
    case HandshakeType::new_session_ticket: {
      WIRE_TRY(const auto ticket, msgs::NewSessionTicket::parse(message.body));
      ++tickets_received;
      // RFC 8446 §4.6.1: ticket_lifetime: "A value of zero indicates that the ticket should be
      // discarded immediately." (The codec bounds the ticket to 1..2^16-1 bytes.)
      if (!env.session_ticket_received || ticket.ticket_lifetime == 0) return std::move(*this);
      ClientSessionState session;
      session.suite = negotiated.suite;
      // RFC 8446 §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption",
      // ticket_nonce, Hash.length).
      WIRE_TRY(session.psk,
               kd.resumption_psk(resumption_master_secret.span(), ticket.ticket_nonce));
      session.ticket = ticket.ticket;
      session.ticket_age_add = ticket.ticket_age_add;
      // Rounded up, so that the age we later send (now rounded down, minus this) is never more
      // than the time that really passed: a server that measures the ticket's age precisely
      // refuses early data from a client that claims an older ticket than it holds (GnuTLS's
      // anti-replay does, RFC 8446 §8.3).
      session.received_ms = static_cast<std::uint64_t>(
          std::chrono::ceil<std::chrono::milliseconds>(client_now(env).time_since_epoch()).count());
      session.lifetime_seconds = ticket.ticket_lifetime;
      if (const auto* early =
              ticket.extensions.get<msgs::MaxEarlyDataSize>(ExtensionType::early_data)) {
        session.max_early_data = early->value;
      }
      session.alpn = negotiated.alpn.value_or(std::string{});
      env.session_ticket_received(session);
      return std::move(*this);
    }
    case HandshakeType::key_update: {
      WIRE_TRY(const auto update, msgs::KeyUpdate::parse(message.body));
      // RFC 8446 §4.6.3: after sending KeyUpdate the sender uses the next generation of keys.
      WIRE_TRY(server_application_traffic_secret,
               kd.next_traffic_secret(server_application_traffic_secret.span()));
      WIRE_TRY(auto next_read, read_keys(kd, negotiated, server_application_traffic_secret));
      actions.emplace_back(std::move(next_read));
      // RFC 8446 §4.6.3: "If the request_update field is set to "update_requested", then the
      // receiver MUST send a KeyUpdate of its own with request_update set to
      // "update_not_requested" prior to sending its next Application Data record."
      if (update.request_update == KeyUpdateRequest::update_requested) {
        WIRE_TRY(auto reply, msgs::KeyUpdate{KeyUpdateRequest::update_not_requested}.encode());
        actions.emplace_back(SendHandshake{std::move(reply)});
        WIRE_TRY(client_application_traffic_secret,
                 kd.next_traffic_secret(client_application_traffic_secret.span()));
        WIRE_TRY(auto next_write, write_keys(kd, negotiated, client_application_traffic_secret));
        actions.emplace_back(std::move(next_write));
      }
      return std::move(*this);
    }
    default:
      return unexpected_message("post-handshake message");
  }
}

Status Connected::update_keys(bool request_peer_update, const ClientHandshakeEnvironment& env,
                              Actions& actions) {
  const KeyDerivation kd(*env.provider, negotiated.params.hash);
  const msgs::KeyUpdate update{request_peer_update ? KeyUpdateRequest::update_requested
                                                   : KeyUpdateRequest::update_not_requested};
  WIRE_TRY(auto bytes, update.encode());
  // RFC 8446 §4.6.3: "The KeyUpdate handshake message is used to indicate that the sender is
  // updating its sending cryptographic keys." It goes out under the old keys; "after sending a
  // KeyUpdate message, the sender SHALL send all its traffic using the next generation of keys".
  actions.emplace_back(SendHandshake{std::move(bytes)});
  WIRE_TRY(client_application_traffic_secret,
           kd.next_traffic_secret(client_application_traffic_secret.span()));
  WIRE_TRY(auto next_write, write_keys(kd, negotiated, client_application_traffic_secret));
  actions.emplace_back(std::move(next_write));
  return {};
}

// ---------------------------------------------------------------------------------------------

Result<ClientState> handle_message(ClientState state, Bytes message,
                                   const ClientHandshakeEnvironment& env, Actions& actions) {
  WIRE_TRY(const auto view, msgs::parse_handshake(message));
  return std::visit(
      [&](auto&& s) -> Result<ClientState> {
        return std::forward<decltype(s)>(s).handle(view, env, actions);
      },
      std::move(state));
}

Result<ByteVec> certificate_spki(Bytes cert_der) {
  return crypto::parse_certificate_spki(cert_der);
}

// ---------------------------------------------------------------------------------------------
// Driver

Result<ClientHandshake> ClientHandshake::start(ClientHelloParameters params,
                                               ClientHandshakeEnvironment env, ByteVec& out) {
  WIRE_TRY(auto started, start_client(std::move(params), env));
  auto& offered = started.state.offered;
  const bool early = offered.early_data_offered;
  ByteVec early_data;
  if (early) {
    // RFC 8446 §4.6.1: no more than the ticket's max_early_data_size.
    const auto& session = *started.state.params.resumption;
    const std::size_t n =
        std::min<std::size_t>(started.state.params.early_data.size(), session.max_early_data);
    early_data.assign(started.state.params.early_data.begin(),
                      started.state.params.early_data.begin() + static_cast<std::ptrdiff_t>(n));
    offered.early_data_sent = n;
  }
  ClientHandshake client(std::move(env), std::make_unique<ClientState>(std::move(started.state)));
  // RFC 8446 §5.1: legacy_record_version "MAY be 0x0301 for the initial ClientHello".
  client.writer_.set_plaintext_version(0x0301);
  WIRE_CHECK(client.writer_.write(ContentType::handshake, started.client_hello, out));
  client.writer_.set_plaintext_version(tls12_version);
  if (early) {
    WIRE_CHECK(client.apply(started.after_hello, out));
    WIRE_CHECK(client.writer_.write(ContentType::application_data, early_data, out));
    // An alert after the ServerHello goes under the handshake keys, not these: a server that
    // rejected our early data would skip it as undecryptable early data (RFC 8446 §4.2.10).
    client.early_write_keys_ = true;
  }
  return client;
}

ClientHandshake::ClientHandshake(ClientHandshakeEnvironment env, std::unique_ptr<ClientState> state)
    : env_(std::move(env)), state_(std::move(state)) {}
ClientHandshake::ClientHandshake(ClientHandshake&&) noexcept = default;
ClientHandshake& ClientHandshake::operator=(ClientHandshake&&) noexcept = default;
ClientHandshake::~ClientHandshake() = default;

bool ClientHandshake::close_notify_sent() const noexcept {
  return tls12_ ? tls12_->close_notify_sent() : alerts_.closed();
}
bool ClientHandshake::peer_closed() const noexcept {
  return tls12_ ? tls12_->peer_closed() : peer_closed_;
}
std::optional<Alert> ClientHandshake::received_alert() const noexcept {
  return tls12_ ? tls12_->received_alert() : received_alert_;
}
bool ClientHandshake::handshake_complete() const noexcept {
  return tls12_ ? tls12_->connected() != nullptr : connected() != nullptr;
}

Status ClientHandshake::hand_over_if_tls12(Bytes message, ByteVec& out, bool& handed_over) {
  handed_over = false;
  const auto* first = std::get_if<ExpectServerHello>(state_.get());
  if (first == nullptr || first->params.tls12_cipher_suites.empty() || first->retry) return {};
  WIRE_TRY(const auto view, msgs::parse_handshake(message));
  if (view.type != HandshakeType::server_hello) return {};
  WIRE_TRY(const auto sh, msgs::ServerHello::parse(view.body));
  WIRE_TRY(const auto version, client12::negotiate_version(sh, true, first->params.offer_tls13));
  if (version != client12::ChosenVersion::tls12) return {};
  // The TLS 1.2 driver takes the record layer (and the records already buffered in it).
  WIRE_TRY(tls12_, client12::ClientHandshake12::take_over(*first, env_, std::move(reader_),
                                                          std::move(writer_), message, out));
  // The TLS 1.2 driver has its own copy of the ECDHE key drawn with the hello: ours goes.
  std::get<ExpectServerHello>(*state_).ecdhe12_seed = SecretBytes();
  handed_over = true;
  return {};
}

Status ClientHandshake::apply(Actions& actions, ByteVec& out) {
  for (auto& action : actions) {
    if (auto* send = std::get_if<SendHandshake>(&action)) {
      // RFC 8446 §6.1: after our close_notify nothing more is written (a KeyUpdate the server
      // requests is not answered; our write side is closed).
      if (alerts_.closed()) continue;
      WIRE_CHECK(writer_.write(ContentType::handshake, send->message, out));
      continue;
    }
    if (std::holds_alternative<SendChangeCipherSpec>(action)) {
      // RFC 8446 §5: "a single byte of value 0x01", unprotected (the states emit it before any
      // write keys are installed).
      WIRE_CHECK(write_change_cipher_spec(writer_, out));
      continue;
    }
    auto& install = std::get<InstallKeys>(action);
    WIRE_TRY(auto protection,
             record::Protection::create(*env_.provider, install.aead, install.keys));
    if (install.write) {
      protection.set_inner_plaintext_limit(install.inner_plaintext_limit);
      writer_.set_protection(std::move(protection));
      early_write_keys_ = false;
    } else {
      // RFC 8446 §5.1: "Handshake messages MUST NOT span key changes." (checked by the reader)
      WIRE_CHECK(reader_.set_protection(std::move(protection)));
    }
  }
  actions.clear();
  return {};
}

Status ClientHandshake::receive(Bytes in, ByteVec& out, record::DataSink application_data) {
  if (tls12_) return tls12_->receive(in, out, application_data);
  if (failed_) return wire::fail(Alert::internal_error, "ClientHandshake", "connection failed");
  auto fail_with = [this](const Error& e) {
    failed_ = true;
    return tl::unexpected<Error>(e);
  };
  if (peer_closed_) return {};
  if (waiting_for_certificate()) {
    // Kept for resume(): the records are decoded once our flight is out.
    input_while_waiting_ += in.size();
    if (input_while_waiting_ > max_input_while_waiting) {
      return fail_with(Error{Alert::internal_error, "ClientHandshake",
                             "too much input while waiting for a client certificate"});
    }
    reader_.feed(in);
    return {};
  }
  // The records are read straight from `in`; what is left of it (an incomplete record) is
  // copied before returning, however this call returns.
  reader_.lend(in);
  struct Retain {
    explicit Retain(record::RecordReader& r) : reader(r) {}
    Retain(const Retain&) = delete;
    Retain& operator=(const Retain&) = delete;
    ~Retain() { reader.retain(); }
    record::RecordReader& reader;
  } retain(reader_);
  struct Handlers final : RecordHandlers {
    Handlers(ClientHandshake& d, ByteVec& o, record::DataSink sink)
        : self(d), out(o), application_data(sink) {}
    [[nodiscard]] tl::unexpected<Error> fail_with(const Error& e) const {
      self.failed_ = true;
      return tl::unexpected<Error>(e);
    }
    [[nodiscard]] bool connected() const override { return self.connected() != nullptr; }
    [[nodiscard]] bool paused() const override { return self.waiting_for_certificate(); }
    [[nodiscard]] bool direct_application_data() const override { return connected(); }
    Result<Flow> handshake(record::Inbound& unit) override {
      if (connected() &&
          ++self.post_handshake_in_a_row_ > max_post_handshake_messages_without_data) {
        return fail_with(Error{Alert::unexpected_message, "post-handshake messages",
                               "too many without application data"});
      }
      bool handed_over = false;
      if (auto tls12 = self.hand_over_if_tls12(unit.data, out, handed_over); !tls12) {
        return fail_with(tls12.error());
      }
      if (handed_over) {
        WIRE_CHECK(self.tls12_->receive({}, out, application_data));
        return Flow::stop;
      }
      Actions actions;
      auto moved = handle_message(std::move(*self.state_), unit.data, self.env_, actions);
      if (!moved) return fail_with(moved.error());
      *self.state_ = std::move(*moved);
      if (const auto* hello = std::get_if<ExpectServerHello>(self.state_.get());
          hello != nullptr && hello->retry && self.writer_.has_protection()) {
        // Our early data was rejected by a HelloRetryRequest: ClientHello2 goes in plaintext
        // (RFC 8446 §4.2.10), not under the early keys.
        self.writer_.set_protection(std::nullopt);
        self.early_write_keys_ = false;
      }
      if (auto kept = self.keep_alert_protection(); !kept) return fail_with(kept.error());
      if (auto applied = self.apply(actions, out); !applied) return fail_with(applied.error());
      // Once our real write keys are in, the copy kept for alerts is no longer needed.
      if (self.handshake_write_keys()) self.alert_protection_.reset();
      return Flow::read_on;
    }
    Status change_cipher_spec(const record::Inbound& unit) override {
      // RFC 8446 §5: "An implementation may receive an unencrypted record of type
      // change_cipher_spec consisting of the single byte value 0x01 at any time after the
      // first ClientHello message has been sent or received and before the peer's Finished
      // message has been received and MUST simply drop it without further processing. ...
      // An implementation which receives any other change_cipher_spec value or which receives
      // a protected change_cipher_spec record MUST abort the handshake with an
      // "unexpected_message" alert." A second one is refused too (max_dummy_change_cipher_specs).
      if (connected() || unit.was_protected || unit.data != ByteVec{0x01}) {
        return fail_with(Error{Alert::unexpected_message, "change_cipher_spec", "not allowed"});
      }
      if (++self.change_cipher_specs_seen_ > max_dummy_change_cipher_specs) {
        return fail_with(Error{Alert::unexpected_message, "change_cipher_spec records",
                               "a second one before the handshake completed"});
      }
      return {};
    }
    void application_data_accepted() override { self.post_handshake_in_a_row_ = 0; }
    ClientHandshake& self;
    ByteVec& out;
    record::DataSink application_data;
  } handlers(*this, out, application_data);
  return dispatch_records(
      reader_, handlers,
      {&failed_, &peer_closed_, &received_alert_, &user_canceled_seen_, max_user_canceled_alerts},
      application_data);
}

Status ClientHandshake::write(Bytes data, ByteVec& out) {
  if (tls12_) return tls12_->write(data, out);
  if (failed_ || alerts_.closed() || connected() == nullptr) {
    return wire::fail(Alert::internal_error, "ClientHandshake.write", "not connected");
  }
  return writer_.write(ContentType::application_data, data, out);
}

template <typename Output>
Status ClientHandshake::write_bytes(Bytes data, Output& out) {
  if (tls12_) {
    ByteVec sealed;  // TLS 1.2 seals into its own buffer (the one-pass path is TLS 1.3's)
    auto status = tls12_->write(data, sealed);
    const auto* first = reinterpret_cast<const std::byte*>(sealed.data());
    out.insert(out.end(), first, first + sealed.size());
    return status;
  }
  if (failed_ || alerts_.closed() || connected() == nullptr) {
    return wire::fail(Alert::internal_error, "ClientHandshake.write", "not connected");
  }
  return writer_.write(ContentType::application_data, data, out);
}

Status ClientHandshake::write(Bytes data, std::vector<std::byte>& out) {
  return write_bytes(data, out);
}

Status ClientHandshake::write(Bytes data, base::OutputBuffer& out) {
  return write_bytes(data, out);
}

bool ClientHandshake::waiting_for_certificate() const noexcept {
  if (tls12_) return tls12_->waiting_for_certificate();
  return std::holds_alternative<WaitingForClientCertificate>(*state_);
}

Status ClientHandshake::resume(ByteVec& out, record::DataSink application_data) {
  if (tls12_) return tls12_->resume(out, application_data);
  if (failed_) return wire::fail(Alert::internal_error, "ClientHandshake", "connection failed");
  auto* waiting = std::get_if<WaitingForClientCertificate>(state_.get());
  if (waiting == nullptr) return {};
  Actions actions;
  auto moved = std::move(*waiting).resume(env_, actions);
  if (!moved) {
    failed_ = true;
    return tl::unexpected<Error>(moved.error());
  }
  *state_ = std::move(*moved);
  if (auto applied = apply(actions, out); !applied) {
    failed_ = true;
    return applied;
  }
  if (handshake_write_keys()) alert_protection_.reset();
  if (waiting_for_certificate()) return {};
  input_while_waiting_ = 0;
  // What arrived meanwhile sits in the record reader.
  return receive({}, out, application_data);
}

Status ClientHandshake::close_notify(ByteVec& out) {
  if (tls12_) return tls12_->close_notify(out);
  return alerts_.close_notify(writer_, failed_, out);
}

Status ClientHandshake::keep_alert_protection() {
  if (handshake_write_keys() || alert_protection_) return {};
  // Our handshake write keys are installed with our second flight; should we fail before it,
  // the alert still goes under them. A failing handler consumes its state, so they are derived
  // as soon as a state holds the handshake secrets.
  return std::visit(
      [this](const auto& state) -> Status {
        if constexpr (requires { state.hs; }) {
          if (state.hs.client_handshake_keys) {  // made with the server's handshake keys
            WIRE_TRY(auto protection,
                     record::Protection::create(*env_.provider, state.hs.negotiated.params.aead,
                                                *state.hs.client_handshake_keys));
            alert_protection_ = std::move(protection);
            return {};
          }
          WIRE_TRY(auto keys, write_keys(state.hs.schedule.derivation(), state.hs.negotiated,
                                         state.hs.client_handshake_traffic_secret));
          WIRE_TRY(auto protection,
                   record::Protection::create(*env_.provider, keys.aead, keys.keys));
          alert_protection_ = std::move(protection);
        }
        return {};
      },
      *state_);
}

Status ClientHandshake::send_alert(Alert alert, ByteVec& out) {
  if (tls12_) return tls12_->send_alert(alert, out);
  if (alerts_.may_send_alert(received_alert_.has_value())) use_alert_protection();
  return alerts_.send_alert(writer_, alert, received_alert_.has_value(), out);
}

Status ClientHandshake::send_warning(Alert alert, ByteVec& out) {
  if (tls12_) return tls12_->send_warning(alert, out);
  if (alerts_.may_send_warning(failed_, received_alert_.has_value())) use_alert_protection();
  return alerts_.send_warning(writer_, alert, failed_, received_alert_.has_value(), out);
}

void ClientHandshake::use_alert_protection() {
  if (!handshake_write_keys() && alert_protection_) {
    // RFC 8446 §2: after the ServerHello everything we send is encrypted, alerts included.
    writer_.set_protection(std::move(alert_protection_));
  }
}

Status ClientHandshake::export_keying_material(std::string_view label, std::optional<Bytes> context,
                                               std::span<std::uint8_t> out) const {
  if (tls12_) return tls12_->export_keying_material(label, context, out);
  return export_keying_material(label, context.value_or(Bytes{}), out);
}

Status ClientHandshake::export_keying_material(std::string_view label, Bytes context,
                                               std::span<std::uint8_t> out) const {
  if (tls12_) {
    // This overload's empty context means "no context" (see the header).
    return tls12_->export_keying_material(
        label, context.empty() ? std::nullopt : std::optional<Bytes>(context), out);
  }
  const auto* done = std::get_if<Connected>(state_.get());
  if (failed_ || done == nullptr) {
    return wire::fail(Alert::internal_error, "ClientHandshake.export_keying_material",
                      "not connected");
  }
  const KeyDerivation kd(*env_.provider, done->negotiated.params.hash);
  WIRE_TRY(auto exported,
           kd.exporter(done->exporter_master_secret.span(), label, context, out.size()));
  std::copy(exported.span().begin(), exported.span().end(), out.begin());
  return {};
}

Status ClientHandshake::key_update(bool request_peer_update, ByteVec& out) {
  if (tls12_) {
    return wire::fail(Alert::internal_error, "ClientHandshake.key_update",
                      "TLS 1.2 has no KeyUpdate");
  }
  auto* done = std::get_if<Connected>(state_.get());
  if (failed_ || alerts_.closed() || done == nullptr) {
    return wire::fail(Alert::internal_error, "ClientHandshake.key_update", "not connected");
  }
  Actions actions;
  if (auto made = done->update_keys(request_peer_update, env_, actions); !made) {
    failed_ = true;
    return made;
  }
  if (auto applied = apply(actions, out); !applied) {
    failed_ = true;
    return applied;
  }
  return {};
}

namespace {
const Negotiated& negotiated_of(const ExpectServerHello& s) { return s.offered; }
const Negotiated& negotiated_of(const ExpectEncryptedExtensions& s) { return s.hs.negotiated; }
const Negotiated& negotiated_of(const ExpectCertificateOrCertificateRequest& s) {
  return s.hs.negotiated;
}
const Negotiated& negotiated_of(const ExpectCertificateVerify& s) { return s.hs.negotiated; }
const Negotiated& negotiated_of(const ExpectFinished& s) { return s.hs.negotiated; }
const Negotiated& negotiated_of(const Connected& s) { return s.negotiated; }
const Negotiated& negotiated_of(const WaitingForClientCertificate& s) { return s.next.negotiated; }
}  // namespace

ClientSessionInfo ClientHandshake::info() const {
  if (tls12_) return tls12_->info();
  const Negotiated& n =
      std::visit([](const auto& s) -> const Negotiated& { return negotiated_of(s); }, *state_);
  ClientSessionInfo info;
  if (!std::holds_alternative<ExpectServerHello>(*state_)) {
    info.cipher_suite = n.suite;
    info.group = n.group;
  }
  info.alpn_protocol = n.alpn;
  info.hello_retry_request = n.hello_retry_request;
  info.certificate_requested = n.certificate_requested;
  info.client_certificate_sent = n.client_certificate_sent;
  info.handshake_complete = connected() != nullptr;
  info.resumed = n.resumed;
  info.early_data_offered = n.early_data_offered;
  info.early_data_accepted = n.early_data_accepted;
  return info;
}

}  // namespace sanstls::native::handshake

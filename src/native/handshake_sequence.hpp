// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// The TLS 1.3 message sequences as data (s2n-style): for each kind of handshake, the records
// and handshake messages in the order they travel. The state machines (issue 5) check "expected
// next" against these rows; tests and docs read them.

#include "native/types.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sanstls::native {

enum class Sender : std::uint8_t { client, server };

/// Which keys protect a step (RFC 8446 §2 notation: + / {} / [] and early data).
enum class Epoch : std::uint8_t { plaintext, early, handshake, application };

struct SequenceStep {
  Sender sender;
  ContentType content;    // handshake, change_cipher_spec or application_data (early data)
  HandshakeType message;  // meaningful for handshake content only
  Epoch epoch;
  bool optional;  // sent only in some handshakes of this kind (e.g. CertificateRequest)
};

/// Handshake kinds (flags combine).
struct HandshakeFlags {
  bool psk = false;               // resumption / external PSK: no server Certificate(Verify)
  bool hello_retry = false;       // the server asks for another key share
  bool client_auth = false;       // CertificateRequest, client Certificate(Verify)
  bool early_data = false;        // 0-RTT data and EndOfEarlyData
  bool middlebox_compat = false;  // dummy change_cipher_spec records (RFC 8446 Appendix D.4)
};

namespace sequence_detail {
using HT = HandshakeType;
using CT = ContentType;
constexpr SequenceStep hs(Sender s, HT m, Epoch e, bool opt = false) {
  return {s, CT::handshake, m, e, opt};
}
constexpr SequenceStep ccs(Sender s) {
  return {s, CT::change_cipher_spec, HT::hello_request, Epoch::plaintext, true};
}
}  // namespace sequence_detail

/// The maximal sequence: every step any TLS 1.3 handshake may contain, in order, each tagged with
/// the flag that enables it. `sequence_for` filters it.
struct TaggedStep {
  SequenceStep step;
  enum class When : std::uint8_t {
    always,
    psk,
    full,
    hello_retry,
    client_auth,
    early_data,
    compat,
    compat_no_early_data
  } when;
};

inline constexpr std::array<TaggedStep, 22> tls13_full_sequence = [] {
  using namespace sequence_detail;
  using W = TaggedStep::When;
  constexpr auto C = Sender::client;
  constexpr auto S = Sender::server;
  return std::array<TaggedStep, 22>{{
      {hs(C, HT::client_hello, Epoch::plaintext), W::always},
      {ccs(C), W::compat_no_early_data},  // compat: right after the first ClientHello if no 0-RTT
      {hs(S, HT::server_hello, Epoch::plaintext), W::hello_retry},  // the HelloRetryRequest
      {ccs(S), W::compat},  // compat: after the server's first handshake message
      {hs(C, HT::client_hello, Epoch::plaintext), W::hello_retry},
      {{C, CT::application_data, HT::hello_request, Epoch::early, false}, W::early_data},
      {hs(S, HT::server_hello, Epoch::plaintext), W::always},
      {ccs(S), W::compat},
      {hs(S, HT::encrypted_extensions, Epoch::handshake), W::always},
      {hs(S, HT::certificate_request, Epoch::handshake, true), W::client_auth},
      {hs(S, HT::certificate, Epoch::handshake), W::full},
      {hs(S, HT::certificate_verify, Epoch::handshake), W::full},
      {hs(S, HT::finished, Epoch::handshake), W::always},
      {{S, CT::application_data, HT::hello_request, Epoch::application, true}, W::always},
      {hs(C, HT::end_of_early_data, Epoch::early), W::early_data},
      {ccs(C), W::compat},
      {hs(C, HT::certificate, Epoch::handshake), W::client_auth},
      {hs(C, HT::certificate_verify, Epoch::handshake, true), W::client_auth},
      {hs(C, HT::finished, Epoch::handshake), W::always},
      {hs(S, HT::new_session_ticket, Epoch::application, true), W::always},
      {{C, CT::application_data, HT::hello_request, Epoch::application, true}, W::always},
      {{S, CT::application_data, HT::hello_request, Epoch::application, true}, W::always},
  }};
}();

/// Whether a tagged step belongs to a handshake of kind `f`. Only one dummy change_cipher_spec per
/// side is sent (RFC 8446 D.4): the first applicable one.
constexpr bool step_applies(const TaggedStep& t, const HandshakeFlags& f) {
  using W = TaggedStep::When;
  switch (t.when) {
    case W::always:
      return true;
    case W::psk:
      return f.psk;
    case W::full:
      return !f.psk;
    case W::hello_retry:
      return f.hello_retry;
    case W::client_auth:
      return f.client_auth && !f.psk;
    case W::early_data:
      return f.early_data && f.psk && !f.hello_retry;
    case W::compat:
      return f.middlebox_compat;
    case W::compat_no_early_data:
      return f.middlebox_compat && !(f.early_data && f.psk);
  }
  return false;
}

/// The sequence for a handshake kind, written into `out`; returns the number of steps.
constexpr std::size_t sequence_for(const HandshakeFlags& f,
                                   std::array<SequenceStep, tls13_full_sequence.size()>& out) {
  std::size_t n = 0;
  bool client_ccs = false;
  bool server_ccs = false;
  for (const auto& t : tls13_full_sequence) {
    if (!step_applies(t, f)) continue;
    if (t.step.content == ContentType::change_cipher_spec) {
      bool& sent = t.step.sender == Sender::client ? client_ccs : server_ccs;
      if (sent) continue;
      sent = true;
    }
    out[n++] = t.step;
  }
  return n;
}

}  // namespace sanstls::native

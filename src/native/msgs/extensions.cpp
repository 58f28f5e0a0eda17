// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "native/msgs/extensions.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>

namespace sanstls::native::msgs {

namespace {

using C = ExtensionContext;
using wire::Bounds;
using wire::Reader;
using wire::Writer;

ByteVec copy(Bytes b) { return ByteVec(b.begin(), b.end()); }

constexpr std::uint16_t code(ExtensionType t) { return static_cast<std::uint16_t>(t); }

/// One row of the RFC 8446 §4.2 table: which messages may carry the extension.
struct Permission {
  ExtensionType type;
  bool ch, sh, hrr, ee, ct, cr, nst, sh12;
};

// clang-format off
constexpr Permission permissions[] = {
  //  type                                      CH    SH     HRR    EE     CT     CR     NST    SH(1.2)
  {ExtensionType::server_name,                  true, false, false, true,  false, false, false, true},
  {ExtensionType::max_fragment_length,          true, false, false, true,  false, false, false, true},
  {ExtensionType::status_request,               true, false, false, false, true,  true,  false, true},
  {ExtensionType::supported_groups,             true, false, false, true,  false, false, false, false},
  {ExtensionType::ec_point_formats,             true, false, false, false, false, false, false, true},
  {ExtensionType::signature_algorithms,         true, false, false, false, false, true,  false, false},
  {ExtensionType::use_srtp,                     true, false, false, true,  false, false, false, true},
  {ExtensionType::heartbeat,                    true, false, false, true,  false, false, false, true},
  {ExtensionType::application_layer_protocol_negotiation,
                                                true, false, false, true,  false, false, false, true},
  {ExtensionType::signed_certificate_timestamp, true, false, false, false, true,  true,  false, true},
  {ExtensionType::client_certificate_type,      true, false, false, true,  false, false, false, true},
  {ExtensionType::server_certificate_type,      true, false, false, true,  false, false, false, true},
  {ExtensionType::padding,                      true, false, false, false, false, false, false, false},
  {ExtensionType::encrypt_then_mac,             true, false, false, false, false, false, false, true},
  {ExtensionType::extended_master_secret,       true, false, false, false, false, false, false, true},
  {ExtensionType::record_size_limit,            true, false, false, true,  false, false, false, true},
  {ExtensionType::session_ticket,               true, false, false, false, false, false, false, true},
  {ExtensionType::pre_shared_key,               true, true,  false, false, false, false, false, false},
  {ExtensionType::early_data,                   true, false, false, true,  false, false, true,  false},
  {ExtensionType::supported_versions,           true, true,  true,  false, false, false, false, false},
  {ExtensionType::cookie,                       true, false, true,  false, false, false, false, false},
  {ExtensionType::psk_key_exchange_modes,       true, false, false, false, false, false, false, false},
  {ExtensionType::certificate_authorities,      true, false, false, false, false, true,  false, false},
  {ExtensionType::oid_filters,                  false, false, false, false, false, true, false, false},
  {ExtensionType::post_handshake_auth,          true, false, false, false, false, false, false, false},
  {ExtensionType::signature_algorithms_cert,    true, false, false, false, false, true,  false, false},
  {ExtensionType::key_share,                    true, true,  true,  false, false, false, false, false},
  {ExtensionType::renegotiation_info,           true, false, false, false, false, false, false, true},
};
// clang-format on

/// How many `uint16 type; opaque data<0..2^16-1>` entries (Extension, KeyShareEntry) a block
/// holds, counted on a copy of its reader, so that the parser allocates once: growing a vector
/// of 16,000 entries step by step cost more than parsing them. A malformed tail stops the count
/// (the parse then reports it).
std::size_t count_entries(Reader r) {
  std::size_t count = 0;
  while (!r.empty()) {
    if (!r.u16("type") || !r.vec16("data")) break;
    ++count;
  }
  return count;
}

Result<std::vector<std::uint16_t>> u16_list(Reader& r, std::string_view field, Bounds bounds) {
  return r.scoped16(
      field,
      [&](Reader& c) -> Result<std::vector<std::uint16_t>> {
        std::vector<std::uint16_t> out;
        out.reserve(c.remaining() / 2);
        while (!c.empty()) {
          WIRE_TRY(auto v, c.u16(field));
          out.push_back(v);
        }
        return out;
      },
      bounds);
}

Result<ServerNameList> parse_server_names(Reader& r) {
  return r.scoped16("server_name.server_name_list",
                    [](Reader& c) -> Result<ServerNameList> {
                      ServerNameList out;
                      while (!c.empty()) {
                        WIRE_TRY(auto type, c.u8("ServerName.name_type"));
                        if (type != 0) {
                          return wire::decode_error("ServerName.name_type", "unknown name type");
                        }
                        // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of
                        // the same name_type."
                        if (!out.names.empty()) {
                          return wire::illegal_parameter("server_name.server_name_list",
                                                         "more than one host_name");
                        }
                        WIRE_TRY(auto name, c.vec16("ServerName.host_name", {1, 0xffff}));
                        out.names.push_back(ServerName{type, copy(name)});
                      }
                      return out;
                    },
                    {1, 0xffff});
}

Result<KeyShareEntry> parse_key_share_entry(Reader& r) {
  WIRE_TRY(auto group, r.u16("KeyShareEntry.group"));
  // RFC 8446 §4.2.8 declares key_exchange<1..2^16-1>, but an empty share is refused with the
  // illegal_parameter of a malformed key (§4.2.8.1, §4.2.8.2, checked by the provider once the
  // group is chosen), as OpenSSL and GnuTLS do and as test suites expect, not as a decode_error.
  WIRE_TRY(auto key, r.vec16("KeyShareEntry.key_exchange", {0, 0xffff}));
  return KeyShareEntry{static_cast<NamedGroup>(group), copy(key)};
}

Result<KeyShareClientHello> parse_client_shares(Reader& r, SkippedEntries::Storage storage) {
  return r.scoped16("key_share.client_shares", [&](Reader& c) -> Result<KeyShareClientHello> {
    KeyShareClientHello out;
    out.others = SkippedEntries(storage);
    // A seen-set over every possible group keeps the check linear in the input (a search of the
    // shares so far made 6,500 shares cost quadratic work).
    U16Set seen;
    for (std::size_t index = 0; !c.empty(); ++index) {
      const std::size_t start = c.position();
      WIRE_TRY(auto group, c.u16("KeyShareEntry.group"));
      // Empty shares parse (see parse_key_share_entry): the provider refuses them.
      WIRE_TRY(auto key, c.vec16("KeyShareEntry.key_exchange", {0, 0xffff}));
      // RFC 8446 §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same
      // group."
      if (!seen.insert(group)) {
        return wire::illegal_parameter("key_share.client_shares", "two shares for one group");
      }
      // Only a share the server could select is copied into its own buffer; the others (at most
      // one per group, but a hostile hello may offer thousands) share one buffer.
      if (negotiable_group(static_cast<NamedGroup>(group))) {
        out.shares.push_back(KeyShareEntry{static_cast<NamedGroup>(group), copy(key)});
      } else {
        out.others.add(index, c.consumed(), c.position() - start);
        out.other_groups.push_back(group);
      }
    }
    return out;
  });
}

Result<OfferedPsks> parse_offered_psks(Reader& r) {
  OfferedPsks out;
  WIRE_TRY(out.identities,
           r.scoped16("pre_shared_key.identities",
                      [](Reader& c) -> Result<std::vector<PskIdentity>> {
                        std::vector<PskIdentity> ids;
                        while (!c.empty()) {
                          WIRE_TRY(auto id, c.vec16("PskIdentity.identity", {1, 0xffff}));
                          WIRE_TRY(auto age, c.u32("PskIdentity.obfuscated_ticket_age"));
                          ids.push_back(PskIdentity{copy(id), age});
                        }
                        return ids;
                      },
                      {7, 0xffff}));
  WIRE_TRY(out.binders, r.scoped16("pre_shared_key.binders",
                                   [](Reader& c) -> Result<std::vector<ByteVec>> {
                                     std::vector<ByteVec> binders;
                                     while (!c.empty()) {
                                       WIRE_TRY(auto b, c.vec8("PskBinderEntry", {32, 255}));
                                       binders.push_back(copy(b));
                                     }
                                     return binders;
                                   },
                                   {33, 0xffff}));
  // RFC 8446 §4.2.11: binders is "A series of HMAC values, one for each value in the
  // identities list and in the same order."
  if (out.binders.size() != out.identities.size()) {
    return wire::illegal_parameter("pre_shared_key.binders", "count differs from identities");
  }
  return out;
}

Result<std::vector<ByteVec>> parse_opaque_list16(Reader& r, std::string_view field,
                                                 std::string_view entry_field, Bounds list,
                                                 Bounds entry, bool entry8) {
  return r.scoped16(
      field,
      [&](Reader& c) -> Result<std::vector<ByteVec>> {
        std::vector<ByteVec> out;
        while (!c.empty()) {
          WIRE_TRY(auto v, entry8 ? c.vec8(entry_field, entry) : c.vec16(entry_field, entry));
          out.push_back(copy(v));
        }
        return out;
      },
      list);
}

/// Parses one known extension body; `r` covers exactly the body.
Result<ExtensionBody> parse_body(ExtensionType type, ExtensionContext ctx, Reader& r,
                                 SkippedEntries::Storage storage) {
  switch (type) {
    case ExtensionType::server_name:
      if (ctx == C::client_hello) {
        return parse_server_names(r);
      }
      return EmptyExtension{};
    case ExtensionType::supported_groups:
      // Straight into the typed list: a hello may name 30,000 groups.
      return r.scoped16("supported_groups.named_group_list",
                        [](Reader& c) -> Result<NamedGroupList> {
                          NamedGroupList out;
                          out.groups.reserve(c.remaining() / 2);
                          while (!c.empty()) {
                            WIRE_TRY(auto g, c.u16("supported_groups.named_group_list"));
                            out.groups.push_back(static_cast<NamedGroup>(g));
                          }
                          return out;
                        },
                        {2, 0xffff});
    case ExtensionType::signature_algorithms:
    case ExtensionType::signature_algorithms_cert: {
      WIRE_TRY(auto v,
               u16_list(r, "signature_algorithms.supported_signature_algorithms", {2, 0xfffe}));
      SignatureSchemeList out;
      for (auto s : v) out.schemes.push_back(static_cast<SignatureScheme>(s));
      return out;
    }
    case ExtensionType::supported_versions: {
      if (ctx == C::client_hello) {
        WIRE_TRY(auto list, r.scoped8("supported_versions.versions",
                                      [](Reader& c) -> Result<SupportedVersionsList> {
                                        SupportedVersionsList out;
                                        while (!c.empty()) {
                                          WIRE_TRY(auto v, c.u16("supported_versions.versions"));
                                          out.versions.push_back(v);
                                        }
                                        return out;
                                      },
                                      {2, 254}));
        return list;
      }
      WIRE_TRY(auto v, r.u16("supported_versions.selected_version"));
      return SelectedVersion{v};
    }
    case ExtensionType::key_share:
      if (ctx == C::client_hello) {
        return parse_client_shares(r, storage);
      }
      if (ctx == C::hello_retry_request) {
        WIRE_TRY(auto g, r.u16("key_share.selected_group"));
        return KeyShareHelloRetryRequest{static_cast<NamedGroup>(g)};
      } else {
        WIRE_TRY(auto entry, parse_key_share_entry(r));
        return KeyShareServerHello{std::move(entry)};
      }
    case ExtensionType::psk_key_exchange_modes: {
      WIRE_TRY(auto modes, r.vec8("psk_key_exchange_modes.ke_modes", {1, 255}));
      return PskKeyExchangeModes{copy(modes)};
    }
    case ExtensionType::pre_shared_key:
      if (ctx == C::client_hello) {
        return parse_offered_psks(r);
      } else {
        WIRE_TRY(auto index, r.u16("pre_shared_key.selected_identity"));
        return SelectedIdentity{index};
      }
    case ExtensionType::early_data:
      if (ctx == C::new_session_ticket) {
        WIRE_TRY(auto v, r.u32("early_data.max_early_data_size"));
        return MaxEarlyDataSize{v};
      }
      return EmptyExtension{};
    case ExtensionType::cookie: {
      WIRE_TRY(auto c, r.vec16("cookie.cookie", {1, 0xffff}));
      return Cookie{copy(c)};
    }
    case ExtensionType::application_layer_protocol_negotiation: {
      WIRE_TRY(auto names, parse_opaque_list16(r, "alpn.protocol_name_list", "alpn.ProtocolName",
                                               {2, 0xffff}, {1, 255}, true));
      // RFC 7301 §3.1: in the server's answer "the "ProtocolNameList" MUST contain exactly 1
      // "ProtocolName"."
      if (ctx != C::client_hello && names.size() != 1) {
        return wire::illegal_parameter("alpn.protocol_name_list", "server must select one");
      }
      return ProtocolNameList{std::move(names)};
    }
    case ExtensionType::certificate_authorities: {
      WIRE_TRY(auto names,
               parse_opaque_list16(r, "certificate_authorities.authorities", "DistinguishedName",
                                   {3, 0xffff}, {1, 0xffff}, false));
      return CertificateAuthorities{std::move(names)};
    }
    case ExtensionType::record_size_limit: {
      WIRE_TRY(auto limit, r.u16("record_size_limit.limit"));
      // RFC 8449 §4: "An endpoint MUST treat receipt of a smaller value [than 64] as a fatal
      // error and generate an "illegal_parameter" alert."
      if (limit < 64) {
        return wire::illegal_parameter("record_size_limit.limit", "smaller than 64");
      }
      return RecordSizeLimit{limit};
    }
    case ExtensionType::status_request:
      if (ctx == C::certificate_request) {
        return EmptyExtension{};
      }
      if (ctx == C::certificate) {
        WIRE_TRY(auto t, r.u8("CertificateStatus.status_type"));
        if (t != 1) {
          return wire::decode_error("CertificateStatus.status_type", "not ocsp");
        }
        WIRE_TRY(auto resp, r.vec24("CertificateStatus.OCSPResponse", {1, 0xffffff}));
        return CertificateStatus{t, copy(resp)};
      } else {
        WIRE_TRY(auto t, r.u8("CertificateStatusRequest.status_type"));
        if (t != 1) {
          return wire::decode_error("CertificateStatusRequest.status_type", "not ocsp");
        }
        WIRE_TRY(auto ids, r.vec16("OCSPStatusRequest.responder_id_list"));
        WIRE_TRY(auto exts, r.vec16("OCSPStatusRequest.request_extensions"));
        return StatusRequest{t, copy(ids), copy(exts)};
      }
    case ExtensionType::post_handshake_auth:
      return EmptyExtension{};
    default:
      return RawExtension{copy(r.rest())};
  }
}

/// Visits `typed` and the runs of `skipped` merged back into their original order: a run goes
/// where its index says, the typed entries fill the other positions in their own order (entries
/// added to `typed` after parsing come after the runs at or before their position).
template <class T, class Typed, class Skipped>
void in_order(const std::vector<T>& typed, const SkippedEntries& skipped, Typed on_typed,
              Skipped on_run) {
  const auto& runs = skipped.runs();
  std::size_t i = 0;
  std::size_t j = 0;
  std::size_t position = 0;
  while (i < typed.size() || j < runs.size()) {
    if (j < runs.size() && (runs[j].index <= position || i == typed.size())) {
      on_run(runs[j]);
      position += runs[j++].count;
    } else {
      on_typed(typed[i++]);
      ++position;
    }
  }
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

void write_body(Writer& w, const ExtensionBody& body) {
  std::visit(
      Overloaded{
          [&](const RawExtension& b) { w.bytes(b.data); },
          [&](const EmptyExtension&) {},
          [&](const ServerNameList& b) {
            auto list = w.prefix16("server_name.server_name_list");
            for (const auto& n : b.names) {
              w.u8(n.name_type);
              w.vec16(n.name, "ServerName.host_name");
            }
          },
          [&](const NamedGroupList& b) {
            auto list = w.prefix16("supported_groups.named_group_list");
            for (auto g : b.groups) w.u16(static_cast<std::uint16_t>(g));
          },
          [&](const SignatureSchemeList& b) {
            auto list = w.prefix16("signature_algorithms.supported_signature_algorithms");
            for (auto s : b.schemes) w.u16(static_cast<std::uint16_t>(s));
          },
          [&](const SupportedVersionsList& b) {
            auto list = w.prefix8("supported_versions.versions");
            for (auto v : b.versions) w.u16(v);
          },
          [&](const SelectedVersion& b) { w.u16(b.version); },
          [&](const KeyShareClientHello& b) {
            auto list = w.prefix16("key_share.client_shares");
            in_order(
                b.shares, b.others,
                [&](const KeyShareEntry& s) {
                  w.u16(static_cast<std::uint16_t>(s.group));
                  w.vec16(s.key_exchange, "KeyShareEntry.key_exchange");
                },
                [&](const SkippedEntries::Run& run) { w.bytes(b.others.bytes(run)); });
          },
          [&](const KeyShareServerHello& b) {
            w.u16(static_cast<std::uint16_t>(b.share.group));
            w.vec16(b.share.key_exchange, "KeyShareEntry.key_exchange");
          },
          [&](const KeyShareHelloRetryRequest& b) {
            w.u16(static_cast<std::uint16_t>(b.selected_group));
          },
          [&](const PskKeyExchangeModes& b) { w.vec8(b.modes, "psk_key_exchange_modes.ke_modes"); },
          [&](const OfferedPsks& b) {
            {
              auto ids = w.prefix16("pre_shared_key.identities");
              for (const auto& id : b.identities) {
                w.vec16(id.identity, "PskIdentity.identity");
                w.u32(id.obfuscated_ticket_age);
              }
            }
            auto binders = w.prefix16("pre_shared_key.binders");
            for (const auto& binder : b.binders) w.vec8(binder, "PskBinderEntry");
          },
          [&](const SelectedIdentity& b) { w.u16(b.index); },
          [&](const MaxEarlyDataSize& b) { w.u32(b.value); },
          [&](const Cookie& b) { w.vec16(b.data, "cookie.cookie"); },
          [&](const ProtocolNameList& b) {
            auto list = w.prefix16("alpn.protocol_name_list");
            for (const auto& n : b.names) w.vec8(n, "alpn.ProtocolName");
          },
          [&](const CertificateAuthorities& b) {
            auto list = w.prefix16("certificate_authorities.authorities");
            for (const auto& n : b.names) w.vec16(n, "DistinguishedName");
          },
          [&](const RecordSizeLimit& b) { w.u16(b.limit); },
          [&](const StatusRequest& b) {
            w.u8(b.status_type);
            w.vec16(b.responder_id_list, "OCSPStatusRequest.responder_id_list");
            w.vec16(b.request_extensions, "OCSPStatusRequest.request_extensions");
          },
          [&](const CertificateStatus& b) {
            w.u8(b.status_type);
            w.vec24(b.ocsp_response, "CertificateStatus.OCSPResponse");
          },
      },
      body);
}

bool unknown_is_ignored(ExtensionContext ctx) {
  // RFC 8446 §4.1.2 (servers), §4.3.2 and §4.6.1 (clients): unrecognized extensions in
  // ClientHello, CertificateRequest and NewSessionTicket are ignored. TLS 1.2 ServerHellos are
  // left to the TLS 1.2 engine.
  return ctx == C::client_hello || ctx == C::certificate_request || ctx == C::new_session_ticket ||
         ctx == C::server_hello_tls12;
}

}  // namespace

void SkippedEntries::add(std::size_t index, Bytes read, std::size_t length) {
  // A list is at most 2^16-1 bytes, so every index, offset and length fits 32 bits.
  std::size_t offset = read.size() - length;
  if (storage_ == Storage::view) {
    source_ = read;
  } else {
    offset = data_.size();
    const Bytes entry = read.last(length);
    data_.insert(data_.end(), entry.begin(), entry.end());
  }
  // Consecutive entries are adjacent in the list and in data_: one run.
  if (!runs_.empty() && runs_.back().index + runs_.back().count == index) {
    runs_.back().count += 1;
    runs_.back().length += static_cast<std::uint32_t>(length);
  } else {
    runs_.push_back(Run{static_cast<std::uint32_t>(index), 1, static_cast<std::uint32_t>(offset),
                        static_cast<std::uint32_t>(length)});
  }
  ++size_;
}

bool negotiable_group(NamedGroup group) noexcept {
  switch (group) {
    case NamedGroup::secp256r1:
    case NamedGroup::secp384r1:
    case NamedGroup::secp521r1:
    case NamedGroup::x25519:
    case NamedGroup::x448:
    case NamedGroup::x25519mlkem768:
      return true;
  }
  return false;
}

std::size_t OfferedPsks::binders_wire_length() const {
  std::size_t n = 2;
  for (const auto& b : binders) n += 1 + b.size();
  return n;
}

const Extension* Extensions::find(ExtensionType type) const noexcept {
  for (const auto& e : list_) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

namespace {

/// The row of `permissions` for each type below 64 (-1: none), so that looking a type up costs
/// the same for every extension of a 16,000-extension block, known or not.
constexpr std::size_t kIndexed = 64;
constexpr auto permission_index = [] {
  std::array<std::int8_t, kIndexed> index{};
  index.fill(-1);
  for (std::size_t i = 0; i < std::size(permissions); ++i) {
    if (code(permissions[i].type) < kIndexed) {
      index[code(permissions[i].type)] = static_cast<std::int8_t>(i);
    }
  }
  return index;
}();

/// renegotiation_info (0xff01) is the only type the index does not hold.
constexpr std::size_t renegotiation_info_row = [] {
  std::size_t row = std::size(permissions);
  for (std::size_t i = 0; i < std::size(permissions); ++i) {
    if (permissions[i].type == ExtensionType::renegotiation_info) row = i;
  }
  return row;
}();
static_assert(renegotiation_info_row < std::size(permissions));
static_assert([] {
  for (const auto& p : permissions) {
    if (code(p.type) >= kIndexed && p.type != ExtensionType::renegotiation_info) return false;
  }
  return true;
}());

const Permission* permission_for(ExtensionType type) {
  if (code(type) < kIndexed) {
    const int row = permission_index[code(type)];
    return row < 0 ? nullptr : &permissions[row];
  }
  return type == ExtensionType::renegotiation_info ? &permissions[renegotiation_info_row] : nullptr;
}

}  // namespace

std::optional<bool> extension_allowed(ExtensionType type, ExtensionContext context) {
  if (const Permission* row = permission_for(type); row != nullptr) {
    const Permission& p = *row;
    switch (context) {
      case C::client_hello:
        return p.ch;
      case C::server_hello:
        return p.sh;
      case C::hello_retry_request:
        return p.hrr;
      case C::encrypted_extensions:
        return p.ee;
      case C::certificate:
        return p.ct;
      case C::certificate_request:
        return p.cr;
      case C::new_session_ticket:
        return p.nst;
      case C::server_hello_tls12:
        return p.sh12;
    }
  }
  return std::nullopt;
}

Result<std::vector<std::pair<ExtensionType, Bytes>>> split_extensions(Reader& r, Bounds bounds) {
  return r.scoped16(
      "extensions",
      [](Reader& c) -> Result<std::vector<std::pair<ExtensionType, Bytes>>> {
        std::vector<std::pair<ExtensionType, Bytes>> out;
        out.reserve(count_entries(c));
        // Linear in the block: 16,000 empty extensions must not cost 16,000² comparisons.
        U16Set seen;
        while (!c.empty()) {
          WIRE_TRY(auto type, c.u16("Extension.extension_type"));
          WIRE_TRY(auto data, c.vec16("Extension.extension_data"));
          // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a
          // given extension block."
          if (!seen.insert(type)) {
            return wire::illegal_parameter("extensions", "duplicate extension");
          }
          out.emplace_back(static_cast<ExtensionType>(type), data);
        }
        return out;
      },
      bounds);
}

namespace {

/// Interprets one extension of a block in `context`; `last`: it ends the block.
Result<Extension> interpret_one(ExtensionType type, Bytes data, ExtensionContext context, bool last,
                                SkippedEntries::Storage storage = SkippedEntries::Storage::copy) {
  const auto allowed = extension_allowed(type, context);
  if (!allowed) {
    if (!unknown_is_ignored(context)) {
      // RFC 8446 §4.2: an extension response without a request: "Upon receiving such an
      // extension, an endpoint MUST abort the handshake with an "unsupported_extension"
      // alert." We never send extensions we do not know.
      return wire::fail(Alert::unsupported_extension, "extensions", "unknown extension");
    }
    return Extension{type, RawExtension{copy(data)}};
  }
  if (!*allowed) {
    // RFC 8446 §4.2: "If an implementation receives an extension which it recognizes and which
    // is not specified for the message in which it appears, it MUST abort the handshake with an
    // "illegal_parameter" alert."
    return wire::illegal_parameter("extensions", "extension not allowed in this message");
  }
  // RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the
  // ClientHello ... Servers MUST check that it is the last extension and otherwise fail the
  // handshake with an "illegal_parameter" alert."
  if (type == ExtensionType::pre_shared_key && context == C::client_hello && !last) {
    return wire::illegal_parameter("pre_shared_key", "not the last extension");
  }
  Reader body(data);
  WIRE_TRY(auto parsed, parse_body(type, context, body, storage));
  WIRE_CHECK(body.expect_end("Extension.extension_data"));
  return Extension{type, std::move(parsed)};
}

}  // namespace

Result<Extensions> interpret_extensions(const std::vector<std::pair<ExtensionType, Bytes>>& raw,
                                        ExtensionContext context) {
  std::vector<Extension> out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    WIRE_TRY(auto extension,
             interpret_one(raw[i].first, raw[i].second, context, i + 1 == raw.size()));
    out.push_back(std::move(extension));
  }
  return Extensions(std::move(out));
}

Result<Extensions> parse_extensions(Reader& r, ExtensionContext context, Bounds bounds,
                                    SkippedEntries::Storage storage) {
  // One pass, straight into the result (split_extensions + interpret_extensions, without the
  // intermediate list): a 64 KiB block of 16,000 extensions is read once, and the ignored ones
  // cost a 16-byte record each, not a typed entry.
  return r.scoped16(
      "extensions",
      [&](Reader& c) -> Result<Extensions> {
        Extensions out;
        out.ignored() = SkippedEntries(storage);
        U16Set seen;
        const bool ignore_unknown = unknown_is_ignored(context);
        for (std::size_t index = 0; !c.empty(); ++index) {
          const std::size_t start = c.position();
          WIRE_TRY(auto type, c.u16("Extension.extension_type"));
          WIRE_TRY(auto data, c.vec16("Extension.extension_data"));
          // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a
          // given extension block."
          if (!seen.insert(type)) {
            return wire::illegal_parameter("extensions", "duplicate extension");
          }
          const auto ext_type = static_cast<ExtensionType>(type);
          if (ignore_unknown && !extension_allowed(ext_type, context)) {
            // RFC 8446 §4.1.2, §4.2: unknown extensions are ignored. The common case of a padded
            // or hostile block: no typed entry, kept only for re-encoding.
            out.ignored().add(index, c.consumed(), c.position() - start);
            continue;
          }
          WIRE_TRY(auto extension, interpret_one(ext_type, data, context, c.empty(), storage));
          out.list().push_back(std::move(extension));
        }
        return out;
      },
      bounds);
}

void write_extensions(Writer& w, const Extensions& extensions, ExtensionFilter skip) {
  auto block = w.prefix16("extensions");
  in_order(
      extensions.list(), extensions.ignored(),
      [&](const Extension& e) {
        if (skip != nullptr && skip(e.type)) return;
        w.u16(static_cast<std::uint16_t>(e.type));
        auto data = w.prefix16("Extension.extension_data");
        write_body(w, e.body);
      },
      [&](const SkippedEntries::Run& run) {
        if (skip == nullptr) {
          w.bytes(extensions.ignored().bytes(run));
          return;
        }
        extensions.ignored().for_each(run, [&](std::uint16_t code, Bytes body) {
          if (skip(static_cast<ExtensionType>(code))) return;
          w.u16(code);
          w.vec16(body, "Extension.extension_data");
        });
      });
}

}  // namespace sanstls::native::msgs

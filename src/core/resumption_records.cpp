// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "core/resumption_records.hpp"

#include "core/limits.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

#include <fmt/format.h>

#include <cstring>

namespace sanstls::core {
namespace {

// Format tags: a record of another kind or an older layout is refused, never misread.
constexpr std::uint32_t kClientSessionMagic = 0x534e5331;  // "SNS1"
constexpr std::uint32_t kTicketContextMagic = 0x534e5443;  // "SNTC"

std::span<const std::uint8_t> as_u8(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

std::span<const std::uint8_t> as_u8(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::uint64_t to_millis(std::chrono::system_clock::time_point at) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch());
  return ms.count() < 0 ? 0 : static_cast<std::uint64_t>(ms.count());
}

std::chrono::system_clock::time_point from_millis(std::uint64_t ms) {
  return std::chrono::system_clock::time_point{} +
         std::chrono::milliseconds(static_cast<std::int64_t>(ms & 0x7fff'ffff'ffff'ffffULL));
}

void write_chain(wire::Writer& w, const std::vector<std::vector<std::byte>>& chain) {
  auto list = w.prefix24("peer_chain");
  for (const auto& der : chain) {
    w.vec24(as_u8(der), "certificate");
  }
}

wire::Result<std::vector<std::vector<std::byte>>> read_chain(wire::Reader& r) {
  std::vector<std::vector<std::byte>> chain;
  WIRE_TRY(auto list, r.child24("peer_chain", {0, limits::max_peer_chain_bytes}));
  while (!list.empty()) {
    if (chain.size() == limits::max_peer_chain_certificates) {
      return tl::unexpected(
          wire::Error{Alert::decode_error, "peer_chain", "too many certificates"});
    }
    WIRE_TRY(auto der, list.vec24("certificate", {1, limits::max_peer_chain_bytes}));
    const auto* begin = reinterpret_cast<const std::byte*>(der.data());
    chain.emplace_back(begin, begin + der.size());
  }
  return chain;
}

tl::unexpected<sanstls::Error> unusable(std::string_view what, const wire::Error& error) {
  return fail(Errc::bad_tls_data,
              fmt::format("{} is damaged or from another version of sanstls ({})", what,
                          error.to_string()));
}

}  // namespace

Result<base::SecretBytes> encode(const ClientSessionRecord& record) {
  wire::Writer w(limits::max_stored_session);
  w.u32(kClientSessionMagic, "magic");
  w.u8(static_cast<std::uint8_t>(record.backend), "backend");
  w.bytes(record.fingerprint, "fingerprint");
  w.u64(to_millis(record.expires), "expires");
  w.u32(record.max_early_data, "max_early_data");
  w.u16(static_cast<std::uint16_t>(record.version), "version");
  w.u16(static_cast<std::uint16_t>(record.cipher_suite), "cipher_suite");
  w.vec8(as_u8(record.alpn), "alpn");
  write_chain(w, record.peer_chain);
  auto header = std::move(w).finish();
  if (!header) {
    return fail(Errc::limit_exceeded, fmt::format("a session to resume is too large to keep ({})",
                                                  header.error().to_string()));
  }
  const std::size_t state_size = record.engine_state.size();
  if (state_size >= (std::size_t{1} << 24U) ||
      header->size() + 3 + state_size > limits::max_stored_session) {
    return fail(Errc::limit_exceeded, "a session to resume is too large to keep");
  }
  // The engine state is secret: it goes straight into the wiping buffer, never through the
  // Writer's ordinary one.
  base::SecretBytes out(header->size() + 3 + state_size);
  std::memcpy(out.data(), header->data(), header->size());
  std::size_t at = header->size();
  out.data()[at++] = static_cast<std::uint8_t>(state_size >> 16U);
  out.data()[at++] = static_cast<std::uint8_t>(state_size >> 8U);
  out.data()[at++] = static_cast<std::uint8_t>(state_size);
  if (state_size > 0) {
    std::memcpy(out.data() + at, record.engine_state.data(), state_size);
  }
  return out;
}

Result<ClientSessionRecord> parse_client_session(std::span<const std::byte> bytes) {
  constexpr std::string_view what = "a stored session";
  if (bytes.size() > limits::max_stored_session) {
    return fail(Errc::bad_tls_data, "a stored session is larger than sanstls ever makes one");
  }
  wire::Reader r(as_u8(bytes));
  ClientSessionRecord record;
  auto parse = [&]() -> wire::Status {
    WIRE_TRY(auto magic, r.u32("magic"));
    if (magic != kClientSessionMagic) {
      return tl::unexpected(wire::Error{Alert::decode_error, "magic", "not a sanstls session"});
    }
    WIRE_TRY(auto backend, r.u8("backend"));
    if (backend > static_cast<std::uint8_t>(Backend::native)) {
      return tl::unexpected(wire::Error{Alert::decode_error, "backend", "unknown engine"});
    }
    record.backend = static_cast<Backend>(backend);
    WIRE_TRY(record.fingerprint, r.array<32>("fingerprint"));
    WIRE_TRY(auto expires, r.u64("expires"));
    record.expires = from_millis(expires);
    WIRE_TRY(record.max_early_data, r.u32("max_early_data"));
    WIRE_TRY(auto version, r.u16("version"));
    if (version != static_cast<std::uint16_t>(ProtocolVersion::tls12) &&
        version != static_cast<std::uint16_t>(ProtocolVersion::tls13)) {
      return tl::unexpected(wire::Error{Alert::decode_error, "version", "not TLS 1.2 or 1.3"});
    }
    record.version = static_cast<ProtocolVersion>(version);
    WIRE_TRY(auto suite, r.u16("cipher_suite"));
    record.cipher_suite = static_cast<CipherSuite>(suite);
    WIRE_TRY(auto alpn, r.vec8("alpn"));
    record.alpn.assign(reinterpret_cast<const char*>(alpn.data()), alpn.size());
    WIRE_TRY(record.peer_chain, read_chain(r));
    WIRE_TRY(auto state, r.vec24("engine_state", {1, limits::max_stored_session}));
    record.engine_state = base::SecretBytes(state);
    return r.expect_end("stored session");
  };
  if (auto parsed = parse(); !parsed) {
    return unusable(what, parsed.error());
  }
  return record;
}

Result<std::vector<std::byte>> encode(const TicketContext& context) {
  wire::Writer w(limits::max_ticket_context);
  w.u32(kTicketContextMagic, "magic");
  w.bytes(context.lineage.id, "lineage.id");
  w.u64(to_millis(context.lineage.started), "lineage.started");
  w.vec8(as_u8(context.server_name), "server_name");
  w.vec8(as_u8(context.alpn), "alpn");
  write_chain(w, context.peer_chain);
  auto out = std::move(w).finish();
  if (!out) {
    return fail(Errc::limit_exceeded, fmt::format("a session ticket's context is too large ({})",
                                                  out.error().to_string()));
  }
  const auto* begin = reinterpret_cast<const std::byte*>(out->data());
  return std::vector<std::byte>(begin, begin + out->size());
}

Result<TicketContext> parse_ticket_context(std::span<const std::byte> bytes) {
  wire::Reader r(as_u8(bytes));
  TicketContext context;
  auto parse = [&]() -> wire::Status {
    WIRE_TRY(auto magic, r.u32("magic"));
    if (magic != kTicketContextMagic) {
      return tl::unexpected(wire::Error{Alert::decode_error, "magic", "not a ticket context"});
    }
    WIRE_TRY(context.lineage.id, r.array<16>("lineage.id"));
    WIRE_TRY(auto started, r.u64("lineage.started"));
    context.lineage.started = from_millis(started);
    WIRE_TRY(auto name, r.vec8("server_name"));
    context.server_name.assign(reinterpret_cast<const char*>(name.data()), name.size());
    WIRE_TRY(auto alpn, r.vec8("alpn"));
    context.alpn.assign(reinterpret_cast<const char*>(alpn.data()), alpn.size());
    WIRE_TRY(context.peer_chain, read_chain(r));
    return r.expect_end("ticket context");
  };
  if (auto parsed = parse(); !parsed) {
    return unusable("a session ticket's context", parsed.error());
  }
  return context;
}

}  // namespace sanstls::core

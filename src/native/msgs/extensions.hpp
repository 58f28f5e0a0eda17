// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Extensions (RFC 8446 §4.2) parsed declaratively: a table says in which message each extension
// may appear; a block is split, duplicates rejected, each known body parsed into its typed form
// (consumed exactly), unknown ones kept raw where the RFC says to ignore them and rejected where
// they can only be an unsolicited response. Encoding writes the typed forms back, in the order
// received, so parse-then-encode is byte-identical.

#include "native/types.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

namespace sanstls::native::msgs {

using ByteVec = std::vector<std::uint8_t>;

/// The message an extension block belongs to (the "TLS 1.3" column of RFC 8446 §4.2), plus a
/// TLS 1.2 ServerHello, where TLS 1.2 rules apply.
enum class ExtensionContext : std::uint8_t {
  client_hello,
  server_hello,
  hello_retry_request,
  encrypted_extensions,
  certificate,
  certificate_request,
  new_session_ticket,
  server_hello_tls12,
};

/// An extension body we do not interpret (unknown, TLS 1.2-only, or padding): kept verbatim.
struct RawExtension {
  ByteVec data;
};
/// An extension whose body is empty in this message (e.g. server_name in EncryptedExtensions).
struct EmptyExtension {};
struct ServerName {
  std::uint8_t name_type = 0;  // host_name(0)
  ByteVec name;
};
struct ServerNameList {
  std::vector<ServerName> names;
};
struct NamedGroupList {
  std::vector<NamedGroup> groups;
};
struct SignatureSchemeList {
  std::vector<SignatureScheme> schemes;
};
struct SupportedVersionsList {
  std::vector<std::uint16_t> versions;
};
struct SelectedVersion {
  std::uint16_t version = 0;
};
struct KeyShareEntry {
  NamedGroup group{};
  ByteVec key_exchange;
};

/// Entries of a list that the parser keeps only so that the message re-encodes byte for byte:
/// unknown extensions (RFC 8446 §4.1.2, §4.2: ignored) and key shares for groups this engine
/// cannot negotiate. Both are `uint16 code; opaque body<0..2^16-1>` on the wire. Consecutive
/// entries are kept as one run of their wire bytes, so that a 64 KiB hello of 16,000 such
/// entries costs one buffer, not 16,000 entries (issue 12: OpenSSL skips them, and storing each
/// as a typed entry made the native server twice as slow).
class SkippedEntries {
 public:
  /// Where the bytes live: copied into this object, or left in the message the parser read
  /// (`view`: valid only while that message is; for a server that parses a hello and is done
  /// with it within the call that received it, and so copies nothing).
  enum class Storage : std::uint8_t { copy, view };
  /// Entries [index, index + count) of the whole list; their wire bytes are bytes(run).
  struct Run {
    std::uint32_t index = 0;
    std::uint32_t count = 0;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
  };

  SkippedEntries() noexcept = default;
  explicit SkippedEntries(Storage storage) noexcept : storage_(storage) {}

  /// Adds entry number `index` of the list. `read` is what the parser's Reader has consumed of
  /// the list so far (Reader::consumed()); it ends with the entry, `length` bytes (code and
  /// length prefix included).
  void add(std::size_t index, Bytes read, std::size_t length);
  [[nodiscard]] const std::vector<Run>& runs() const noexcept { return runs_; }
  [[nodiscard]] Bytes bytes(const Run& run) const noexcept {
    return (storage_ == Storage::view ? source_ : Bytes(data_)).subspan(run.offset, run.length);
  }
  /// How many entries there are.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// Calls `f(code, body)` for every entry of `run`, in order (re-read with the Reader).
  template <class F>
  void for_each(const Run& run, F&& f) const {
    wire::Reader r(bytes(run));
    while (!r.empty()) {
      auto code = r.u16("entry.code");
      auto body = r.vec16("entry.body");
      if (!code || !body) return;  // cannot happen: add() took bytes the parser had read
      f(*code, *body);
    }
  }

 private:
  std::vector<Run> runs_;
  ByteVec data_;  // Storage::copy
  Bytes source_;  // Storage::view: the list as far as the parser read it
  std::size_t size_ = 0;
  Storage storage_ = Storage::copy;
};

/// Whether this engine may negotiate `group` (a named NamedGroup). A switch without default:
/// naming a new group makes the compiler ask whether its key shares are kept.
bool negotiable_group(NamedGroup group) noexcept;

/// A ClientHello's key_share. `shares` holds the shares for groups this engine may negotiate
/// (each at most once, RFC 8446 §4.2.8, so a handful); `others` the rest, kept only to re-encode
/// the message, in their original positions.
struct KeyShareClientHello {
  std::vector<KeyShareEntry> shares;
  SkippedEntries others;
  /// The groups of `others`, in order (for the server's supported_groups check without
  /// re-reading them).
  std::vector<std::uint16_t> other_groups;
  /// Every share offered, usable or not.
  [[nodiscard]] std::size_t count() const noexcept { return shares.size() + others.size(); }
};
struct KeyShareServerHello {
  KeyShareEntry share;
};
struct KeyShareHelloRetryRequest {
  NamedGroup selected_group{};
};
struct PskKeyExchangeModes {
  std::vector<std::uint8_t> modes;
};
struct PskIdentity {
  ByteVec identity;
  std::uint32_t obfuscated_ticket_age = 0;
};
struct OfferedPsks {
  std::vector<PskIdentity> identities;
  std::vector<ByteVec> binders;
  /// Bytes of the binders list on the wire (2-byte length included): what Truncate() removes.
  [[nodiscard]] std::size_t binders_wire_length() const;
};
struct SelectedIdentity {
  std::uint16_t index = 0;
};
struct MaxEarlyDataSize {
  std::uint32_t value = 0;
};
struct Cookie {
  ByteVec data;
};
struct ProtocolNameList {
  std::vector<ByteVec> names;
};
struct CertificateAuthorities {
  std::vector<ByteVec> names;
};
struct RecordSizeLimit {
  std::uint16_t limit = 0;
};
/// RFC 6066 §8 CertificateStatusRequest (status_type ocsp).
struct StatusRequest {
  std::uint8_t status_type = 1;
  ByteVec responder_id_list;   // the raw ResponderID list
  ByteVec request_extensions;  // the raw DER Extensions
};
/// RFC 8446 §4.4.2.1 / RFC 6066 CertificateStatus, inside a CertificateEntry.
struct CertificateStatus {
  std::uint8_t status_type = 1;
  ByteVec ocsp_response;
};

using ExtensionBody =
    std::variant<RawExtension, EmptyExtension, ServerNameList, NamedGroupList, SignatureSchemeList,
                 SupportedVersionsList, SelectedVersion, KeyShareClientHello, KeyShareServerHello,
                 KeyShareHelloRetryRequest, PskKeyExchangeModes, OfferedPsks, SelectedIdentity,
                 MaxEarlyDataSize, Cookie, ProtocolNameList, CertificateAuthorities,
                 RecordSizeLimit, StatusRequest, CertificateStatus>;

struct Extension {
  ExtensionType type{};
  ExtensionBody body;
};

/// An ordered extension block.
/// A set of 16-bit code points (extension types, groups) with constant-time insert and lookup,
/// so that duplicate and membership checks stay linear in the peer's input (issue 12: a search
/// of the entries so far made a 64 KiB hello cost quadratic work). The first few values live
/// inline (most blocks have fewer than a dozen entries, and a Certificate message parses one
/// block per entry); beyond that a 65,536-bit set is allocated once. No static state.
class U16Set {
 public:
  /// Adds `value`; false if it was already there.
  bool insert(std::uint16_t value) {
    if (contains(value)) return false;
    if (bits_ != nullptr) {
      bits_->set(value);
    } else if (small_size_ < small_.size()) {
      small_[small_size_++] = value;
    } else {
      bits_ = std::make_unique<std::bitset<65536>>();
      for (const std::uint16_t v : small_) bits_->set(v);
      bits_->set(value);
    }
    return true;
  }
  [[nodiscard]] bool contains(std::uint16_t value) const {
    if (bits_ != nullptr) return bits_->test(value);
    for (std::size_t i = 0; i < small_size_; ++i) {
      if (small_[i] == value) return true;
    }
    return false;
  }

 private:
  std::array<std::uint16_t, 16> small_{};
  std::size_t small_size_ = 0;
  std::unique_ptr<std::bitset<65536>> bits_;
};

class Extensions {
 public:
  Extensions() = default;
  explicit Extensions(std::vector<Extension> list) : list_(std::move(list)) {}

  [[nodiscard]] const std::vector<Extension>& list() const noexcept { return list_; }
  std::vector<Extension>& list() noexcept { return list_; }
  [[nodiscard]] const Extension* find(ExtensionType type) const noexcept;
  /// The typed body of `type`, if present and of type T.
  template <class T>
  [[nodiscard]] const T* get(ExtensionType type) const noexcept {
    const Extension* e = find(type);
    return e == nullptr ? nullptr : std::get_if<T>(&e->body);
  }
  [[nodiscard]] bool contains(ExtensionType type) const noexcept { return find(type) != nullptr; }

  /// The extensions of a parsed block that nobody reads (unknown types where RFC 8446 says to
  /// ignore them), outside list(): kept only so that the block re-encodes byte for byte.
  [[nodiscard]] const SkippedEntries& ignored() const noexcept { return ignored_; }
  SkippedEntries& ignored() noexcept { return ignored_; }

 private:
  std::vector<Extension> list_;
  SkippedEntries ignored_;
};

/// Whether RFC 8446 §4.2 (and RFC 8449 for record_size_limit) lets `type` appear in `context`.
/// Unknown types give std::nullopt.
std::optional<bool> extension_allowed(ExtensionType type, ExtensionContext context);

/// Parses `Extension extensions<min..max>` (the 2-byte length included) in `context`. With
/// `storage` view, ignored extensions and unusable key shares stay in `r`'s bytes (see
/// SkippedEntries): the result must not outlive them.
Result<Extensions> parse_extensions(
    wire::Reader& r, ExtensionContext context, wire::Bounds bounds = {0, 0xffff},
    SkippedEntries::Storage storage = SkippedEntries::Storage::copy);
/// Splits an extension block without interpreting bodies (for ServerHello, whose context depends
/// on its supported_versions extension).
Result<std::vector<std::pair<ExtensionType, Bytes>>> split_extensions(wire::Reader& r,
                                                                      wire::Bounds bounds);
/// Interprets split extensions in `context`.
Result<Extensions> interpret_extensions(const std::vector<std::pair<ExtensionType, Bytes>>& raw,
                                        ExtensionContext context);

/// Writes the block with its 2-byte length: list() and ignored() merged back into their original
/// order. `skip`, if given, leaves out the extensions it returns true for.
using ExtensionFilter = bool (*)(ExtensionType);
void write_extensions(wire::Writer& w, const Extensions& extensions,
                      ExtensionFilter skip = nullptr);

}  // namespace sanstls::native::msgs

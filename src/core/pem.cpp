// SPDX-License-Identifier: Apache-2.0 OR MIT
// Strict PEM parsing and writing (RFC 7468).

#include "core/pem.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <array>
#include <optional>

namespace sanstls::core {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Error pem_error(CredentialProblem problem, std::string message) {
  Error error = make_error(Errc::bad_configuration, std::move(message));
  error.credential_problem = problem;
  return error;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  return s;
}

/// "-----BEGIN X-----" -> "X" (or nullopt when the line is not such a marker).
std::optional<std::string_view> marker_label(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size() + kDashes.size() || !line.starts_with(prefix) ||
      !line.ends_with(kDashes)) {
    return std::nullopt;
  }
  return line.substr(prefix.size(), line.size() - prefix.size() - kDashes.size());
}

/// Strict base64 of the concatenated body lines: '=' only as final padding.
bool decode_base64(std::string_view text, base::SecretBytes& out) {
  if (text.size() % 4 != 0) {
    return false;
  }
  std::size_t padding = 0;
  if (text.ends_with("==")) {
    padding = 2;
  } else if (text.ends_with("=")) {
    padding = 1;
  }
  out = base::SecretBytes(text.size() / 4 * 3 - padding);
  std::size_t written = 0;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t group = 0;
    std::size_t pads = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      std::uint32_t value = 0;
      if (c == '=') {
        if (i + 4 != text.size() || j < 2) {
          return false;
        }
        ++pads;
      } else {
        if (pads != 0) {
          return false;
        }
        const auto pos = kAlphabet.find(c);
        if (pos == std::string_view::npos) {
          return false;
        }
        value = static_cast<std::uint32_t>(pos);
      }
      group = (group << 6U) | value;
    }
    const std::array<std::uint8_t, 3> bytes = {static_cast<std::uint8_t>(group >> 16U),
                                               static_cast<std::uint8_t>(group >> 8U),
                                               static_cast<std::uint8_t>(group)};
    for (std::size_t k = 0; k < 3 - pads; ++k) {
      out.mutable_span()[written++] = bytes[k];
    }
  }
  return written == out.size();
}

}  // namespace

Result<std::vector<PemBlock>> parse_pem(std::string_view text) {
  std::vector<PemBlock> blocks;
  std::optional<PemBlock> open;
  // The base64 of the open block. It is as secret as the DER it encodes (for a key block it IS
  // the key), so it lives in wiping storage, sized once so it never reallocates.
  base::SecretString body;
  body.reserve(text.size());
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view raw = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    ++line_number;
    const std::string_view line = trim(raw);
    if (!open) {
      if (line.empty()) {
        continue;
      }
      const auto label = marker_label(line, kBegin);
      if (!label) {
        return fail(
            pem_error(CredentialProblem::stray_content,
                      fmt::format("line {}: unexpected text outside a PEM block", line_number)));
      }
      open = PemBlock{.label = std::string{*label}, .der = {}, .line = line_number};
      body.clear();
      continue;
    }
    if (const auto end_label = marker_label(line, kEnd)) {
      if (*end_label != open->label) {
        return fail(pem_error(CredentialProblem::malformed_pem,
                              fmt::format("line {}: END {} does not close BEGIN {} of line {}",
                                          line_number, *end_label, open->label, open->line)));
      }
      if (!decode_base64(body, open->der) || open->der.empty()) {
        return fail(pem_error(
            CredentialProblem::malformed_pem,
            fmt::format("the {} block at line {} is not valid base64", open->label, open->line)));
      }
      blocks.push_back(std::move(*open));
      open.reset();
      continue;
    }
    if (line.find(':') != std::string_view::npos) {
      return fail(pem_error(CredentialProblem::malformed_pem,
                            fmt::format("line {}: PEM headers (encrypted keys) are not supported; "
                                        "decrypt the key first",
                                        line_number)));
    }
    body.append(line);
  }
  if (open) {
    return fail(
        pem_error(CredentialProblem::malformed_pem,
                  fmt::format("the {} block at line {} has no END line", open->label, open->line)));
  }
  return blocks;
}

std::string to_pem(std::string_view label, std::span<const std::uint8_t> der) {
  // The output may be a private key: write it into one buffer of its final size, so no
  // reallocation leaves a partial copy on the heap (the caller owns and wipes the result).
  const std::size_t encoded_size = (der.size() + 2) / 3 * 4;
  const std::size_t lines = (encoded_size + 63) / 64;
  const std::size_t markers = kBegin.size() + kEnd.size() + 2 * (label.size() + kDashes.size() + 1);
  std::string pem;
  pem.reserve(markers + encoded_size + lines);
  const auto marker = [&](std::string_view prefix) {
    pem.append(prefix).append(label).append(kDashes).push_back('\n');
  };
  marker(kBegin);
  std::size_t column = 0;
  for (std::size_t i = 0; i < der.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, der.size() - i);
    std::uint32_t group = static_cast<std::uint32_t>(der[i]) << 16U;
    if (n > 1) {
      group |= static_cast<std::uint32_t>(der[i + 1]) << 8U;
    }
    if (n > 2) {
      group |= der[i + 2];
    }
    for (std::size_t j = 0; j < 4; ++j) {
      pem.push_back(j <= n ? kAlphabet[(group >> (18U - 6U * j)) & 0x3fU] : '=');
    }
    column += 4;
    if (column == 64) {
      pem.push_back('\n');
      column = 0;
    }
  }
  if (column != 0) {
    pem.push_back('\n');
  }
  marker(kEnd);
  return pem;
}

}  // namespace sanstls::core

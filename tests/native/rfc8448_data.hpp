// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// Loads tests/native/data/rfc8448.tsv (extracted from RFC 8448 by tools/rfc8448/extract.py).

#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sanstls::native::testing {

using ByteVec = std::vector<std::uint8_t>;

inline ByteVec from_hex(std::string_view hex) {
  ByteVec out;
  auto nibble = [](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
    throw std::invalid_argument("bad hex");
  };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>((nibble(hex[i]) << 4U) | nibble(hex[i + 1])));
  }
  return out;
}

inline std::string to_hex(const std::vector<std::uint8_t>& v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (auto b : v) {
    s += digits[b >> 4U];
    s += digits[b & 0xfU];
  }
  return s;
}

struct Field {
  std::string label;
  ByteVec value;
};

struct Step {
  int section = 0;
  int index = 0;
  std::string actor;
  std::string title;
  std::vector<Field> fields;

  [[nodiscard]] const ByteVec* get(std::string_view label) const {
    for (const auto& f : fields) {
      if (f.label == label) return &f.value;
    }
    return nullptr;
  }
  [[nodiscard]] bool starts_with(std::string_view prefix) const {
    return std::string_view(title).substr(0, prefix.size()) == prefix;
  }
};

class Rfc8448 {
 public:
  static const Rfc8448& get() {
    static const Rfc8448 instance(SANSTLS_NATIVE_TEST_DATA "/rfc8448.tsv");
    return instance;
  }

  explicit Rfc8448(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> cols;
      std::stringstream ss(line);
      std::string col;
      while (std::getline(ss, col, '\t')) cols.push_back(col);
      if (cols.size() == 5) cols.emplace_back();
      const int section = std::stoi(cols[0]);
      const int index = std::stoi(cols[1]);
      if (steps_.empty() || steps_.back().section != section || steps_.back().index != index) {
        steps_.push_back(Step{section, index, cols[2], cols[3], {}});
      }
      steps_.back().fields.push_back(Field{cols[4], from_hex(cols[5])});
    }
  }

  [[nodiscard]] std::vector<const Step*> section(int s) const {
    std::vector<const Step*> out;
    for (const auto& st : steps_) {
      if (st.section == s) out.push_back(&st);
    }
    return out;
  }

  /// The value of `label` in the first step of `section` whose actor matches (or any, if empty)
  /// and whose title starts with `title`.
  /// The first step of `section` whose field `label` equals `v`.
  [[nodiscard]] const Step* step_with(int s, std::string_view label, const ByteVec& v) const {
    for (const auto& st : steps_) {
      if (st.section != s) continue;
      if (const ByteVec* f = st.get(label); f != nullptr && *f == v) return &st;
    }
    return nullptr;
  }

  [[nodiscard]] std::optional<ByteVec> value(int s, std::string_view actor, std::string_view title,
                                             std::string_view label) const {
    for (const auto& st : steps_) {
      if (st.section == s && (actor.empty() || st.actor == actor) && st.starts_with(title)) {
        if (const ByteVec* v = st.get(label)) return *v;
      }
    }
    return std::nullopt;
  }

 private:
  std::vector<Step> steps_;
};

}  // namespace sanstls::native::testing

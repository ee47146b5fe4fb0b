// What every fuzz target shares: checks that abort with a message (libFuzzer then saves the
// input), exact-size copies (so ASan sees any read past the input), deterministic splits, and a
// reference UTF-8 reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lambda::fuzz {

[[noreturn]] inline void fail(std::string_view what) {
  std::fprintf(stderr, "fuzz check failed: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void check(bool holds, std::string_view what) {
  if (!holds) fail(what);
}

// A heap copy of exactly `bytes.size()` bytes: reading one past it is an ASan report.
class exact_copy {
 public:
  explicit exact_copy(std::string_view bytes)
      : data_(new char[bytes.size() == 0 ? 1 : bytes.size()]), size_(bytes.size()) {
    if (size_ != 0) std::memcpy(data_.get(), bytes.data(), size_);
  }
  char* data() { return data_.get(); }
  std::size_t size() const { return size_; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_;
};

// A small deterministic generator seeded from the input, so that splits vary with it while
// every input keeps plain, readable seeds (no control bytes spent on the splits).
class splitter {
 public:
  explicit splitter(std::string_view bytes, std::uint64_t salt = 0) : state_(salt ^ 0x9e3779b97f4a7c15u) {
    for (unsigned char c : bytes) state_ = (state_ ^ c) * 0x100000001b3u;
  }
  std::uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  // Ends of the pieces of a `size`-byte input, increasing, the last one `size`: mostly short
  // pieces, where the parsers' resumption lives, sometimes long ones.
  std::vector<std::size_t> ends(std::size_t size) {
    std::vector<std::size_t> out;
    for (std::size_t at = 0; at < size;) {
      const std::uint64_t r = next();
      const std::size_t step = (r & 3) == 0 ? 1 + (r >> 8) % (size - at) : 1 + (r >> 8) % 8;
      at = at + step > size ? size : at + step;
      out.push_back(at);
    }
    if (out.empty()) out.push_back(size);
    return out;
  }
  // One byte at a time.
  static std::vector<std::size_t> bytewise(std::size_t size) {
    std::vector<std::size_t> out;
    for (std::size_t at = 1; at <= size; ++at) out.push_back(at);
    if (out.empty()) out.push_back(0);
    return out;
  }

 private:
  std::uint64_t state_;
};

// Length of the well-formed UTF-8 sequence (RFC 3629) at text[i], or 0 when it is ill-formed;
// `maximal` gets the length of its maximal ill-formed subpart (Unicode 15, §3.9, D93b) then.
inline std::size_t utf8_sequence(std::string_view text, std::size_t i, std::size_t& maximal) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b = byte(i);
  maximal = 1;
  if (b < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (b >= 0xC2 && b <= 0xDF) length = 2;
  else if (b >= 0xE0 && b <= 0xEF) {
    length = 3;
    if (b == 0xE0) low = 0xA0;
    if (b == 0xED) high = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    length = 4;
    if (b == 0xF0) low = 0x90;
    if (b == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) return 0;
    const unsigned char c = byte(i + k);
    if (k == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xBF)) return 0;
    maximal = k + 1;
  }
  return length;
}

inline bool valid_utf8(std::string_view text) {
  std::size_t maximal = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i, maximal);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// `text` with each maximal ill-formed subpart replaced by U+FFFD.
inline std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  std::size_t maximal = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i, maximal);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      i += maximal;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace lambda::fuzz

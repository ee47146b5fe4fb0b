#include <lambda/base64.hpp>

#include <array>
#include <cstdint>

namespace lambda::base64 {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t not_in_alphabet = 0xff;

constexpr std::array<std::uint8_t, 256> make_values() {
  std::array<std::uint8_t, 256> values{};
  for (auto& v : values) v = not_in_alphabet;
  for (std::uint8_t i = 0; i < 64; ++i) values[static_cast<unsigned char>(alphabet[i])] = i;
  return values;
}

constexpr std::array<std::uint8_t, 256> values = make_values();

std::uint8_t value_of(char c) { return values[static_cast<unsigned char>(c)]; }

}  // namespace

void append_encoded(std::string& out, std::string_view bytes) {
  const std::size_t start = out.size();
  out.resize(start + encoded_size(bytes.size()));
  char* at = out.data() + start;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    *at++ = alphabet[group >> 18];
    *at++ = alphabet[group >> 12 & 63];
    *at++ = alphabet[group >> 6 & 63];
    *at++ = alphabet[group & 63];
  }
  const std::size_t left = bytes.size() - i;
  if (left == 0) return;
  const std::uint32_t group = byte(i) << 16 | (left == 2 ? byte(i + 1) << 8 : 0);
  *at++ = alphabet[group >> 18];
  *at++ = alphabet[group >> 12 & 63];
  *at++ = left == 2 ? alphabet[group >> 6 & 63] : '=';
  *at = '=';
}

std::string encode(std::string_view bytes) {
  std::string out;
  append_encoded(out, bytes);
  return out;
}

bool append_decoded(std::string& out, std::string_view text) {
  if (text.size() % 4 != 0) return false;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  const std::size_t start = out.size();
  out.resize(start + text.size() / 4 * 3 - padding);
  char* at = out.data() + start;
  const std::size_t whole = text.size() - (padding ? 4 : 0);  // groups without padding
  for (std::size_t i = 0; i < whole; i += 4) {
    const std::uint8_t a = value_of(text[i]), b = value_of(text[i + 1]), c = value_of(text[i + 2]),
                       d = value_of(text[i + 3]);
    if ((a | b | c | d) & 0xc0) {  // only not_in_alphabet has the high bits set
      out.resize(start);
      return false;
    }
    const std::uint32_t group = std::uint32_t{a} << 18 | std::uint32_t{b} << 12 | std::uint32_t{c} << 6 | d;
    *at++ = static_cast<char>(group >> 16);
    *at++ = static_cast<char>(group >> 8 & 0xff);
    *at++ = static_cast<char>(group & 0xff);
  }
  if (padding == 0) return true;
  // The last group: two or three characters, then the padding; the unused bits must be zero.
  const std::string_view last = text.substr(whole);
  const std::uint8_t a = value_of(last[0]), b = value_of(last[1]);
  const std::uint8_t c = padding == 1 ? value_of(last[2]) : 0;
  const bool valid = a != not_in_alphabet && b != not_in_alphabet && c != not_in_alphabet &&
                     (padding == 2 ? (b & 0x0f) == 0 : (c & 0x03) == 0);
  if (!valid) {
    out.resize(start);
    return false;
  }
  const std::uint32_t group = std::uint32_t{a} << 18 | std::uint32_t{b} << 12 | std::uint32_t{c} << 6;
  *at++ = static_cast<char>(group >> 16);
  if (padding == 1) *at = static_cast<char>(group >> 8 & 0xff);
  return true;
}

std::optional<std::string> decode(std::string_view text) {
  std::string out;
  if (!append_decoded(out, text)) return std::nullopt;
  return out;
}

}  // namespace lambda::base64

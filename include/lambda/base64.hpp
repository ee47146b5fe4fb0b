// Base64 as Lambda uses it (RFC 4648, standard alphabet, with padding): API Gateway and Function
// URL bodies with isBase64Encoded, Kinesis record data, and the error trailer of a streamed
// answer.
//
//   #include <lambda/base64.hpp>
//
//   std::string body = lambda::base64::encode("hello");        // "aGVsbG8="
//   if (auto raw = lambda::base64::decode(body)) use(*raw);    // "hello"
//   else reject("not base64");                                 // strict: see decode()
//
// Public headers compile as C++17; the library itself is built as C++20.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lambda::base64 {

// The length of the encoding of `bytes` bytes: 4 characters for every 3 bytes or part of them.
constexpr std::size_t encoded_size(std::size_t bytes) noexcept { return (bytes + 2) / 3 * 4; }

// Appends the encoding of `bytes` to `out`, with '=' padding.
void append_encoded(std::string& out, std::string_view bytes);
std::string encode(std::string_view bytes);

// Appends the bytes `text` encodes to `out`, and returns true; or returns false and leaves `out`
// as it was. Strict, so that two texts never decode to the same bytes: the length is a multiple
// of 4, padding is '=' at the very end only (one or two), the unused bits of the last character
// are zero, and nothing outside the alphabet (no whitespace, no URL-safe '-' or '_') appears.
bool append_decoded(std::string& out, std::string_view text);
std::optional<std::string> decode(std::string_view text);

}  // namespace lambda::base64

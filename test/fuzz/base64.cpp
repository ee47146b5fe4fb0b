// Fuzz target: lambda::base64 (include/lambda/base64.hpp).
//
// Oracles: decode(encode(x)) == x and encode's length is encoded_size(x.size()); decoding is
// strict, so a text decodes exactly when a reference check written here accepts it (length a
// multiple of 4, the standard alphabet, '=' padding at the very end only, zero unused bits),
// and then encode(decode(t)) == t; a refused text leaves append_decoded's output as it was.
//
//   make fuzz FUZZ_TARGETS=base64 FUZZ_SECONDS=60
#include <lambda/base64.hpp>

#include <string>

#include "fuzz.hpp"

namespace {

using namespace lambda;

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool reference_accepts(std::string_view t) {
  if (t.size() % 4 != 0) return false;
  std::size_t padding = 0;
  while (padding < 2 && padding < t.size() && t[t.size() - 1 - padding] == '=') ++padding;
  const std::string_view body = t.substr(0, t.size() - padding);
  for (char c : body) {
    if (sextet(c) < 0) return false;
  }
  if (padding == 0 || body.empty()) return true;
  const int last = sextet(body.back());
  return padding == 2 ? (last & 0x0F) == 0 : (last & 0x03) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz::exact_copy bytes(input);

  const std::string encoded = base64::encode(bytes.view());
  fuzz::check(encoded.size() == base64::encoded_size(size), "encoded length is not encoded_size");
  std::string appended = "x";
  base64::append_encoded(appended, bytes.view());
  fuzz::check(appended == "x" + encoded, "append_encoded differs from encode");
  fuzz::exact_copy text(encoded);
  const auto decoded = base64::decode(text.view());
  fuzz::check(decoded && *decoded == input, "decode(encode(x)) != x");

  const auto strict = base64::decode(bytes.view());
  fuzz::check(strict.has_value() == reference_accepts(input), "decode accepts what strict base64 does not, or the reverse");
  std::string out = "kept";
  const bool ok = base64::append_decoded(out, bytes.view());
  fuzz::check(ok == strict.has_value(), "append_decoded and decode disagree");
  if (!strict) {
    fuzz::check(out == "kept", "a refused text changed append_decoded's output");
    return 0;
  }
  fuzz::check(out == "kept" + *strict, "append_decoded differs from decode");
  fuzz::check(base64::encode(*strict) == input, "encode(decode(t)) != t");
  return 0;
}

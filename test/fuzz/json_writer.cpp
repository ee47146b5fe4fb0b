// Fuzz target: json::append_quoted and json::writer (include/lambda/json.hpp).
//
// Input: bytes read as a script of writer calls (begin/end object or array, key, string, int64,
// uint64, double, bool, null), each taking its argument from the bytes that follow.
//
// Oracles: every string, valid UTF-8 or not, is quoted to valid JSON (is_valid) that unescapes
// to the string with each maximal ill-formed UTF-8 subpart replaced by U+FFFD (a reference
// written here); a double written by value(double) reads back bit for bit with to_double (NaN
// and infinities throw logic_error instead); integers read back with to_int64 or as their
// decimal text; a call the structure does not allow throws logic_error and leaves the output as
// it was; once complete(), the output is valid JSON.
//
//   make fuzz FUZZ_TARGETS=json_writer FUZZ_SECONDS=60
#include <lambda/json.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

#include "fuzz.hpp"

namespace {

using namespace lambda;

void check_quoted(std::string_view s) {
  std::string out = "prefix";
  json::append_quoted(out, s);
  fuzz::check(out.starts_with("prefix"), "append_quoted changed what was there");
  const std::string_view quoted = std::string_view(out).substr(6);
  fuzz::check(json::is_valid(quoted), "a quoted string is not valid JSON");
  std::string back;
  json::append_unescaped(back, quoted.substr(1, quoted.size() - 2));
  fuzz::check(back == fuzz::replace_invalid_utf8(s), "a quoted string does not read back as its text");
}

void check_double(double d) {
  std::string out;
  json::writer w(out);
  if (!std::isfinite(d)) {
    bool threw = false;
    try {
      w.value(d);
    } catch (const std::logic_error&) {
      threw = true;
    }
    fuzz::check(threw && out.empty(), "a non-finite double did not throw, or wrote something");
    return;
  }
  w.value(d);
  fuzz::check(json::is_valid(out), "a double is not valid JSON");
  const json::result<double> back = json::to_double(out);
  fuzz::check(back.ok(), "a written double does not read back");
  fuzz::check(std::bit_cast<std::uint64_t>(back.value) == std::bit_cast<std::uint64_t>(d),
              "a double does not round-trip exactly: " + out);
}

// Runs one writer call; true when it did not throw. A throw must leave `out` as it was.
template <typename Call>
bool attempt(std::string& out, Call call) {
  const std::string before = out;
  try {
    call();
    return true;
  } catch (const std::logic_error&) {
    fuzz::check(out == before, "a refused writer call changed the output");
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_quoted({reinterpret_cast<const char*>(data), size});
  FuzzedDataProvider in(data, size);
  std::string out;
  json::writer w(out);
  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange(0, 10)) {
      case 0: attempt(out, [&] { w.begin_object(); }); break;
      case 1: attempt(out, [&] { w.end_object(); }); break;
      case 2: attempt(out, [&] { w.begin_array(); }); break;
      case 3: attempt(out, [&] { w.end_array(); }); break;
      case 4: {
        const std::string k = in.ConsumeRandomLengthString(64);
        check_quoted(k);
        attempt(out, [&] { w.key(k); });
        break;
      }
      case 5: {
        const std::string s = in.ConsumeRandomLengthString(64);
        check_quoted(s);
        attempt(out, [&] { w.value(s); });
        break;
      }
      case 6: {
        const auto i = in.ConsumeIntegral<std::int64_t>();
        std::string alone;
        json::writer(alone).value(static_cast<long long>(i));
        const auto back = json::to_int64(alone);
        fuzz::check(back.ok() && back.value == i, "an int64 does not round-trip");
        attempt(out, [&] { w.value(static_cast<long long>(i)); });
        break;
      }
      case 7: {
        const auto u = in.ConsumeIntegral<std::uint64_t>();
        std::string alone;
        json::writer(alone).value(static_cast<unsigned long long>(u));
        fuzz::check(alone == std::to_string(u), "a uint64 is not written as its decimal text");
        attempt(out, [&] { w.value(static_cast<unsigned long long>(u)); });
        break;
      }
      case 8: {
        const double d = std::bit_cast<double>(in.ConsumeIntegral<std::uint64_t>());
        check_double(d);
        attempt(out, [&] { w.value(d); });
        break;
      }
      case 9: attempt(out, [&] { w.value(in.ConsumeBool()); }); break;
      case 10: attempt(out, [&] { w.null(); }); break;
    }
  }
  if (w.complete()) fuzz::check(json::is_valid(out), "a complete writer's output is not valid JSON");
  return 0;
}

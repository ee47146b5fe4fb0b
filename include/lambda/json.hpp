// JSON for Lambda events and answers: a writer that escapes correctly.
//
//   #include <lambda/json.hpp>
//
//   std::string answer() {
//     std::string out;
//     lambda::json::writer w(out);
//     w.begin_object()
//         .key("statusCode").value(200)
//         .key("body").value("caf\xc3\xa9 \"ok\"")
//         .key("tags").begin_array().value(true).null().end_array()
//         .end_object();
//     return out;  // {"statusCode":200,"body":"café \"ok\"","tags":[true,null]}
//   }
//
// Public headers compile as C++17; the library itself is built as C++20.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lambda::json {

// Deepest nesting the writer accepts (and the ceiling for the tokenizer's settable limit): the
// nesting stack is a fixed bitset inside the object, so neither ever allocates for it.
inline constexpr std::size_t max_nesting = 1024;

// Appends one JSON string literal (quotes included) for `s` to `out`. Escapes '"', '\\' and
// every control character U+0000..U+001F (\b \f \n \r \t in their short forms, the others as
// \u00XX); everything else, including '/' and non-ASCII text, is copied as it is.
// Invalid UTF-8 is replaced, not rejected: each maximal ill-formed subsequence (Unicode's
// "substitution of maximal subparts", as browsers decode) becomes one U+FFFD, so the output
// is always valid JSON. Never throws except for std::bad_alloc, never fails.
void append_quoted(std::string& out, std::string_view s);

// Builds one JSON value into a caller-owned string, appending to what is already there.
// Every call checks that it fits the structure written so far; misuse (a value where a key is
// due, a key outside an object, an end_* that closes nothing or the wrong container, a second
// top-level value, nesting deeper than max_nesting, a non-finite double) throws
// std::logic_error and leaves `out` as it was before that call. Allocates nothing but the
// string's own growth.
class writer {
 public:
  explicit writer(std::string& out) noexcept : out_(out) {}

  writer& begin_object();
  writer& end_object();
  writer& begin_array();
  writer& end_array();
  writer& key(std::string_view k);

  writer& value(std::string_view s);
  writer& value(const char* s);  // must not be null: write null() for JSON null
  writer& value(const std::string& s) { return value(std::string_view(s)); }
  writer& value(bool b);
  // One overload per standard integer type, so that int, long, std::int64_t, std::size_t...
  // all pick an exact match on every platform (std::int64_t is one of them).
  writer& value(int i) { return value(static_cast<long long>(i)); }
  writer& value(long i) { return value(static_cast<long long>(i)); }
  writer& value(long long i);
  writer& value(unsigned u) { return value(static_cast<unsigned long long>(u)); }
  writer& value(unsigned long u) { return value(static_cast<unsigned long long>(u)); }
  writer& value(unsigned long long u);
  // Shortest text that reads back as the same double (std::to_chars); NaN and infinities
  // have no JSON form and throw. Defined in its own translation unit: the tables behind
  // std::to_chars(double) add ~130 KB to a static binary that writes a double.
  writer& value(double d);
  writer& null();
  // A value that is already JSON (e.g. a field found in the event), written as it is. Not
  // checked: the caller vouches that it is exactly one valid JSON value.
  writer& raw(std::string_view already_encoded_json);

  // True once exactly one top-level value has been written and every container is closed.
  bool complete() const noexcept { return depth_ == 0 && top_level_done_; }

 private:
  bool in_object() const noexcept;
  void before_value();  // checks a value may come here and writes its separator
  void after_value() noexcept;
  void open(bool object, char bracket);
  void close(bool object, char bracket);
  void append_number(const char* first, const char* last);

  std::string& out_;
  std::size_t depth_ = 0;
  bool top_level_done_ = false;
  bool needs_comma_ = false;  // the current container already holds an element
  bool key_written_ = false;  // inside an object: a key waits for its value
  std::uint64_t is_object_[max_nesting / 64]{};  // bit d: the container at depth d+1 is an object
};

}  // namespace lambda::json

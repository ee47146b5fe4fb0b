// JSON for Lambda events and answers, without a DOM: JSON Pointer lookups, a strict pull
// tokenizer under them, and a writer that escapes correctly.
//
//   #include <lambda/json.hpp>
//
//   std::string handle(std::string_view event) {
//     namespace json = lambda::json;
//     // Missing, mistyped and malformed are answers here, not exceptions.
//     const std::int64_t sleep_ms = json::find_int(event, "/sleep_ms").value_or(0);
//     const auto method = json::find_string(event, "/requestContext/http/method");
//     if (method.state == json::status::malformed) return method.error.reason();
//
//     std::string out;
//     json::writer w(out);
//     w.begin_object()
//         .key("method").value(method.value_or("GET"))
//         .key("slept").value(sleep_ms)
//         .key("tags").begin_array().value(true).null().end_array()
//         .end_object();
//     return out;  // {"method":"POST","slept":20,"tags":[true,null]}
//   }
//
//   std::size_t count_strings(std::string_view document) {  // every token, one at a time
//     lambda::json::tokenizer reader(document);
//     for (std::size_t strings = 0;;) {
//       const lambda::json::token t = reader.next();
//       if (t.kind == lambda::json::token_kind::end) return strings;
//       if (t.kind == lambda::json::token_kind::error) return 0;  // reader.error() says why
//       if (t.kind == lambda::json::token_kind::string) ++strings;
//     }
//   }
//
// Public headers compile as C++17; the library itself is built as C++20.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

namespace lambda::json {

// Deepest nesting the writer accepts (and the ceiling for the tokenizer's settable limit): the
// nesting stack is a fixed bitset inside the object, so neither ever allocates for it.
inline constexpr std::size_t max_nesting = 1024;

namespace detail {

// The containers open right now, innermost last, and which of them are objects: a fixed bitset,
// so that neither the writer nor the tokenizer allocates for it. open() needs depth() below
// max_nesting; in_object() and close() need a container open.
class nesting {
 public:
  std::size_t depth() const noexcept { return depth_; }
  bool in_object() const noexcept {
    const std::size_t level = depth_ - 1;
    return (is_object_[level / 64] >> (level % 64)) & 1;
  }
  void open(bool object) noexcept {
    const std::uint64_t bit = std::uint64_t{1} << (depth_ % 64);
    std::uint64_t& word = is_object_[depth_ / 64];
    word = object ? (word | bit) : (word & ~bit);
    ++depth_;
  }
  void close() noexcept { --depth_; }

 private:
  std::size_t depth_ = 0;
  std::uint64_t is_object_[max_nesting / 64]{};  // bit d: the container at depth d+1 is an object
};

}  // namespace detail

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
  // have no JSON form and throw. The tables behind std::to_chars(double) add ~130 KB to a
  // static binary, and only to one that calls this (the Makefile links with --gc-sections).
  writer& value(double d);
  writer& null();
  // A value that is already JSON (e.g. a field found in the event), written as it is. Not
  // checked: the caller vouches that it is exactly one valid JSON value.
  writer& raw(std::string_view already_encoded_json);

  // True once exactly one top-level value has been written and every container is closed.
  bool complete() const noexcept { return nesting_.depth() == 0 && top_level_done_; }

 private:
  void before_value();  // checks a value may come here and writes its separator
  void after_value() noexcept;
  void open(bool object, char bracket);
  void close(bool object, char bracket);
  void append_number(const char* first, const char* last);

  std::string& out_;
  detail::nesting nesting_;
  bool top_level_done_ = false;
  bool needs_comma_ = false;  // the current container already holds an element
  bool key_written_ = false;  // inside an object: a key waits for its value
};

// Why a document is not JSON. Each has a short text: reason().
enum class error_code : std::uint8_t {
  none,
  empty_document,
  unexpected_end,          // the input stops inside a value
  expected_value,
  expected_key,            // object keys are double-quoted strings
  expected_colon,
  expected_comma_or_end,   // after an element: ',' or the container's closing bracket
  trailing_comma,
  trailing_characters,     // anything but whitespace after the top-level value
  invalid_literal,         // not exactly true, false or null
  invalid_number,          // e.g. +1 .5 1. 1e -x
  leading_zero,
  control_character,       // U+0000..U+001F unescaped in a string
  invalid_escape,
  invalid_unicode_escape,  // \u without four hex digits
  lone_surrogate,          // \u escape of a surrogate without its partner
  invalid_utf8,
  too_deep,                // nesting beyond the tokenizer's depth limit
};

struct parse_error {
  error_code code = error_code::none;
  std::size_t offset = 0;  // byte offset in the document of the first byte found wrong
  const char* reason() const noexcept;  // e.g. "trailing comma"; "" for none
};

enum class token_kind : std::uint8_t {
  object_begin,
  object_end,
  array_begin,
  array_end,
  key,
  string,
  number,
  true_value,
  false_value,
  null_value,
  end,        // the whole document has been read and is valid
  need_more,  // feed more bytes (or finish()) and call next() again
  error,      // tokenizer::error() says why; every later next() returns error again
};

struct token {
  token_kind kind = token_kind::end;
  bool escaped = false;  // key or string: its text holds at least one backslash escape
  // key, string: the bytes between the quotes, still escaped (see unescape()).
  // number, true_value, false_value, null_value: the token's JSON text, e.g. "-1.5e3".
  // object and array brackets: the bracket. end, need_more, error: empty.
  std::string_view text;
  std::size_t offset = 0;  // where the token starts in the document (a string's opening quote)
};

// A strict RFC 8259 pull tokenizer: no copies, no heap allocation, resumable. It does not copy
// the document either: the bytes must outlive the tokenizer and its tokens.
//
// The input is "every byte of the document received so far": a caller reading from a socket
// appends to its own buffer and hands the whole buffer to feed() again each time; the buffer
// may move when it grows, since the tokenizer keeps offsets, never pointers. A token is a view
// into the latest input, valid until that buffer changes. When a token is cut off by the end
// of the input, next() returns need_more and, once more bytes are fed, resumes where it
// stopped (a long string is not rescanned). finish() says no more bytes will come, which
// completes a trailing number and turns an unfinished document into an error.
//
// Everything RFC 8259 forbids is an error: leading zeros, +1, .5, 1., 1e, NaN, trailing commas,
// comments, single quotes, unescaped control characters, bad escapes, lone surrogates in \u
// escapes, ill-formed UTF-8 (RFC 3629: overlong forms, encoded surrogates, code points above
// U+10FFFF, truncated sequences), more than one top-level value, an empty document, a
// leading byte order mark (RFC 8259 8.1 lets parsers ignore it; strictness wins here), and
// nesting deeper than max_depth (so a hostile document cannot exhaust the stack).
class tokenizer {
 public:
  static constexpr std::size_t default_max_depth = 512;

  // For input that arrives in pieces: feed() then next() until end, error or need_more.
  // Throws std::invalid_argument when max_depth > max_nesting.
  explicit tokenizer(std::size_t max_depth = default_max_depth);
  // For a document that is all there: already fed and finished.
  explicit tokenizer(std::string_view document, std::size_t max_depth = default_max_depth);

  // `received` holds the previous input's bytes followed by zero or more new ones. Throws
  // std::logic_error if it is shorter than the previous input or comes after finish().
  void feed(std::string_view received);
  void finish() noexcept;

  token next() noexcept;

  const parse_error& error() const noexcept { return error_; }
  std::size_t depth() const noexcept { return nesting_.depth(); }  // containers open right now

 private:
  // What the grammar allows at pos_ (after whitespace).
  enum class expect : std::uint8_t {
    document,       // the top-level value
    value,          // after ':'
    element,        // after ',' in an array
    first_element,  // after '[': a value or ']'
    key,            // after ',' in an object
    first_key,      // after '{': a key or '}'
    colon,
    separator,      // after an element: ',' or the closing bracket
    trailing,       // after the top-level value: whitespace only
    done,
    failed,
  };
  struct scan;

  token fail(error_code code, std::size_t offset) noexcept;
  token out_of_input() noexcept;
  token value(char c) noexcept;
  token key(char c) noexcept;
  token open(bool object, token_kind kind) noexcept;
  token close(char c) noexcept;
  token string_token(token_kind kind) noexcept;
  token number() noexcept;
  token literal(std::string_view text, token_kind kind) noexcept;
  token finish_scalar(const scan& s, token_kind kind, bool escaped) noexcept;
  expect after_value() const noexcept;
  std::string_view slice(std::size_t from, std::size_t length) const noexcept {
    return {input_.data() + from, length};  // unchecked: offsets come from the scanners
  }

  std::string_view input_;
  std::size_t pos_ = 0;            // the next byte to look at
  std::size_t string_resume_ = 0;  // non-zero: the string at pos_ is checked up to here
  bool string_escaped_ = false;    // ... and already holds an escape
  bool finished_ = false;
  expect expect_ = expect::document;
  std::size_t max_depth_ = default_max_depth;
  parse_error error_;
  detail::nesting nesting_;
};

// The whole document is one valid JSON text by the rules above (default depth limit).
bool is_valid(std::string_view document) noexcept;

// Unescaping a string or key token's text (escapes are decoded to UTF-8, surrogate pairs to
// one code point). It never lengthens: `out` needs room for text.size() bytes, and must not
// overlap the text. Returns the number of bytes written. Text that is not a valid token's is
// copied through, never overread.
std::size_t unescape(std::string_view text, char* out) noexcept;
void append_unescaped(std::string& out, std::string_view text);

// What a lookup or a conversion found.
enum class status : std::uint8_t {
  ok,
  missing,       // the document is valid, but nothing is at that path
  wrong_type,    // the value is there but is not what was asked for (e.g. 1.5 as an integer)
  out_of_range,  // a number beyond the range of the type asked for
  malformed,     // the document is not valid JSON; `error` says why and where
};

// A value or why there is none. Errors are values here, never exceptions.
template <class T>
struct result {
  T value{};
  status state = status::ok;
  parse_error error;  // when state is malformed

  bool ok() const noexcept { return state == status::ok; }
  explicit operator bool() const noexcept { return ok(); }
  const T& operator*() const noexcept { return value; }
  const T* operator->() const noexcept { return &value; }
  T value_or(T fallback) const { return ok() ? value : std::move(fallback); }
};

// A number token's text as an integer: wrong_type unless it is written as one (no fraction,
// no exponent: 1.0 and 1e2 are not integers here), out_of_range beyond int64_t.
result<std::int64_t> to_int64(std::string_view number) noexcept;
// A number token's text as a double (std::from_chars, correctly rounded): out_of_range when
// its magnitude overflows, or is so small that it underflows to zero, as from_chars reports.
// Like writer::value(double), it costs a static binary ~130 KB only if the binary calls it.
result<double> to_double(std::string_view number) noexcept;

// Lookups without a DOM, for one-off reads. Each call validates the whole document again, so a
// loop of them over an array (find_string(event, "/Records/" + i + "/body")) is quadratic:
// 5,000 records take seconds. To read more than a few values, validate once with `document`
// and walk its values (linear in the document's size).
//
// `pointer` is an RFC 6901 JSON Pointer: "" is the whole document,
// "/a/b" member b of member a, "/items/0" an array's first element, "~1" a '/' in a name and
// "~0" a '~'. A pointer that is neither empty nor starts with '/', or holds '~' followed by
// anything but 0 or 1, is misuse: std::invalid_argument.
//
// The whole document is always validated (strictly, with the default depth limit), so a
// malformed document reads as malformed wherever the flaw is, never as a value or as missing.
// A path through a scalar, an array index that is out of range or not a number ("-" included),
// or an absent member are missing. Nothing is allocated but the std::string results.
//
//   auto sleep_ms = lambda::json::find_int(event, "/sleep_ms");  // result<std::int64_t>
//   if (sleep_ms) wait(*sleep_ms);
//   bool fail = lambda::json::find_bool(event, "/fail").value_or(false);

// The value's JSON text, as it is in the document: a string with its quotes and escapes, an
// object from '{' to '}'.
result<std::string_view> find(std::string_view document, std::string_view pointer);
result<std::int64_t> find_int(std::string_view document, std::string_view pointer);
result<double> find_double(std::string_view document, std::string_view pointer);  // see to_double
result<bool> find_bool(std::string_view document, std::string_view pointer);
// A string value, unescaped.
result<std::string> find_string(std::string_view document, std::string_view pointer);
// The same without allocating in steady state: a view into the document when the string holds
// no escapes, else into `scratch`, which is overwritten (its capacity reused).
result<std::string_view> find_string(std::string_view document, std::string_view pointer,
                                     std::string& scratch);


enum class value_kind : std::uint8_t { object, array, string, number, boolean, null };

class value;
class element_range;
class member_range;

// A value of a document that was validated once (see document below): a view of its JSON text.
// Reading it never validates again: lookups and iteration only skip over the valid text, so
// walking every element of an array costs the array's size, once. A lookup that finds nothing
// gives an absent value (false in a boolean context); every read of an absent value, or of one
// of another type, answers missing or wrong_type, never throws. Values view the document's
// bytes, which must outlive them. Nothing is allocated but the std::string a caller asks for.
class value {
 public:
  value() noexcept = default;

  explicit operator bool() const noexcept { return !json_.empty(); }
  value_kind kind() const noexcept;    // of a value that is there
  bool is_null() const noexcept { return json_.substr(0, 4) == "null"; }
  // Its JSON text; "" when absent. A value found by a lookup or an iteration learns where it
  // ends only when asked, so that finding a value costs nothing beyond reaching it.
  std::string_view json() const noexcept { return open_ ? extent() : json_; }

  // The member `name` (unescaped, as a C++ string) of an object: the first one of that name.
  // Absent when this is not an object or has no such member. Linear in the object's size.
  value operator[](std::string_view name) const noexcept;
  value operator[](const char* name) const noexcept { return (*this)[std::string_view(name)]; }
  // The element `index` of an array, or absent. Linear in the elements before it: to read them
  // all, iterate elements().
  value operator[](std::size_t index) const noexcept;
  value operator[](int index) const noexcept { return index < 0 ? value() : (*this)[static_cast<std::size_t>(index)]; }
  // An RFC 6901 JSON Pointer from this value ("" is this value); std::invalid_argument for a
  // malformed pointer, as find() throws.
  value at(std::string_view pointer) const;

  // A string's bytes, unescaped: a view of the document when the string holds no escape, else
  // of `scratch` (overwritten, its capacity reused).
  result<std::string_view> get_string(std::string& scratch) const;
  result<std::string> get_string() const;
  result<std::int64_t> get_int() const noexcept;  // as to_int64
  result<double> get_double() const noexcept;     // as to_double
  result<bool> get_bool() const noexcept;

  // An array's elements in order; empty for anything else. for (json::value v : a.elements())
  element_range elements() const noexcept;
  // An object's members in order; empty for anything else.
  // for (const json::member& m : o.members()) { m.key_is("id"); m.value; }
  member_range members() const noexcept;
  // Elements of an array or members of an object (0 for anything else). Linear.
  std::size_t size() const noexcept;

 private:
  friend class document;
  friend class element_range;
  friend class member_range;
  explicit value(std::string_view json) noexcept : json_(json) {}
  value(const char* at, const char* bound) noexcept : json_(at, static_cast<std::size_t>(bound - at)), open_(true) {}
  std::string_view extent() const noexcept;
  // The value's text, or when open_ its text and whatever follows it up to a bound (the end of
  // the document's text): its end is found by skipping it only when needed.
  std::string_view json_;
  bool open_ = false;
};

// One member of an object: its key as written between the quotes (still escaped), and its value.
struct member {
  std::string_view raw_key;
  json::value value;

  bool key_is(std::string_view name) const noexcept;  // compares the unescaped key
  std::string key() const;                            // the unescaped key
};

// Forward ranges over a container's text. Each step skips one value: a whole walk reads the
// container once.
class element_range {
 public:
  class iterator {
   public:
    using value_type = json::value;
    using difference_type = std::ptrdiff_t;
    using reference = const json::value&;
    using pointer = const json::value*;
    using iterator_category = std::forward_iterator_tag;

    iterator() noexcept = default;
    const json::value& operator*() const noexcept { return current_; }
    const json::value* operator->() const noexcept { return &current_; }
    iterator& operator++() noexcept;
    iterator operator++(int) noexcept {
      iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const iterator& other) const noexcept { return at_ == other.at_; }
    bool operator!=(const iterator& other) const noexcept { return at_ != other.at_; }

   private:
    friend class element_range;
    iterator(const char* at, const char* bound) noexcept;
    void read() noexcept;
    const char* at_ = nullptr;     // the current element's first byte; null when done
    const char* bound_ = nullptr;  // the end of the document's text
    json::value current_;
  };

  iterator begin() const noexcept;
  iterator end() const noexcept;
  bool empty() const noexcept { return begin() == end(); }

 private:
  friend class value;
  explicit element_range(std::string_view array) noexcept : array_(array) {}
  std::string_view array_;  // from '[' up to at most the end of the document's text, or empty
};

class member_range {
 public:
  class iterator {
   public:
    using value_type = member;
    using difference_type = std::ptrdiff_t;
    using reference = const member&;
    using pointer = const member*;
    using iterator_category = std::forward_iterator_tag;

    iterator() noexcept = default;
    const member& operator*() const noexcept { return current_; }
    const member* operator->() const noexcept { return &current_; }
    iterator& operator++() noexcept;
    iterator operator++(int) noexcept {
      iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const iterator& other) const noexcept { return at_ == other.at_; }
    bool operator!=(const iterator& other) const noexcept { return at_ != other.at_; }

   private:
    friend class member_range;
    iterator(const char* at, const char* bound) noexcept;
    void read() noexcept;
    const char* at_ = nullptr;     // the current member's key quote; null when done
    const char* bound_ = nullptr;  // the end of the document's text
    member current_;
  };

  iterator begin() const noexcept;
  iterator end() const noexcept;
  bool empty() const noexcept { return begin() == end(); }

 private:
  friend class value;
  explicit member_range(std::string_view object) noexcept : object_(object) {}
  std::string_view object_;  // from '{' up to at most the end of the document's text, or empty
};

// A document validated once, strictly (as is_valid), then read through values without
// validating again. It copies nothing: the bytes must outlive it and its values.
//
//   lambda::json::document doc(event);
//   if (!doc) return fail(doc.error().reason());
//   std::string scratch;
//   for (lambda::json::value record : doc["Records"].elements()) {
//     auto id = record["messageId"].get_string(scratch);
//     ...
//   }
class document {
 public:
  explicit document(std::string_view text) noexcept;

  explicit operator bool() const noexcept { return error_.code == error_code::none; }
  const parse_error& error() const noexcept { return error_; }
  // The top-level value; absent when the text is not valid JSON.
  value root() const noexcept { return root_; }
  value operator[](std::string_view name) const noexcept { return root_[name]; }
  value operator[](const char* name) const noexcept { return root_[std::string_view(name)]; }
  value at(std::string_view pointer) const { return root_.at(pointer); }

 private:
  value root_;
  parse_error error_;
};

}  // namespace lambda::json

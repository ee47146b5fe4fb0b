#include <lambda/json.hpp>

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace lambda::json {
namespace {

[[noreturn]] void misuse(const char* what) {
  throw std::logic_error(std::string("lambda::json::writer: ") + what);
}

}  // namespace

void writer::before_value() {
  if (nesting_.depth() == 0) {
    if (top_level_done_) misuse("a second top-level value");
    return;
  }
  if (nesting_.in_object()) {
    if (!key_written_) misuse("a value where a key is due");
    return;
  }
  if (needs_comma_) out_ += ',';
}

void writer::after_value() noexcept {
  key_written_ = false;
  if (nesting_.depth() == 0) {
    top_level_done_ = true;
  } else {
    needs_comma_ = true;
  }
}

void writer::open(bool object, char bracket) {
  if (nesting_.depth() == max_nesting) misuse("nesting deeper than lambda::json::max_nesting");
  before_value();
  nesting_.open(object);
  out_ += bracket;
  needs_comma_ = false;
  key_written_ = false;
}

void writer::close(bool object, char bracket) {
  if (nesting_.depth() == 0) misuse("an end_object() or end_array() with nothing open");
  if (nesting_.in_object() != object) {
    misuse(object ? "end_object() closes an array" : "end_array() closes an object");
  }
  if (key_written_) misuse("end_object() right after a key: the key has no value");
  nesting_.close();
  out_ += bracket;
  after_value();
}

writer& writer::begin_object() {
  open(true, '{');
  return *this;
}

writer& writer::end_object() {
  close(true, '}');
  return *this;
}

writer& writer::begin_array() {
  open(false, '[');
  return *this;
}

writer& writer::end_array() {
  close(false, ']');
  return *this;
}

writer& writer::key(std::string_view k) {
  if (nesting_.depth() == 0 || !nesting_.in_object()) misuse("a key outside an object");
  if (key_written_) misuse("a key where a value is due");
  if (needs_comma_) out_ += ',';
  append_quoted(out_, k);
  out_ += ':';
  key_written_ = true;
  return *this;
}

writer& writer::value(std::string_view s) {
  before_value();
  append_quoted(out_, s);
  after_value();
  return *this;
}

writer& writer::value(const char* s) {
  if (s == nullptr) misuse("value(const char*) given a null pointer; write null() instead");
  return value(std::string_view(s));
}

writer& writer::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  after_value();
  return *this;
}

void writer::append_number(const char* first, const char* last) {
  before_value();
  out_.append(first, last);
  after_value();
}

writer& writer::value(long long i) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, i);
  append_number(digits, end);
  return *this;
}

writer& writer::value(unsigned long long u) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, u);
  append_number(digits, end);
  return *this;
}

writer& writer::null() {
  before_value();
  out_ += "null";
  after_value();
  return *this;
}

writer& writer::raw(std::string_view already_encoded_json) {
  before_value();
  out_ += already_encoded_json;
  after_value();
  return *this;
}


writer& writer::value(double d) {
  if (!std::isfinite(d)) {
    throw std::logic_error("lambda::json::writer: NaN and infinities have no JSON form");
  }
  // Shortest round-trip form needs at most 24 characters ("-2.2250738585072014e-308").
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, d);
  append_number(text, end);
  return *this;
}

}  // namespace lambda::json

#include "log/message.hpp"

#include <lambda/json.hpp>

#include <charconv>
#include <cmath>

namespace lambda::log::detail {
namespace {

template <class Integer>
void append_integer(std::string& out, Integer value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

}  // namespace

void argument_access::append_text(std::string& out, const argument& a) {
  switch (a.kind_) {
    case argument::kind::text: out.append(a.text_.data, a.text_.size); return;
    case argument::kind::character: out += a.character_; return;
    case argument::kind::boolean: out += a.boolean_ ? "true" : "false"; return;
    case argument::kind::signed_integer: append_integer(out, a.signed_); return;
    case argument::kind::unsigned_integer: append_integer(out, a.unsigned_); return;
    case argument::kind::floating: a.floating_.append(out, a.floating_.value); return;
  }
}

void argument_access::append_json(std::string& out, const argument& a) {
  switch (a.kind_) {
    case argument::kind::text:
      json::append_quoted(out, std::string_view(a.text_.data, a.text_.size));
      return;
    case argument::kind::character:
      json::append_quoted(out, std::string_view(&a.character_, 1));
      return;
    case argument::kind::floating:
      if (!std::isfinite(a.floating_.value)) {
        out += '"';
        a.floating_.append(out, a.floating_.value);
        out += '"';
        return;
      }
      break;
    default: break;
  }
  append_text(out, a);
}

void append_message(std::string& out, std::string_view format, std::initializer_list<argument> args) {
  const argument* next = args.begin();
  while (next != args.end()) {
    const auto placeholder = format.find("{}");
    if (placeholder == std::string_view::npos) break;
    out.append(format.data(), placeholder);
    argument_access::append_text(out, *next++);
    format.remove_prefix(placeholder + 2);
  }
  out.append(format.data(), format.size());
  for (; next != args.end(); ++next) {
    out += ' ';
    argument_access::append_text(out, *next);
  }
}

}  // namespace lambda::log::detail

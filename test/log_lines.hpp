// Helpers for the logger's tests: capture what the logger writes, and read a JSON record back
// with the project's tokenizer.
#pragma once

#include <lambda/json.hpp>
#include <lambda/log.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/guarded_bytes.hpp"

namespace lambda::test {

// Points the logger at an in-memory file for the test's duration, then back at stdout.
class captured_log {
 public:
  captured_log(log::level threshold, log::format style) : fd_(::memfd_create("log", MFD_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    log::configure({threshold, style, fd_});
  }
  ~captured_log() {
    log::configure(log::settings{});
    ::close(fd_);
  }
  captured_log(const captured_log&) = delete;
  captured_log& operator=(const captured_log&) = delete;

  std::string text() const {
    std::string all;
    char chunk[65536];
    off_t offset = 0;
    for (ssize_t n; (n = ::pread(fd_, chunk, sizeof chunk, offset)) > 0; offset += n) {
      all.append(chunk, static_cast<std::size_t>(n));
    }
    return all;
  }

  // Every line, without its '\n'; a final line without one is returned too.
  std::vector<std::string> lines() const {
    std::vector<std::string> result;
    const std::string all = text();
    std::size_t start = 0;
    while (start < all.size()) {
      std::size_t end = all.find('\n', start);
      if (end == std::string::npos) end = all.size();
      result.push_back(all.substr(start, end - start));
      start = end + 1;
    }
    return result;
  }

 private:
  int fd_;
};

// A flat JSON object, as the logger writes: members in order, strings unescaped, other
// values as their JSON text.
struct json_record {
  struct member {
    std::string key;
    std::string value;
    json::token_kind kind;
  };
  std::vector<member> members;
  std::string error;  // empty when the line is one valid flat JSON object

  bool valid() const { return error.empty(); }
  const member* find(std::string_view key) const {
    for (const member& m : members) {
      if (m.key == key) return &m;
    }
    return nullptr;
  }
  std::string operator[](std::string_view key) const {
    const member* m = find(key);
    return m ? m->value : std::string("<missing>");
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> result;
    for (const member& m : members) result.push_back(m.key);
    return result;
  }
};

// Whether `s` reads like 2025-11-30T08:15:42.137Z: RFC 3339, UTC, milliseconds.
inline bool looks_like_timestamp(std::string_view s) {
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const bool digit = s[i] >= '0' && s[i] <= '9';
    if (shape[i] == 'd' ? !digit : s[i] != shape[i]) return false;
  }
  return true;
}

inline std::string text_of(const json::token& t) {
  if (t.kind != json::token_kind::key && t.kind != json::token_kind::string) return std::string(t.text);
  std::string unescaped;
  json::append_unescaped(unescaped, t.text);
  return unescaped;
}

// Reads `line` (without its '\n') with the tokenizer, from bytes that end at a guard page.
inline json_record parse_record(std::string_view line) {
  guarded_bytes bytes(line);
  json::tokenizer tokens(bytes.view());
  json_record record;
  if (tokens.next().kind != json::token_kind::object_begin) {
    record.error = "not an object";
    return record;
  }
  for (;;) {
    const json::token key = tokens.next();
    if (key.kind == json::token_kind::object_end) break;
    const json::token value = tokens.next();
    if (key.kind != json::token_kind::key || value.kind == json::token_kind::error ||
        value.kind == json::token_kind::object_begin || value.kind == json::token_kind::array_begin) {
      record.error = std::string("not a flat object: ") + tokens.error().reason();
      return record;
    }
    record.members.push_back({text_of(key), text_of(value), value.kind});
  }
  if (tokens.next().kind != json::token_kind::end) record.error = std::string("not one value: ") + tokens.error().reason();
  return record;
}

}  // namespace lambda::test

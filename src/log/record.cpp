// One record from start to end: the buffer it is built in, the invocation tags it carries,
// the cap on its size, and the write(2) that puts it on its descriptor.
#include <lambda/json.hpp>
#include <lambda/log.hpp>

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>

#include "log/format.hpp"
#include "log/settings.hpp"
#include "log/tags.hpp"

namespace lambda::log {
namespace detail {

// Where a record is built. Each thread reuses one, so records need no allocation.
struct record_buffer {
  std::string line;
  std::string message;  // JSON only: the message, before it is escaped into the line
  format style = format::text;
  int fd = 1;
  unsigned fields = 0;
  std::size_t message_begin = 0;  // the message's place in the line; in JSON, its quotes included
  std::size_t message_end = 0;    // where the fields begin
  std::size_t dropped = 0;        // bytes of fields left out to keep the record under the cap
  bool in_use = false;
  bool owned_by_record = false;  // made for this record alone; freed with it
};

namespace {

// Records up to this many bytes reuse the thread's buffer without allocating.
constexpr std::size_t reserved_bytes = 4096;
// A buffer that one huge record grew past this is given back, not kept for the thread's life.
constexpr std::size_t kept_bytes = 64 * 1024;
// The fields of one record take at most this much; a field that would go past it is dropped.
constexpr std::size_t field_budget = max_record_bytes / 2;
// Each tag (request, tenant and trace id) is written up to this many bytes.
constexpr std::size_t tag_limit = 1024;
// Room for the truncation mark: "…[truncated " + 20 digits + " bytes]" takes 41 bytes.
constexpr std::size_t mark_room = 48;

// Trivially destructible, so it stays usable in every destructor that runs while the thread or
// the process ends. The thread's buffer is freed by a pthread key destructor, which glibc runs
// after the thread's thread_local destructors; a record logged after that gets a buffer of its
// own. The main thread's buffer is never freed: exit() runs no key destructors, so global
// destructors and atexit handlers still find it.
struct thread_state {
  record_buffer* buffer = nullptr;
  bool buffer_freed = false;
  const invocation_tags* tags = nullptr;
};

constinit thread_local thread_state state;

void free_thread_buffer(void* buffer) noexcept {
  delete static_cast<record_buffer*>(buffer);
  state.buffer = nullptr;
  state.buffer_freed = true;
}

// The key whose destructor frees each thread's buffer as the thread ends; null when the
// process has no key left to give.
const pthread_key_t* buffer_key() noexcept {
  static pthread_key_t key;
  static const bool made = ::pthread_key_create(&key, free_thread_buffer) == 0;
  return made ? &key : nullptr;
}

// The calling thread's buffer, made on its first record; null once the thread is ending.
record_buffer* thread_buffer() {
  if (state.buffer || state.buffer_freed) return state.buffer;
  const pthread_key_t* key = buffer_key();
  if (!key) return nullptr;
  auto* b = new record_buffer;
  if (::pthread_setspecific(*key, b) != 0) {
    delete b;
    return nullptr;
  }
  state.buffer = b;
  return b;
}

record_buffer* claim_buffer() {
  record_buffer* b = thread_buffer();
  if (!b || b->in_use) {
    b = new record_buffer;
    b->owned_by_record = true;
  }
  b->line.reserve(reserved_bytes);
  b->in_use = true;
  b->fields = 0;
  b->dropped = 0;
  return b;
}

void empty_for_reuse(std::string& s) noexcept {
  if (s.capacity() > kept_bytes) std::string().swap(s);
  s.clear();
}

void release(record_buffer* b) noexcept {
  if (b->owned_by_record) {
    delete b;
    return;
  }
  empty_for_reuse(b->line);
  empty_for_reuse(b->message);
  b->in_use = false;
}

std::string_view bounded(std::string_view tag) noexcept { return tag.substr(0, tag_limit); }

void begin_json(record_buffer& b, level l, std::string_view format, std::initializer_list<argument> args) {
  std::string& line = b.line;
  line += "{\"timestamp\":\"";
  append_timestamp(line, std::chrono::system_clock::now());
  line += "\",\"level\":\"";
  line += level_name(l);
  line += '"';
  if (const invocation_tags* ctx = current_tags()) {
    line += ",\"requestId\":";
    json::append_quoted(line, bounded(ctx->request_id));
    if (!ctx->tenant_id.empty()) {
      line += ",\"tenantId\":";
      json::append_quoted(line, bounded(ctx->tenant_id));
    }
    if (!ctx->trace_id.empty()) {
      line += ",\"traceId\":";
      json::append_quoted(line, bounded(ctx->trace_id));
    }
    line += ",\"ric\":";
    argument_access::append_text(line, ctx->ric);
  }
  b.message.reserve(reserved_bytes);
  append_message(b.message, format, args);
  line += ",\"message\":";
  b.message_begin = line.size();
  json::append_quoted(line, b.message);
  b.message_end = line.size();
}

void begin_text(record_buffer& b, level l, std::string_view format, std::initializer_list<argument> args) {
  std::string& line = b.line;
  append_timestamp(line, std::chrono::system_clock::now());
  line += '\t';
  // Outside an invocation the column stays, empty, so that tools can split lines on tabs.
  if (const invocation_tags* ctx = current_tags()) line += bounded(ctx->request_id);
  line += '\t';
  line += level_name(l);
  line += '\t';
  b.message_begin = line.size();
  append_message(line, format, args);
  b.message_end = line.size();
  // Lambda ends a record at '\n'; '\r' keeps a multi-line message in one, as AWS's Node runtime does.
  std::replace(line.begin() + static_cast<std::ptrdiff_t>(b.message_begin), line.end(), '\n', '\r');
}

void add_field(record_buffer& b, std::string_view key, const argument& value) {
  const std::size_t before = b.line.size();
  if (b.style == format::json) {
    b.line += ',';
  } else {
    b.line += b.fields == 0 ? "\t{" : ",";
  }
  json::append_quoted(b.line, key);
  b.line += ':';
  argument_access::append_json(b.line, value);
  if (b.line.size() - b.message_end > field_budget) {
    b.dropped += b.line.size() - before;
    b.line.resize(before);
    return;
  }
  ++b.fields;
}

// The largest cut of `text` at or below `n` that does not split a UTF-8 character.
std::size_t character_boundary(std::string_view text, std::size_t n) noexcept {
  for (int back = 0; back < 3 && n > 0 && n < text.size(); ++back) {
    if ((static_cast<unsigned char>(text[n]) & 0xC0) != 0x80) break;
    --n;
  }
  return n;
}

void append_mark(std::string& out, std::size_t left_out) {
  out += "\xe2\x80\xa6[truncated ";
  argument_access::append_text(out, left_out);
  out += " bytes]";
}

// Text: the message is raw in the line, so it is cut in place.
void cut_text_message(record_buffer& b, std::size_t budget) {
  const std::size_t length = b.message_end - b.message_begin;
  const std::string_view message = std::string_view(b.line).substr(b.message_begin, length);
  const std::size_t kept = length > budget ? character_boundary(message, budget) : length;
  std::string mark;
  append_mark(mark, b.dropped + length - kept);
  b.line.replace(b.message_begin + kept, length - kept, mark);
}

// JSON: the message is escaped again from its raw text, a piece at a time, each piece cut on
// a character, halving the piece whenever the next one would not fit; so no escape is split.
void cut_json_message(record_buffer& b, std::size_t budget) {
  const std::size_t length = b.message_end - b.message_begin - 2;  // without its quotes
  std::string cut;
  std::size_t kept = 0;
  if (length <= budget) {
    cut.assign(b.line, b.message_begin, length + 1);
    kept = length;
  } else {
    cut = '"';
    std::string piece;
    const std::string_view message = b.message;
    for (std::size_t raw = 0, step = 4096; raw < message.size() && step > 0;) {
      const std::size_t end = character_boundary(message, std::min(message.size(), raw + step));
      if (end > raw) {
        piece.clear();
        json::append_quoted(piece, message.substr(raw, end - raw));
        const std::size_t escaped = piece.size() - 2;
        if (kept + escaped <= budget) {
          cut.append(piece, 1, escaped);
          kept += escaped;
          raw = end;
          continue;
        }
      }
      step /= 2;
    }
  }
  append_mark(cut, b.dropped + length - kept);
  cut += '"';
  b.line.replace(b.message_begin, b.message_end - b.message_begin, cut);
}

// Cuts the message so that the record, with its mark and its `ending`, fits max_record_bytes.
// Only the message is cut: the tags and the fields are bounded on their own.
void cut_to_fit(record_buffer& b, std::size_t ending) {
  const std::size_t message_and_quotes = b.message_end - b.message_begin;
  const std::size_t around = b.line.size() - message_and_quotes + ending + mark_room;
  const std::size_t budget = around < max_record_bytes ? max_record_bytes - around : 0;
  if (b.style == format::json) {
    cut_json_message(b, budget);
  } else {
    cut_text_message(b, budget);
  }
}

void finish(record_buffer& b) {
  const bool closes = b.style == format::json || b.fields > 0;
  const std::size_t ending = closes ? 2 : 1;
  if (b.line.size() + ending > max_record_bytes || b.dropped > 0) cut_to_fit(b, ending);
  if (closes) b.line += '}';
  b.line += '\n';
}

// Writes all of `line` with one write(2), and more only when the kernel takes part of it:
// lines up to PIPE_BUF (4096) bytes go into a pipe whole and never interleave with other
// writers' lines. Retries after EINTR; on any other failure the rest is dropped, as there is
// nowhere left to report it.
void write_line(int fd, std::string_view line) noexcept {
  while (!line.empty()) {
    const ssize_t written = ::write(fd, line.data(), line.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return;
    }
    line.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

const invocation_tags* current_tags() noexcept { return state.tags; }

tag_scope::tag_scope(const invocation_tags& tags) noexcept : previous_(state.tags) { state.tags = &tags; }

tag_scope::~tag_scope() { state.tags = previous_; }

}  // namespace detail

record::record(level l, std::string_view format, std::initializer_list<argument> args) noexcept {
  if (!enabled(l)) return;
  const settings s = current_settings();
  detail::record_buffer* b = nullptr;
  try {
    b = detail::claim_buffer();
    b->style = s.format;
    b->fd = s.fd;
    if (s.format == log::format::json) {  // log::, as the parameter is named format too
      detail::begin_json(*b, l, format, args);
    } else {
      detail::begin_text(*b, l, format, args);
    }
    buffer_ = b;
  } catch (const std::bad_alloc&) {
    // Out of memory: the record is dropped rather than thrown at the code that logs.
    if (b) detail::release(b);
  }
}

record& record::field(std::string_view key, const argument& value) noexcept {
  if (!buffer_) return *this;
  try {
    detail::add_field(*buffer_, key, value);
  } catch (const std::bad_alloc&) {
    detail::release(buffer_);
    buffer_ = nullptr;
  }
  return *this;
}

record::~record() {
  if (!buffer_) return;
  try {
    detail::finish(*buffer_);
    detail::write_line(buffer_->fd, buffer_->line);
  } catch (const std::bad_alloc&) {
    // Nothing to do: the record is lost, as in the constructor.
  }
  detail::release(buffer_);
}

}  // namespace lambda::log

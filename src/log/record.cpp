// One record from start to end: the buffer it is built in, the invocation tags it carries,
// and the write(2) that puts it on its descriptor.
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
  bool in_use = false;
  bool owned_by_record = false;  // made for this record alone; freed with it
};

namespace {

// Records up to this many bytes reuse the thread's buffer without allocating.
constexpr std::size_t reserved_bytes = 4096;
// A buffer that one huge record grew past this is given back, not kept for the thread's life.
constexpr std::size_t kept_bytes = 64 * 1024;

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

// The key whose destructor frees each thread's buffer as the thread ends.
pthread_key_t buffer_key() noexcept {
  static const pthread_key_t key = [] {
    pthread_key_t k{};
    ::pthread_key_create(&k, free_thread_buffer);
    return k;
  }();
  return key;
}

// The calling thread's buffer, made on its first record; null once the thread is ending.
record_buffer* thread_buffer() {
  if (state.buffer || state.buffer_freed) return state.buffer;
  auto* b = new record_buffer;
  if (::pthread_setspecific(buffer_key(), b) != 0) {
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

void begin_json(record_buffer& b, level l, std::string_view format, std::initializer_list<argument> args) {
  std::string& line = b.line;
  line += "{\"timestamp\":\"";
  append_timestamp(line, std::chrono::system_clock::now());
  line += "\",\"level\":\"";
  line += level_name(l);
  line += '"';
  if (const invocation_tags* ctx = current_tags()) {
    line += ",\"requestId\":";
    json::append_quoted(line, ctx->request_id);
    if (!ctx->tenant_id.empty()) {
      line += ",\"tenantId\":";
      json::append_quoted(line, ctx->tenant_id);
    }
    if (!ctx->trace_id.empty()) {
      line += ",\"traceId\":";
      json::append_quoted(line, ctx->trace_id);
    }
    line += ",\"ric\":";
    argument_access::append_text(line, ctx->ric);
  }
  b.message.reserve(reserved_bytes);
  append_message(b.message, format, args);
  line += ",\"message\":";
  json::append_quoted(line, b.message);
}

void begin_text(record_buffer& b, level l, std::string_view format, std::initializer_list<argument> args) {
  std::string& line = b.line;
  append_timestamp(line, std::chrono::system_clock::now());
  line += '\t';
  // Outside an invocation the column stays, empty, so that tools can split lines on tabs.
  if (const invocation_tags* ctx = current_tags()) line += ctx->request_id;
  line += '\t';
  line += level_name(l);
  line += '\t';
  const std::size_t message_start = line.size();
  append_message(line, format, args);
  // Lambda ends a record at '\n'; '\r' keeps a multi-line message in one, as AWS's Node runtime does.
  std::replace(line.begin() + static_cast<std::ptrdiff_t>(message_start), line.end(), '\n', '\r');
}

void add_field(record_buffer& b, std::string_view key, const argument& value) {
  if (b.style == format::json) {
    b.line += ',';
  } else {
    b.line += b.fields == 0 ? "\t{" : ",";
  }
  json::append_quoted(b.line, key);
  b.line += ':';
  argument_access::append_json(b.line, value);
  ++b.fields;
}

void finish(record_buffer& b) {
  if (b.style == format::json || b.fields > 0) b.line += '}';
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
    b->fields = 0;
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

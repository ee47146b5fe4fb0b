// Fuzz target: a log record (include/lambda/log.hpp), written in JSON or Text format to an
// in-memory file as log::configure() allows, with fields and, sometimes, invocation tags.
//
// Input: bytes read as the record's format, level, message format, up to three arguments
// (strings or integers), a repeat count that can push the message past max_record_bytes, fields
// and tags. Tags hold only header field bytes: the runtime takes them from Runtime API headers,
// which cannot carry control bytes.
//
// Oracles: each record is exactly one line, '\n'-terminated, at most max_record_bytes long; in
// JSON format it is a valid JSON object with timestamp, level, message, and requestId exactly
// inside an invocation; when it was not cut, its message is the format with "{}" replaced by the
// arguments (a reference written here), invalid UTF-8 shown as U+FFFD; and a Text record that
// was not cut, and whose parts hold no control byte, holds that message as it is.
//
//   make fuzz FUZZ_TARGETS=log_record FUZZ_SECONDS=60
#include <lambda/json.hpp>
#include <lambda/log.hpp>

#include <fuzzer/FuzzedDataProvider.h>
#include <sys/mman.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "log/tags.hpp"

namespace {

using namespace lambda;

int log_fd() {
  static const int fd = ::memfd_create("log", MFD_CLOEXEC);
  if (fd < 0) fuzz::fail("memfd_create failed");
  return fd;
}

std::string take_output() {
  const int fd = log_fd();
  std::string all;
  char chunk[65536];
  for (ssize_t n; (n = ::pread(fd, chunk, sizeof chunk, static_cast<off_t>(all.size()))) > 0;) {
    all.append(chunk, static_cast<std::size_t>(n));
  }
  if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) fuzz::fail("cannot reset the log file");
  return all;
}

std::string reference_message(std::string_view format, const std::vector<std::string>& args) {
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < format.size();) {
    if (format.substr(i, 2) == "{}" && next < args.size()) {
      out += args[next++];
      i += 2;
    } else {
      out += format[i++];
    }
  }
  for (; next < args.size(); ++next) out += " " + args[next];
  return out;
}

std::string field_bytes(std::string text) {
  std::erase_if(text, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  return text;
}

bool has_control(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool json_format = in.ConsumeBool();
  log::configure({log::level::trace, json_format ? log::format::json : log::format::text, log_fd()});
  const auto lvl = static_cast<log::level>(in.ConsumeIntegralInRange(0, 5));
  std::string format = in.ConsumeRandomLengthString(256);
  const std::size_t repeat = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::size_t>(1, 70 * 1024) : 1;
  std::string repeated;
  for (std::size_t i = 0; i < repeat && !format.empty() && repeated.size() < 70 * 1024; ++i) repeated += format;
  if (repeat > 1) format = repeated;

  struct given {
    bool is_text;
    std::string text;  // as the message shows it
    long long number;
  };
  std::vector<given> given_args;
  const int count = in.ConsumeIntegralInRange(0, 3);
  for (int i = 0; i < count; ++i) {
    if (in.ConsumeBool()) {
      given_args.push_back({true, in.ConsumeRandomLengthString(64), 0});
    } else {
      const auto number = in.ConsumeIntegral<long long>();
      given_args.push_back({false, std::to_string(number), number});
    }
  }
  std::vector<log::argument> args;
  std::vector<std::string> shown;
  for (const given& g : given_args) {
    args.push_back(g.is_text ? log::argument(std::string_view(g.text)) : log::argument(g.number));
    shown.push_back(g.text);
  }

  const bool in_invocation = in.ConsumeBool();
  log::detail::invocation_tags tags;
  const std::string request_id = field_bytes(in.ConsumeRandomLengthString(48));
  const std::string tenant_id = field_bytes(in.ConsumeRandomLengthString(48));
  const std::string trace_id = field_bytes(in.ConsumeRandomLengthString(48));
  tags.request_id = request_id;
  tags.tenant_id = tenant_id;
  tags.trace_id = trace_id;
  tags.ric = in.ConsumeIntegral<unsigned>();

  std::vector<std::pair<std::string, std::string>> fields;
  while (in.remaining_bytes() > 0 && fields.size() < 8) {
    std::string key = in.ConsumeRandomLengthString(32);
    fields.emplace_back(std::move(key), in.ConsumeRandomLengthString(64));
  }

  {
    std::optional<log::detail::tag_scope> scope;
    if (in_invocation) scope.emplace(tags);
    log::record r = [&] {
      switch (args.size()) {
        case 0: return log::record(lvl, format, {});
        case 1: return log::record(lvl, format, {args[0]});
        case 2: return log::record(lvl, format, {args[0], args[1]});
        default: return log::record(lvl, format, {args[0], args[1], args[2]});
      }
    }();
    for (const auto& [key, value] : fields) r.field(key, value);
  }

  const std::string out = take_output();
  fuzz::check(!out.empty() && out.back() == '\n' && out.find('\n') == out.size() - 1,
              "a record is not exactly one line");
  fuzz::check(out.size() <= log::max_record_bytes, "a record is longer than max_record_bytes");
  const std::string_view line(out.data(), out.size() - 1);
  const std::string want = reference_message(format, shown);
  const bool cut = line.find("\xe2\x80\xa6[truncated ") != std::string_view::npos;
  if (!json_format) {
    bool plain = !has_control(want);
    for (const auto& [key, value] : fields) plain = plain && !has_control(key) && !has_control(value);
    if (!cut && plain) fuzz::check(line.find(want) != std::string_view::npos, "a Text record does not hold its message");
    return 0;
  }
  const json::document doc(line);
  fuzz::check(bool(doc) && doc.root().kind() == json::value_kind::object, "a JSON record is not a JSON object");
  fuzz::check(bool(doc["timestamp"]) && bool(doc["level"]) && bool(doc["message"]), "a JSON record lacks a key");
  fuzz::check(bool(doc["requestId"]) == in_invocation, "requestId is there outside an invocation, or missing inside");
  if (!cut) {
    fuzz::check(doc["message"].get_string().value == fuzz::replace_invalid_utf8(want),
                "a JSON record's message differs from its format and arguments");
  }
  return 0;
}

#include "command_line.hpp"

#include <lambda/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <stdexcept>
#include <string_view>

namespace lambda::emulator {
namespace {

int parse_count(std::string_view option, std::string_view text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    throw std::invalid_argument(std::string(option) + " wants a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max) + ", not '" +
                                std::string(text) + "'");
  }
  return value;
}

std::chrono::milliseconds parse_seconds(std::string_view option, std::string_view text) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !(seconds > 0) || seconds > 86400) {
    throw std::invalid_argument(std::string(option) + " wants seconds, e.g. 3 or 0.5, not '" +
                                std::string(text) + "'");
  }
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
}

// "NAME=value" for the bootstrap's environment. The Runtime API's address is the emulator's own,
// and the concurrency must match the one the emulator runs at.
std::string parse_env(std::string_view text) {
  auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    throw std::invalid_argument("--env wants NAME=value, not '" + std::string(text) + "'");
  }
  std::string_view name = text.substr(0, equals);
  if (name == "AWS_LAMBDA_RUNTIME_API") {
    throw std::invalid_argument("--env cannot set AWS_LAMBDA_RUNTIME_API: it is the emulator's own address");
  }
  if (name == "AWS_LAMBDA_MAX_CONCURRENCY") {
    throw std::invalid_argument("--env cannot set AWS_LAMBDA_MAX_CONCURRENCY: use --concurrency");
  }
  return std::string(text);
}

// "FILE:LINE:COLUMN: not a JSON document (reason)", LINE and COLUMN (in bytes) from 1.
std::string where_malformed(std::string_view name, std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  auto before = text.substr(0, offset);
  std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  auto line_start = before.rfind('\n');
  std::size_t column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return std::string(name) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// A bare port is one on 127.0.0.1; serve mode's listener checks any other address is loopback.
std::string http_address(std::string_view text) {
  bool port_only = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  return port_only ? "127.0.0.1:" + std::string(text) : std::string(text);
}

}  // namespace

const char* const usage_text =
    "usage: lambda-emulator [options] -- BOOTSTRAP [ARGS...]\n"
    "\n"
    "Runs BOOTSTRAP as a Lambda function against a local Runtime API on 127.0.0.1.\n"
    "\n"
    "Batch mode (default): invokes it once per line of --events, prints each answer as one\n"
    "JSON line in input order, then stops it as Lambda does (SIGTERM when an extension\n"
    "registered, else SIGKILL) and prints a summary to stderr.\n"
    "  --events FILE         one JSON event per line; - reads stdin\n"
    "  --event FILE          one JSON event, pretty-printed or not; - reads stdin\n"
    "  --repeat K            send the events K times (default 1)\n"
    "\n"
    "Serve mode: exposes POST /2015-03-31/functions/function/invocations, like AWS's emulator.\n"
    "A bootstrap that exits or crashes is reported and started again.\n"
    "  --serve ADDRESS       a loopback address, e.g. 127.0.0.1:9000\n"
    "  --http ADDRESS        serve API Gateway HTTP API instead: each HTTP request becomes a\n"
    "                        payload format 2.0 event, the answer an HTTP response; ADDRESS is\n"
    "                        a loopback one or a port on 127.0.0.1, e.g. 9000\n"
    "\n"
    "Both modes:\n"
    "  --concurrency N       Lambda Managed Instances: AWS_LAMBDA_MAX_CONCURRENCY=N, up to N\n"
    "                        invocations at once (default: classic Lambda, one at a time)\n"
    "  --timeout SECONDS     invocation timeout (default 3)\n"
    "  --function-name NAME  (default local-function)\n"
    "  --memory MB           AWS_LAMBDA_FUNCTION_MEMORY_SIZE (default 128)\n"
    "  --log-format FORMAT   AWS_LAMBDA_LOG_FORMAT: Text or JSON (Managed Instances: JSON)\n"
    "  --log-level LEVEL     AWS_LAMBDA_LOG_LEVEL: TRACE, DEBUG, INFO, WARN, ERROR or FATAL\n"
    "  --handler NAME        _HANDLER (default: the function name)\n"
    "  --env NAME=VALUE      an environment variable for the bootstrap; repeatable; wins over\n"
    "                        the emulator's and yours, except AWS_LAMBDA_RUNTIME_API\n"
    "  --help\n"
    "\n"
    "Exit status: 0 when every invocation succeeded, 1 when one failed or the bootstrap died,\n"
    "2 for bad usage or input.\n";


cli_options parse_cli(int argc, const char* const* argv) {
  cli_options options;
  int i = 1;
  auto value_of = [&](std::string_view option) -> std::string_view {
    if (i + 1 >= argc) throw std::invalid_argument(std::string(option) + " needs a value");
    return argv[++i];
  };
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      options.bootstrap.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg == "--help" || arg == "-h") options.help = true;
    else if (arg == "--events") options.events = value_of(arg);
    else if (arg == "--event") options.event = value_of(arg);
    else if (arg == "--repeat") options.repeat = parse_count(arg, value_of(arg), 1, 1000000);
    else if (arg == "--concurrency") options.concurrency = parse_count(arg, value_of(arg), 1, 1600);
    else if (arg == "--timeout") options.timeout = parse_seconds(arg, value_of(arg));
    else if (arg == "--serve") options.serve = value_of(arg);
    else if (arg == "--http") {
      options.serve = http_address(value_of(arg));
      options.http_api = true;
    }
    else if (arg == "--function-name") options.function_name = value_of(arg);
    else if (arg == "--memory") options.memory_mb = parse_count(arg, value_of(arg), 128, 32768);
    else if (arg == "--log-format") options.log_format = value_of(arg);
    else if (arg == "--log-level") options.log_level = value_of(arg);
    else if (arg == "--handler") options.handler = value_of(arg);
    else if (arg == "--env") options.env.push_back(parse_env(value_of(arg)));
    else throw std::invalid_argument("unknown option '" + std::string(arg) + "'");
  }
  if (options.help) return options;
  if (options.bootstrap.empty()) {
    throw std::invalid_argument("name the bootstrap to run after '--', e.g. -- ./bootstrap");
  }
  if (!options.serve.empty() && (!options.events.empty() || !options.event.empty())) {
    throw std::invalid_argument("--events and --event are for batch mode; --serve and --http take invocations over HTTP");
  }
  if (!options.events.empty() && !options.event.empty()) {
    throw std::invalid_argument("--events (JSON lines) or --event (one document): not both");
  }
  return options;
}

event_lines read_event_document(std::istream& in, std::string_view name) {
  std::string text(std::istreambuf_iterator<char>(in), {});
  event_lines out;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    out.errors.push_back(std::string(name) + ": no JSON document in it");
    return out;
  }
  auto whole = lambda::json::find(text, "");
  if (!whole) {
    out.errors.push_back(where_malformed(name, text, whole.error.offset) + ": not a JSON document (" +
                         whole.error.reason() + ")");
    return out;
  }
  out.events.push_back({1, std::string(*whole)});
  return out;
}

event_lines read_event_lines(std::istream& in, std::string_view name) {
  event_lines out;
  std::string text;
  for (std::size_t line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    auto whole = lambda::json::find(text, "");
    if (whole) {
      out.events.push_back({line, std::move(text)});
      continue;
    }
    out.errors.push_back(std::string(name) + ":" + std::to_string(line) + ": not a JSON document (" +
                         whole.error.reason() + " at column " + std::to_string(whole.error.offset + 1) +
                         ")");
  }
  return out;
}

}  // namespace lambda::emulator

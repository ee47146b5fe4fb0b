#include "event_lines.hpp"

#include <lambda/json.hpp>

namespace lambda::emulator {

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

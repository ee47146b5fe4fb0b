#include "runtime/error_report.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include <lambda/json.hpp>

namespace lambda::detail {
namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_letter(char c) { return is_upper(c) || is_lower(c); }
char to_upper(char c) { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

bool is_platform_error_type(std::string_view type) {
  std::string_view name;
  if (type.starts_with("Function.")) name = type.substr(9);
  else if (type.starts_with("Runtime.")) name = type.substr(8);
  else return false;
  if (name.empty() || !is_upper(name[0])) return false;
  for (char c : name) if (!is_letter(c)) return false;
  return true;
}

// The last component of a qualified name without template arguments: "ns::bad_thing<int>" → "bad_thing".
std::string_view unqualified(std::string_view type) {
  if (auto angle = type.find('<'); angle != std::string_view::npos) type = type.substr(0, angle);
  if (auto colon = type.rfind(':'); colon != std::string_view::npos) type = type.substr(colon + 1);
  return type;
}

}  // namespace

std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> readable(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && readable ? std::string(readable.get()) : std::string(type.name());
}

error_description describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return {type_name(typeid(e)), e.what()};
  } catch (...) {
    const std::type_info* thrown = abi::__cxa_current_exception_type();
    std::string type = thrown ? type_name(*thrown) : std::string("unknown");
    return {type, "a value of type " + type + " was thrown"};
  }
}

void append_error_type_header(std::string& out, std::string_view error_type) {
  if (is_platform_error_type(error_type)) {
    out.append(error_type);
    return;
  }
  out.append("Function.");
  const auto start = out.size();
  bool word_start = true;
  for (char c : unqualified(error_type)) {
    if (!is_letter(c)) {
      word_start = true;
      continue;
    }
    out.push_back(word_start ? to_upper(c) : c);
    word_start = false;
  }
  if (out.size() == start) out.append("Unknown");
}

void append_error_body(std::string& out, std::string_view error_type, std::string_view message) {
  json::writer w(out);
  w.begin_object();
  w.key("errorMessage").value(message);
  w.key("errorType").value(error_type);
  w.key("stackTrace").begin_array().end_array();
  w.end_object();
}

}  // namespace lambda::detail

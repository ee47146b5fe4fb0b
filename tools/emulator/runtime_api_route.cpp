#include "runtime_api_route.hpp"

namespace lambda::emulator {
namespace {

constexpr std::string_view base = "/2018-06-01/runtime/";
constexpr std::string_view invocation = "invocation/";

bool consume_prefix(std::string_view& text, std::string_view prefix) noexcept {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

route route_post(std::string_view path) noexcept {
  if (path == "init/error") return {runtime_call::init_error, {}};
  if (!consume_prefix(path, invocation)) return {};
  auto slash = path.find('/');
  if (slash == 0 || slash == std::string_view::npos) return {};
  std::string_view id = path.substr(0, slash);
  std::string_view action = path.substr(slash + 1);
  if (action == "response") return {runtime_call::response, id};
  if (action == "error") return {runtime_call::error, id};
  return {};
}

}  // namespace

route route_request(std::string_view method, std::string_view target) noexcept {
  std::string_view path = target;
  if (!consume_prefix(path, base)) return {};
  if (method == "GET") return path == "invocation/next" ? route{runtime_call::next, {}} : route{};
  if (method == "POST") return route_post(path);
  return {};
}

}  // namespace lambda::emulator

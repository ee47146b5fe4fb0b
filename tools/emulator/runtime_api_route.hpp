// Which Runtime API call a request line names.
#pragma once

#include <string_view>

namespace lambda::emulator {

enum class runtime_call { next, response, error, init_error, unknown };

struct route {
  runtime_call call = runtime_call::unknown;
  std::string_view request_id;  // response and error: a view into the target
};

route route_request(std::string_view method, std::string_view target) noexcept;

}  // namespace lambda::emulator

#include "runtime/trace_id_variable.hpp"

#include <cstdlib>

namespace lambda::detail {
namespace {
constexpr char name[] = "_X_AMZN_TRACE_ID";
}

trace_id_variable::~trace_id_variable() {
  if (!live_.empty()) unsetenv(name);
}

void trace_id_variable::set(std::string_view trace_id) {
  if (trace_id.empty()) {
    unsetenv(name);
    live_.clear();
    return;
  }
  spare_.assign(name).append("=").append(trace_id);
  putenv(spare_.data());
  live_.swap(spare_);
}

}  // namespace lambda::detail

#include "runtime/resource_limits.hpp"

#include <sys/resource.h>

namespace lambda::detail {
namespace {

bool make_room(int resource, const char* name, const char* what, rlim_t needed, unsigned rics,
               std::string& error) {
  rlimit limit{};
  if (getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) {
    return true;
  }
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    error = std::to_string(rics) + " RICs (AWS_LAMBDA_MAX_CONCURRENCY) need " + std::to_string(needed) +
            " " + what + " but " + name + " allows at most " + std::to_string(limit.rlim_max) +
            "; lower AWS_LAMBDA_MAX_CONCURRENCY or raise the limit";
    return false;
  }
  rlimit raised{needed, limit.rlim_max};
  if (setrlimit(resource, &raised) != 0) {
    error = std::to_string(rics) + " RICs need " + std::to_string(needed) + " " + what + " but " + name +
            " is " + std::to_string(limit.rlim_cur) + " and could not be raised";
    return false;
  }
  return true;
}

}  // namespace

bool make_room_for_rics(unsigned rics, std::string& error) {
  const rlim_t needed = rlim_t{rics} + resource_headroom;
  return make_room(RLIMIT_NOFILE, "RLIMIT_NOFILE", "file descriptors", needed, rics, error) &&
         make_room(RLIMIT_NPROC, "RLIMIT_NPROC", "threads", needed, rics, error);
}

}  // namespace lambda::detail

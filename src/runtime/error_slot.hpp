// The first fatal error of a pool of RICs; later ones are ignored.
#pragma once

#include <mutex>
#include <optional>
#include <string>

namespace lambda::detail {

// Locked only on the fatal path, never per invocation.
class error_slot {
 public:
  // Keeps `reason` if it is the first; returns whether it was.
  bool offer(std::string reason) {
    std::lock_guard lock(mutex_);
    if (first_) return false;
    first_ = std::move(reason);
    return true;
  }

  std::optional<std::string> first() const {
    std::lock_guard lock(mutex_);
    return first_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<std::string> first_;
};

}  // namespace lambda::detail

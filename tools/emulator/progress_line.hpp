// A live "done/total" line on stderr while a long batch runs, only when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstddef>

namespace lambda::emulator {

class progress_line {
 public:
  explicit progress_line(std::size_t total);

  // Redraws the line, at most every poll_interval() and only once the run is a second old.
  void update(std::size_t done, std::chrono::steady_clock::time_point started);
  // Erases the line, so other output starts on a clean one.
  void clear();
  // How long the caller may sleep between updates: forever when nothing is shown.
  std::chrono::milliseconds poll_interval() const;

 private:
  std::size_t total_;
  bool shown_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace lambda::emulator

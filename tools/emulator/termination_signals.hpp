// SIGINT and SIGTERM as readable events: blocked for the whole process (so construct this
// before any thread starts; threads inherit the mask) and read from a signalfd instead.
#pragma once

#include "unique_fd.hpp"

namespace lambda::emulator {

class termination_signals {
 public:
  termination_signals();
  int fd() const noexcept { return fd_.get(); }
  // Consumes the pending signal; true if there was one.
  bool take() noexcept;

 private:
  unique_fd fd_;
};

}  // namespace lambda::emulator

#include "progress_line.hpp"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace lambda::emulator {
namespace {

constexpr auto redraw_every = std::chrono::milliseconds(200);
constexpr auto shown_after = std::chrono::seconds(1);

}  // namespace

progress_line::progress_line(std::size_t total) : total_(total), shown_(isatty(STDERR_FILENO) == 1) {}

void progress_line::update(std::size_t done, std::chrono::steady_clock::time_point started) {
  auto now = std::chrono::steady_clock::now();
  if (!shown_ || now - started < shown_after || now - last_ < redraw_every) return;
  last_ = now;
  drawn_ = true;
  std::fprintf(stderr, "\r\033[Klambda-emulator: %zu/%zu invocations", done, total_);
  std::fflush(stderr);
}

void progress_line::clear() {
  if (std::exchange(drawn_, false)) std::fputs("\r\033[K", stderr);
}

std::chrono::milliseconds progress_line::poll_interval() const {
  return shown_ ? redraw_every : std::chrono::milliseconds(-1);
}

}  // namespace lambda::emulator

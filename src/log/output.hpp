// Puts a finished record on its descriptor.
#pragma once

#include <string_view>

namespace lambda::log::detail {

// Writes all of `line` with one write(2), and more only when the kernel takes part of it:
// lines up to PIPE_BUF (4096) bytes go into a pipe whole and never interleave with other
// writers' lines; longer ones may be split and interleaved. Retries after EINTR. Returns false
// when the descriptor fails; the rest is dropped, as there is nowhere left to report it.
bool write_line(int fd, std::string_view line) noexcept;

}  // namespace lambda::log::detail

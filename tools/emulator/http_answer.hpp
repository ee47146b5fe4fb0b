// The bytes of one HTTP answer, shaped by the wire faults a test scripted.
#pragma once

#include <string>
#include <string_view>

#include "event.hpp"

namespace lambda::emulator {

struct answer_shape {
  wire_faults faults{};
  bool close = false;  // the server closes after this answer (say so with "Connection: close")
};

// Appends the status line, `header_lines` (raw "Name: value\r\n" lines), the framing fields and
// `body` to `out`. Returns whether the connection must be closed once the answer is written.
bool append_answer(std::string& out, int status, std::string_view header_lines,
                   std::string_view body, answer_shape shape);

std::string_view reason_phrase(int status) noexcept;

}  // namespace lambda::emulator

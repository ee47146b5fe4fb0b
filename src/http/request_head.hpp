// Writes the head of an HTTP/1.1 request into a buffer the caller reuses.
#pragma once

#include <string>
#include <string_view>

#include "http/connection.hpp"

namespace lambda::http {

// Replaces `out` with the head of `req` (request line, Host, the caller's headers, then
// Content-Length unless a GET or HEAD has no body). Throws std::invalid_argument when a method,
// target or header would break the framing: a CR, LF or other control byte, an empty or
// non-token name.
void write_request_head(std::string& out, const request& req, std::string_view authority);

}  // namespace lambda::http

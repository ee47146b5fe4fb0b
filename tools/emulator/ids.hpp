// Fresh identifiers in the shapes the platform uses.
#pragma once

#include <string>

namespace lambda::emulator {

// A random UUID (version 4), the shape of request ids and invocation ids.
std::string new_uuid();
// An X-Ray trace header: "Root=1-<epoch seconds, hex>-<96 random bits>;Parent=<64 bits>;Sampled=0".
std::string new_trace_id();

}  // namespace lambda::emulator

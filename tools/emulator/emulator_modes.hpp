// The emulator's two ways to run a bootstrap, each with the Lambda environment, a Runtime API
// server, and SIGINT/SIGTERM read as events. Batch mode invokes it once per event line; serve
// mode exposes AWS's emulator's invoke endpoint. Each returns the process exit status.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "command_line.hpp"

namespace lambda::emulator {

// The environment a bootstrap finds on Lambda, rebuilt for a local run. `inherited`
// ("NAME=value" strings, e.g. from environ) passes through, so the function can
// use the caller's credentials and region, except the variables the platform owns: those are
// set from `options` (AWS_LAMBDA_MAX_CONCURRENCY only on Managed Instances). The user's --env
// entries come last and replace any of the same name.
std::vector<std::string> lambda_environment(const cli_options& options, std::string_view runtime_api,
                                            const std::vector<std::string>& inherited);

// Invokes the bootstrap once per event (times --repeat), at most in_flight_limit() at once;
// answers go to stdout in input order, the summary to stderr. A streamed answer gets a stderr
// line per chunk as it arrives ("lambda-emulator: line 3 (5d99a1b2): chunk 2, 64 bytes at
// 12.4 ms"; after 20 chunks, one line a second) and "streamed", "chunks", "bytes" and
// "firstByteMs" in its report.
int run_batch(const cli_options& options, const std::vector<event_line>& events);

// Serves the invoke endpoint until SIGINT/SIGTERM. A bootstrap that exits is reported and
// started again: its in-flight invocations fail (Runtime.ExitError, or its init error);
// queued ones wait for the new one, unless it died before taking any invocation, which fails
// them too, as Lambda answers the invokes whose init failed; such deaths in a row are started
// again after a doubling delay. A streamed
// answer is forwarded to its invoker chunk by chunk as it arrives (Transfer-Encoding: chunked);
// a Function URL prelude (application/vnd.awslambda.http-integration-response) becomes the
// answer's status, headers and Set-Cookie lines; error trailers end the invoker's body with the
// same two trailers, and the error is printed on stderr.
int run_serve(const cli_options& options);

}  // namespace lambda::emulator

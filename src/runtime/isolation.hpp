// isolation::process: RICs in worker processes under a supervisor that answers for the dead.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <lambda/runtime.hpp>

#include "http/endpoint.hpp"
#include "runtime/crash.hpp"

namespace lambda::detail {

struct isolation_setting {
  isolation mode = isolation::threads;
  unsigned workers = 0;  // 0: one per RIC
  std::string warning;   // non-empty when an environment value was unusable
};

// The options, overridden by LAMBDA_RIC_ISOLATION (threads or process, any case) and
// LAMBDA_RIC_WORKERS (a positive number). Unusable values are ignored with a warning.
isolation_setting parse_isolation(const run_options& options);

// The process Lambda started becomes the supervisor of P workers (P = `workers`, or one per RIC,
// never more than the RICs), which share the flight table's N RICs in contiguous ranges. Each
// worker is a fork that runs `worker(first_ric, rics)` and exits with its status. The supervisor
// polls nothing and starts no thread: it waits for its workers and signals. When one dies, it
// answers the invocations the worker's slots still show with Runtime.ExitError, logs that once,
// and starts a replacement (backing off while workers die at start-up). A worker that ends with
// a fatal error (status 1: an init error, the Runtime API gone) ends them all, and the supervisor
// exits 1, as a fatal error does with threads. SIGTERM or SIGINT stops every worker, each within
// `grace`, and the supervisor exits 0. Workers die with their supervisor (PR_SET_PDEATHSIG).
int supervise(const http::endpoint& api, flight_table& flights, unsigned workers, std::chrono::milliseconds grace,
              const std::function<int(unsigned first_ric, unsigned rics)>& worker);

}  // namespace lambda::detail

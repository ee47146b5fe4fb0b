// Nanoseconds and heap allocations per log record written to /dev/null, next to the floor of
// a bare write(2) of a line as long, measured in the same run. Best of several repetitions.
#include <fcntl.h>
#include <unistd.h>

#include <lambda/log.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../test/support/counting_new.hpp"
#include "log/tags.hpp"

namespace {

using lambda::log::format;
using lambda::log::level;

// Many short repetitions: on a busy machine the best of them is the one least disturbed.
constexpr int records_per_repetition = 20000;
constexpr int repetitions = 40;

struct measurement {
  double ns_per_record;
  double allocations_per_record;
};

template <class LogOne>
measurement measure(LogOne log_one) {
  log_one(0);  // the thread's buffer is reserved by its first record, as in a real program
  double best = 1e300;
  unsigned long long allocated = 0;
  for (int r = 0; r < repetitions; ++r) {
    const std::size_t before = lambda::test::allocations();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < records_per_repetition; ++i) log_one(i);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    allocated += lambda::test::allocations() - before;
    const double ns = std::chrono::duration<double, std::nano>(elapsed).count() / records_per_repetition;
    if (ns < best) best = ns;
  }
  return {best, static_cast<double>(allocated) / (static_cast<double>(records_per_repetition) * repetitions)};
}

// The first measurement reported is the floor the others are compared with.
void report(const char* name, measurement m) {
  static double floor_ns = m.ns_per_record;
  std::printf("%-36s %8.1f ns/record %6.2fx floor %6.3f allocations/record\n", name, m.ns_per_record,
              m.ns_per_record / floor_ns, m.allocations_per_record);
}

}  // namespace

int main() {
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd < 0) {
    std::perror("/dev/null");
    return 1;
  }
  lambda::log::detail::invocation_tags ctx;
  ctx.request_id = "8f5d2c1e-3b7a-4e0f-9c6d-2a1b0e9f8d7c";
  ctx.trace_id = "Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
  ctx.ric = 3;
  lambda::log::detail::tag_scope scope(ctx);
  const std::string customer = "customer-17";
  const std::string long_text(3000, 'x');

  lambda::log::configure({level::info, format::json, null_fd});
  // A typical JSON record is about 230 bytes; the floor writes a line as long.
  const std::string floor_line(230, 'x');
  report("write(2) floor, 230-byte line", measure([&](int) {
           if (::write(null_fd, floor_line.data(), floor_line.size()) < 0) std::abort();
         }));
  report("JSON, message with 2 arguments", measure([&](int i) {
           lambda::log::info("processed {} records for {}", i, customer);
         }));
  report("JSON, message and 2 fields", measure([&](int i) {
           lambda::log::error("invocation {} failed", i)
               .field("errorType", "Runtime.Oops")
               .field("errorMessage", "the handler threw");
         }));
  report("JSON, message with a double", measure([&](int i) {
           lambda::log::info("took {} ms", i * 0.25);
         }));
  report("JSON, 3000-byte message", measure([&](int) { lambda::log::info("{}", long_text); }));
  report("filtered (DEBUG below INFO)", measure([&](int i) { lambda::log::debug("x {}", i); }));

  lambda::log::configure({level::info, format::text, null_fd});
  report("Text, message with 2 arguments", measure([&](int i) {
           lambda::log::info("processed {} records for {}", i, customer);
         }));
  ::close(null_fd);
  return 0;
}

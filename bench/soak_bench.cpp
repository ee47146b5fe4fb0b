// A soak (issue 14 §4): 1,000,000 invocations of the echo example at N = 8 through the
// project's Runtime API server, with small events. Every 10,000 invocations the bootstrap's
// resident memory (VmRSS) and open descriptors (/proc/PID/fd) are sampled; after a warm-up both
// must stay flat. The server keeps no POSTs and forgets each finished invocation, and events
// are queued in batches (at most two batches outstanding), so the bench's own memory stays flat
// too; it is sampled alongside.
//
//   soak_bench [invocations]    default 1,000,000; e.g. 100000 for a quick run
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "proc.hpp"
#include "../tools/emulator/child_process.hpp"
#include "../tools/emulator/runtime_api_server.hpp"

namespace {

using namespace std::chrono_literals;
using lambda::emulator::child_process;
using lambda::emulator::invocation;
using lambda::emulator::invocation_state;
using lambda::emulator::runtime_api_server;
using clock_type = std::chrono::steady_clock;
using lambda::bench::status_kb;

const std::string echo = std::string(LAMBDA_TEST_BUILD_DIR) + "/examples/echo/bootstrap";

long open_descriptors(pid_t pid) {
  long count = 0;
  for ([[maybe_unused]] const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++count;
  }
  return count;
}

struct sample {
  long done;
  double seconds;
  long rss_kb, fds, bench_rss_kb;
};

// What the server's thread hands over as invocations finish: their ids, for forget().
struct finished_list {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> ids;
  long done = 0;
  long not_answered = 0;
  long wrong_body = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const long total = argc > 1 ? std::max(10'000L, std::atol(argv[1])) : 1'000'000L;
  const unsigned rics = 8;
  const long batch = 1000, sample_every = 10'000, print_every = 50'000;
  const long warm_up = std::max(sample_every * 5, total / 10);
  const std::string payload = R"({"message":"a small soak event","id":12345,"ok":true})";

  finished_list finished;
  runtime_api_server server{{.timeout = 60s,
                             .keep_posts = false,
                             .on_finished = [&](const invocation& done, std::size_t) {
                               std::lock_guard lock(finished.mutex);
                               finished.ids.push_back(done.request_id);
                               ++finished.done;
                               if (done.state != invocation_state::answered || !done.answer) {
                                 ++finished.not_answered;
                               } else if (done.answer->body != payload) {
                                 ++finished.wrong_body;
                               }
                               finished.changed.notify_one();
                             }}};
  child_process process({.argv = {echo},
                         .env = {"AWS_LAMBDA_RUNTIME_API=" + server.address(),
                                 "AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(rics), "AWS_LAMBDA_LOG_LEVEL=WARN"}});
  if (!server.wait_parked(rics, 30s)) {
    std::fprintf(stderr, "soak_bench: the %u RICs did not all poll\n", rics);
    return 1;
  }
  const pid_t self = getpid(), child = process.pid();
  std::printf("soak_bench: %ld invocations of %zu B events, echo N=%u (%s); samples every %ld, warm-up %ld\n", total,
              payload.size(), rics, echo.c_str(), sample_every, warm_up);
  std::printf("%10s %8s %10s %6s %12s\n", "done", "seconds", "RSS KiB", "fds", "bench KiB");

  std::vector<sample> samples;
  const auto start = clock_type::now();
  const auto take_sample = [&](long done) {
    sample s{done, std::chrono::duration<double>(clock_type::now() - start).count(), status_kb(child, "VmRSS"),
             open_descriptors(process.pid()), status_kb(self, "VmRSS")};
    samples.push_back(s);
    if (done % print_every == 0 || done == total || samples.size() == 1) {
      std::printf("%10ld %8.1f %10ld %6ld %12ld\n", s.done, s.seconds, s.rss_kb, s.fds, s.bench_rss_kb);
      std::fflush(stdout);
    }
  };
  take_sample(0);

  long queued = 0, next_sample = sample_every;
  std::vector<std::string> to_forget;
  while (true) {
    // Keep at most two batches outstanding: queue one more once the one before last is done.
    long done = 0;
    {
      std::unique_lock lock(finished.mutex);
      const long wanted = std::min(total, std::max(0L, queued - batch));
      if (!finished.changed.wait_for(lock, 60s, [&] { return finished.done >= wanted; })) {
        std::fprintf(stderr, "soak_bench: stuck at %ld of %ld finished (%ld queued)\n", finished.done, total, queued);
        return 1;
      }
      done = finished.done;
      to_forget.swap(finished.ids);
    }
    for (const auto& id : to_forget) server.forget(id);
    to_forget.clear();
    while (done >= next_sample && next_sample <= total) {
      take_sample(next_sample);  // sampled a little after the mark: the counts are what they are now
      next_sample += sample_every;
    }
    if (done >= total) break;
    for (long i = 0; i < batch && queued < total; ++i, ++queued) server.enqueue({.payload = payload});
    if (queued >= total) {
      std::unique_lock lock(finished.mutex);
      finished.changed.wait_for(lock, 60s, [&] { return finished.done >= total; });
    }
  }
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();

  long rss_min = 1L << 40, rss_max = 0, fd_min = 1L << 40, fd_max = 0, bench_min = 1L << 40, bench_max = 0;
  for (const auto& s : samples) {
    if (s.done < warm_up) continue;
    rss_min = std::min(rss_min, s.rss_kb), rss_max = std::max(rss_max, s.rss_kb);
    fd_min = std::min(fd_min, s.fds), fd_max = std::max(fd_max, s.fds);
    bench_min = std::min(bench_min, s.bench_rss_kb), bench_max = std::max(bench_max, s.bench_rss_kb);
  }
  std::printf("%ld invocations in %.1f s (%.0f/s); not answered %ld, wrong body %ld\n", total, seconds, total / seconds,
              finished.not_answered, finished.wrong_body);
  std::printf("after warm-up (%ld): bootstrap RSS %ld..%ld KiB (spread %ld), fds %ld..%ld; bench RSS %ld..%ld KiB; "
              "peak RSS %ld KiB\n",
              warm_up, rss_min, rss_max, rss_max - rss_min, fd_min, fd_max, bench_min, bench_max,
              status_kb(child, "VmHWM"));
  // Flat: descriptors exactly, memory within a page-table's worth of noise (64 KiB).
  const bool flat = fd_min == fd_max && rss_max - rss_min <= 64;
  std::printf("flat after warm-up: %s\n", flat ? "yes" : "NO");
  process.signal(SIGTERM);
  process.wait_exit(10s);
  return flat && finished.not_answered == 0 && finished.wrong_body == 0 ? 0 : 1;
}

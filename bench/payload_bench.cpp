// Large payloads against the floor (issue 14 §1): the echo example (run_concurrent, N = 1)
// and a floor of our own (test/functions/floor: no library, a static buffer, one socket) each
// answer events of 100 B, 64 KB, 1 MB and 5.9 MB by echoing their bytes, side by side in one
// run. They take turns, round after round, so a burst of load from elsewhere hits both alike;
// each figure is the best and the median round, and the ratios are ours / floor.
//
// Per invocation: wall time (a round of K sequential invocations, two queued ahead so the
// bootstrap never waits for the bench), the Runtime API's view (delivered_at → finished_at),
// the bootstrap's CPU (its threads' schedstat) and its minor page faults (/proc/PID/stat).
// Echo answers with response::borrowed(event): like the floor, it never copies the event. A third
// contender, test/functions/stream_echo, writes the event to a response_stream instead.
// Then the peak RSS of echo at N = 64 driven at full concurrency with 64 KB events.
//
// The events are opaque bytes (application/octet-stream): echo's handler looks for "sleep_ms",
// "fail" and "crash" in a JSON event, and validating a megabyte of JSON three times is the
// handler's own cost, not the runtime's. One extra row shows it with a 1 MB JSON event.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "proc.hpp"
#include "../tools/emulator/child_process.hpp"
#include "../tools/emulator/runtime_api_server.hpp"

namespace {

using namespace std::chrono_literals;
using lambda::emulator::child_process;
using lambda::emulator::runtime_api_server;
using clock_type = std::chrono::steady_clock;
using lambda::bench::cpu_ns;
using lambda::bench::status_kb;

const std::string echo = std::string(LAMBDA_TEST_BUILD_DIR) + "/examples/echo/bootstrap";
const std::string floor_bootstrap = std::string(LAMBDA_TEST_BUILD_DIR) + "/test/functions/floor/bootstrap";
// The event's bytes written to a response_stream, as one chunk.
const std::string stream_echo = std::string(LAMBDA_TEST_BUILD_DIR) + "/test/functions/stream_echo/bootstrap";

// Minor page faults of `pid` so far: /proc/PID/stat field 10.
double minor_faults(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
  return std::stod(f[7]);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

// One round's figures, per invocation.
struct round_figures {
  double wall_us, api_us, cpu_us, faults;
};

struct contender {
  const char* label;
  runtime_api_server server{{.timeout = 600s, .keep_posts = false, .keep_bodies = false}};
  child_process process;
  std::vector<round_figures> rounds;

  contender(const char* name, const std::string& bootstrap, unsigned rics)
      : label(name),
        process({.argv = {bootstrap},
                 .env = {"AWS_LAMBDA_RUNTIME_API=" + server.address(),
                         "AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(rics), "AWS_LAMBDA_LOG_LEVEL=WARN"}}) {}

  ~contender() {
    process.signal(SIGTERM);
    process.wait_exit(10s);
  }

  // Runs `count` invocations of `payload`, `ahead` of them queued at any time.
  round_figures drive(int count, const std::string& payload, const std::string& type, int ahead) {
    const pid_t pid = process.pid();
    const double cpu_before = cpu_ns(pid), faults_before = minor_faults(pid);
    const auto start = clock_type::now();
    std::deque<std::string> ids;
    int queued = 0;
    double api_ns = 0;
    const auto enqueue = [&] {
      ids.push_back(server.enqueue({.payload = payload, .content_type = type}));
      ++queued;
    };
    while (queued < std::min(ahead, count)) enqueue();
    while (!ids.empty()) {
      auto done = server.wait_finished(ids.front(), 120s);
      if (!done || !done->answer || done->answer->body_bytes != payload.size()) {
        std::fprintf(stderr, "payload_bench: %s did not echo invocation %s (%s)\n", label, ids.front().c_str(),
                     process.stderr_text().c_str());
        std::exit(1);
      }
      api_ns += std::chrono::duration<double, std::nano>(done->finished_at - done->delivered_at).count();
      server.forget(ids.front());
      ids.pop_front();
      if (queued < count) enqueue();
    }
    const double wall_ns = std::chrono::duration<double, std::nano>(clock_type::now() - start).count();
    return {wall_ns / 1000 / count, api_ns / 1000 / count, (cpu_ns(pid) - cpu_before) / 1000 / count,
            (minor_faults(pid) - faults_before) / count};
  }
};

struct size_case {
  const char* label;
  std::size_t bytes;
  int count;  // invocations per round
  bool json = false;
};

std::string make_payload(const size_case& c) {
  std::string bytes(c.bytes, 'x');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('a' + i % 26);
  if (c.json) {  // {"data":"abc..."}: the handler validates it three times
    const std::string open = R"({"data":")", close = R"("})";
    bytes.replace(0, open.size(), open);
    bytes.replace(bytes.size() - close.size(), close.size(), close);
  }
  return bytes;
}

void report_size(const size_case& c, int rounds) {
  const std::string payload = make_payload(c);
  const std::string type = c.json ? "application/json" : "application/octet-stream";
  contender floor_run("floor", floor_bootstrap, 1), ours("echo N=1", echo, 1), streamed("stream N=1", stream_echo, 1);
  contender* both[] = {&floor_run, &ours, &streamed};
  for (auto* who : both) {
    who->server.wait_parked(1, 30s);
    who->drive(std::max(c.count / 4, 8), payload, type, 2);  // warm up: buffers grown, pages touched
  }
  for (int r = 0; r < rounds; ++r) {
    // Alternating who goes first, so neither always follows the other's cache damage.
    for (int i = 0; i < 3; ++i) {
      contender* who = both[(r + i) % 3];
      who->rounds.push_back(who->drive(c.count, payload, type, 2));
    }
  }
  const auto series = [](const contender& who, double round_figures::*field) {
    std::vector<double> v;
    for (const auto& f : who.rounds) v.push_back(f.*field);
    return v;
  };
  std::printf("%-12s (K=%d x %d rounds)\n", c.label, c.count, rounds);
  for (auto* who : both) {
    std::printf("  %-9s wall %9.1f us (median %9.1f)  api %9.1f us (median %9.1f)  cpu %9.1f us  minflt %7.1f  peak RSS %6ld KiB\n",
                who->label, best(series(*who, &round_figures::wall_us)), median(series(*who, &round_figures::wall_us)),
                best(series(*who, &round_figures::api_us)), median(series(*who, &round_figures::api_us)),
                median(series(*who, &round_figures::cpu_us)), median(series(*who, &round_figures::faults)),
                status_kb(who->process.pid(), "VmHWM"));
  }
  const auto med = [](const std::vector<double>& v) { return median(v); };
  for (const contender* who : {&ours, &streamed}) {
    const auto ratio = [&](double round_figures::*field, double (*pick)(const std::vector<double>&)) {
      return pick(series(*who, field)) / pick(series(floor_run, field));
    };
    std::printf("  %-9s / floor: wall best %.2fx median %.2fx   api best %.2fx median %.2fx   cpu (median) %.2fx\n",
                who->label, ratio(&round_figures::wall_us, best), ratio(&round_figures::wall_us, med),
                ratio(&round_figures::api_us, best), ratio(&round_figures::api_us, med),
                ratio(&round_figures::cpu_us, med));
  }
  std::fflush(stdout);
}

void report_peak_rss(const char* label, const std::string& bootstrap, unsigned rics, std::size_t bytes, int per_ric) {
  contender run(label, bootstrap, rics);
  run.server.wait_parked(rics, 30s);
  const long idle = status_kb(run.process.pid(), "VmRSS");
  const std::string payload = make_payload({"", bytes, 0});
  const int count = static_cast<int>(rics) * per_ric;
  const auto f = run.drive(count, payload, "application/octet-stream", static_cast<int>(rics) * 2);
  std::printf("%s N=%u, %zu B events at full concurrency (%d invocations, %u queued ahead): RSS idle %ld KiB, "
              "peak %ld KiB (goal <= 8192), after %ld KiB; %.2f minflt per invocation\n",
              label, rics, bytes, count, rics * 2, idle, status_kb(run.process.pid(), "VmHWM"),
              status_kb(run.process.pid(), "VmRSS"), f.faults);
}

}  // namespace

// payload_bench [rounds]
int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  std::printf("payload_bench: echo of opaque bytes, ours (%s) vs floor (%s)\n", echo.c_str(), floor_bootstrap.c_str());
  std::printf("per invocation: wall = round time / K; api = delivered_at -> finished_at; cpu, minflt: the bootstrap's\n");
  const size_case cases[] = {{"100 B", 100, 2000},        {"64 KB", 64 * 1024, 1000},
                             {"1 MB", 1000 * 1000, 200},  {"5.9 MB", 5'900'000, 30},
                             {"1 MB JSON", 1000 * 1000, 200, true}};
  for (const auto& c : cases) report_size(c, rounds);
  std::printf("goals: <= 1.3x the floor at 1 MB and 5.9 MB; unchanged at 100 B\n");
  report_peak_rss("echo", echo, 64, 64 * 1024, 50);
  report_peak_rss("stream", stream_echo, 64, 64 * 1024, 50);
}

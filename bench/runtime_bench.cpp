// The runtime under load from the project's Runtime API server, in one run: CPU per invocation
// at N = 1 and N = 8, throughput of a 50 ms handler at N = 64, start-up and memory at N = 64 and
// N = 1600. Every figure is the bootstrap's own (its threads' CPU, its peak RSS).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cctype>
#include <filesystem>
#include <iterator>
#include <map>
#include <fstream>
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
// A classic-mode (lambda::run) function whose handler makes no system call and no allocation.
const std::string classic = std::string(LAMBDA_TEST_BUILD_DIR) + "/test/functions/counting/bootstrap";

// User and system CPU time of `pid` so far, in microseconds (/proc/PID/stat, clock ticks).
std::pair<double, double> user_system_us(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // the name may hold spaces
  std::vector<std::string> f{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
  const double tick_us = 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
  return {std::stod(f[11]) * tick_us, std::stod(f[12]) * tick_us};  // utime, stime: fields 14 and 15
}

// Resident KiB of the threads' stacks: the anonymous mappings exactly RLIMIT_STACK long, which
// is how glibc sizes a thread's stack by default.
struct stacks {
  long count = 0;
  long resident_kb = 0;
};

stacks thread_stacks(pid_t pid) {
  rlimit limit{};
  getrlimit(RLIMIT_STACK, &limit);
  const long stack_kb = static_cast<long>(limit.rlim_cur / 1024);
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps");
  stacks found;
  long size = 0;
  bool anonymous = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (first == "Size:") {
      words >> size;
    } else if (first == "Rss:" && anonymous && size == stack_kb) {
      long rss = 0;
      words >> rss;
      ++found.count;
      found.resident_kb += rss;
    } else if (first.find('-') != std::string::npos && first.back() != ':') {
      std::string perms, offset, device, inode, path;
      words >> perms >> offset >> device >> inode >> path;
      anonymous = perms == "rw-p" && inode == "0" && path.empty();
    }
  }
  return found;
}

struct function_run {
  runtime_api_server server{{.timeout = 60s, .keep_posts = false}};
  child_process process;

  explicit function_run(unsigned rics, const std::string& bootstrap = echo)
      : process({.argv = {bootstrap},
                 .env = {"AWS_LAMBDA_RUNTIME_API=" + server.address(), "AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(rics),
                         "AWS_LAMBDA_LOG_LEVEL=WARN"}}) {}

  // Queues `count` copies of `payload` and waits until all are answered; returns the seconds taken.
  double drive(int count, const std::string& payload) {
    std::vector<std::string> ids;
    ids.reserve(count);
    auto start = clock_type::now();
    for (int i = 0; i < count; ++i) ids.push_back(server.enqueue({.payload = payload}));
    for (const auto& id : ids) {
      auto done = server.wait_finished(id, 120s);
      if (!done || !done->answer) {
        std::fprintf(stderr, "invocation %s was not answered\n", id.c_str());
        std::exit(1);
      }
      server.forget(id);
    }
    return std::chrono::duration<double>(clock_type::now() - start).count();
  }

  ~function_run() {
    process.signal(SIGTERM);
    process.wait_exit(10s);
  }
};

// Runtime CPU per invocation of `run` over `invocations` more events.
double cpu_us_per_invocation(function_run& run, int invocations) {
  const std::string payload = R"({"message":"a small event of about a hundred bytes","id":12345,"ok":true})";
  double before = cpu_ns(run.process.pid());
  run.drive(invocations, payload);
  return (cpu_ns(run.process.pid()) - before) / 1000.0 / invocations;
}

// Classic mode, N = 1 and N = 8 run side by side and take turns, best of several rounds each,
// so that a burst of load from elsewhere on the machine hits them all alike.
void report_cpu() {
  const int invocations = 20000, rounds = 5;
  struct contender {
    const char* label;
    function_run run;
    double best_us = 1e300;
    std::pair<double, double> before{};
  };
  contender contenders[] = {{"classic (lambda::run)", function_run(1, classic)},
                            {"run_concurrent N=1 (echo)", function_run(1)},
                            {"run_concurrent N=8 (echo)", function_run(8)}};
  for (auto& c : contenders) {
    c.run.server.wait_parked(1, 30s);
    cpu_us_per_invocation(c.run, 1000);  // warm up: buffers grown, pages touched
  }
  for (auto& c : contenders) c.before = user_system_us(c.run.process.pid());
  for (int r = 0; r < rounds; ++r) {
    for (auto& c : contenders) c.best_us = std::min(c.best_us, cpu_us_per_invocation(c.run, invocations));
  }
  std::printf("cpu per invocation (~100 B events, best of %d x %d, interleaved; user/system over all rounds):\n",
              rounds, invocations);
  for (auto& c : contenders) {
    auto [user, system] = user_system_us(c.run.process.pid());
    const double all = double(rounds) * invocations;
    std::printf("  %-28s %7.2f us (user %.2f, system %.2f)   peak RSS %ld KiB\n", c.label, c.best_us,
                (user - c.before.first) / all, (system - c.before.second) / all, status_kb(c.run.process.pid(), "VmHWM"));
  }
  std::printf("  ratio N=8 / N=1: %.3f (goal <= 1.15)\n", contenders[2].best_us / contenders[1].best_us);
}

void report_throughput() {
  const unsigned rics = 64;
  const int rounds_per_ric = 20;
  function_run run(rics);
  run.server.wait_parked(rics, 30s);
  const int count = rics * rounds_per_ric;
  double seconds = run.drive(count, R"({"sleep_ms":50})");
  double ideal = count * 0.050 / rics;
  std::printf("throughput, 50 ms handler, N=%u: %d invocations in %.3f s = %.0f/s; ideal %.0f/s; %.1f%% of ideal (goal >= 95%%)\n",
              rics, count, seconds, count / seconds, count / ideal, 100.0 * ideal / seconds);
  std::printf("peak RSS at N=%u after load: %ld KiB (goal <= 4096)\n", rics, status_kb(run.process.pid(), "VmHWM"));
}

void report_scale(unsigned rics) {
  auto start = clock_type::now();
  function_run run(rics);
  bool parked = run.server.wait_parked(rics, 30s);
  double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  long idle = status_kb(run.process.pid(), "VmRSS");
  auto idle_stacks = thread_stacks(run.process.pid());
  run.drive(static_cast<int>(rics) * 4, R"({"hello":"world"})");
  long peak = status_kb(run.process.pid(), "VmHWM");
  std::printf("N=%u: %s in %.3f s from exec; RSS idle %ld KiB (%.1f KiB per RIC), peak after %u invocations %ld KiB\n",
              rics, parked ? "all parked" : "NOT all parked", seconds, idle, double(idle) / rics, rics * 4, peak);
  std::printf("  thread stacks while idle: %ld, %ld KiB resident (%.1f KiB each)\n", idle_stacks.count,
              idle_stacks.resident_kb, idle_stacks.count ? double(idle_stacks.resident_kb) / idle_stacks.count : 0.0);
}

// System calls by name of one run of `bootstrap` under `strace -f -c` answering `invocations`
// events; the function ends when its polls are answered 500, so strace writes its summary.
std::map<std::string, long> syscalls(const std::string& bootstrap, const std::string& rics, int invocations) {
  const auto summary = std::filesystem::temp_directory_path() / ("runtime_bench_strace_" + std::to_string(getpid()));
  std::map<std::string, long> calls;
  {
    runtime_api_server server{{.timeout = 60s, .keep_posts = false}};
    child_process traced({.argv = {"/usr/bin/strace", "-f", "-c", "-o", summary.string(), bootstrap},
                          .env = {"AWS_LAMBDA_RUNTIME_API=" + server.address(), "AWS_LAMBDA_MAX_CONCURRENCY=" + rics,
                                  "AWS_LAMBDA_LOG_LEVEL=WARN"}});
    std::vector<std::string> ids;
    for (int i = 0; i < invocations; ++i) ids.push_back(server.enqueue({.payload = R"({"hello":"world"})"}));
    for (const auto& id : ids) server.wait_finished(id, 60s);
    server.fail_polls(500);
    traced.wait_exit(30s);
  }
  std::ifstream in(summary);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
    if (w.size() < 5 || w.back() == "total" || !std::isdigit(static_cast<unsigned char>(w[3][0]))) continue;
    calls[w.back()] = std::stol(w[3]);
  }
  std::filesystem::remove(summary);
  return calls;
}

// Per invocation, from two runs of different lengths: start-up and shutdown cancel out.
void report_syscalls(const char* label, const std::string& bootstrap, const std::string& rics) {
  const int few = 1000, many = 5000;
  auto a = syscalls(bootstrap, rics, few), b = syscalls(bootstrap, rics, many);
  double total = 0;
  std::string detail;
  for (const auto& [name, count] : b) {
    double per = double(count - a[name]) / (many - few);
    total += per;
    if (per >= 0.01) detail += " " + name + "=" + std::to_string(per).substr(0, 4);
  }
  std::printf("  %-28s %.2f per invocation:%s\n", label, total, detail.c_str());
}

void report_syscalls() {
  if (!std::filesystem::exists("/usr/bin/strace")) {
    std::printf("system calls: /usr/bin/strace is not installed, not measured\n");
    return;
  }
  std::printf("system calls (strace -f -c, runs of 1000 and 5000 invocations):\n");
  report_syscalls("classic (lambda::run)", classic, "1");
  report_syscalls("run_concurrent, N=1 (echo)", echo, "1");
  report_syscalls("run_concurrent, N=8 (echo)", echo, "8");
}

}  // namespace

int main() {
  std::printf("runtime_bench: %s\n", echo.c_str());
  report_syscalls();
  report_cpu();
  report_throughput();
  report_scale(64);
  report_scale(1600);
}

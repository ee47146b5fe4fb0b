// RICs in worker processes (LAMBDA_RIC_ISOLATION=process) against RICs as threads, in one run:
//   1. CPU per invocation of the whole process tree at N = 8, and system calls per invocation;
//   2. memory of the whole process tree (RSS, PSS) at N = 64 once warm;
//   3. how soon a dead worker's invocation is answered and its replacement polls again.
// The machine is shared and noisy: the two modes run side by side and take turns in short
// rounds, and each figure is given as best and median of the rounds, with the ratio taken
// between the two rounds of each pair.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "proc.hpp"
#include "../tools/emulator/child_process.hpp"
#include "../tools/emulator/runtime_api_server.hpp"

namespace {

using namespace std::chrono_literals;
using lambda::emulator::child_process;
using lambda::emulator::runtime_api_server;
using lambda::emulator::server_stats;
using clock_type = std::chrono::steady_clock;
using lambda::bench::cpu_ns;
using lambda::bench::tasks_of;
namespace fs = std::filesystem;

const std::string echo = std::string(LAMBDA_TEST_BUILD_DIR) + "/examples/echo/bootstrap";
const std::string small_event = R"({"message":"a small event of about a hundred bytes","id":12345,"ok":true})";

enum class isolation { threads, process };

const char* name_of(isolation mode) { return mode == isolation::threads ? "threads" : "process"; }

// `root` first, then every descendant, found through each thread's children file.
std::vector<pid_t> process_tree(pid_t root) {
  std::vector<pid_t> tree{root};
  for (std::size_t i = 0; i < tree.size(); ++i) {
    for (const auto& task : tasks_of(tree[i])) {
      std::ifstream in(task / "children");
      for (pid_t child; in >> child;) tree.push_back(child);
    }
  }
  return tree;
}

double tree_cpu_ns(pid_t root) {
  double total = 0;
  for (pid_t pid : process_tree(root)) total += cpu_ns(pid);
  return total;
}

// Time every thread of `pid` spent on a CPU and waiting in a run queue for one, in milliseconds.
struct scheduled {
  double on_cpu_ms = 0;
  double waiting_ms = 0;
};

scheduled sched_of(pid_t pid) {
  scheduled s;
  for (const auto& task : tasks_of(pid)) {
    std::ifstream in(task / "schedstat");
    double on_cpu = 0, waiting = 0;
    if (in >> on_cpu >> waiting) {
      s.on_cpu_ms += on_cpu / 1e6;
      s.waiting_ms += waiting / 1e6;
    }
  }
  return s;
}

// Context switches of every thread of the tree so far: voluntary (it blocked) and not (preempted).
std::pair<double, double> tree_switches(pid_t root) {
  double voluntary = 0, preempted = 0;
  for (pid_t pid : process_tree(root)) {
    for (const auto& task : tasks_of(pid)) {
      std::ifstream in(task / "status");
      for (std::string line; std::getline(in, line);) {
        if (line.rfind("voluntary_ctxt_switches:", 0) == 0) voluntary += std::stod(line.substr(24));
        if (line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) preempted += std::stod(line.substr(27));
      }
    }
  }
  return {voluntary, preempted};
}

// User and system CPU of the tree's processes so far, in microseconds (/proc/PID/stat ticks).
std::pair<double, double> tree_user_system_us(pid_t root) {
  const double tick_us = 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
  double user = 0, system = 0;
  for (pid_t pid : process_tree(root)) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // the name may hold spaces
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
    if (f.size() < 13) continue;
    user += std::stod(f[11]) * tick_us;  // utime, stime: fields 14 and 15
    system += std::stod(f[12]) * tick_us;
  }
  return {user, system};
}

// "Field:  123 kB" lines of a /proc file, in KiB.
std::map<std::string, long> kib_fields(const std::string& file) {
  std::map<std::string, long> fields;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream value(line.substr(colon + 1));
    long kib = 0;
    if (value >> kib) fields[line.substr(0, colon)] = kib;
  }
  return fields;
}

struct memory {
  int processes = 0;
  long threads = 0;
  long rss_kib = 0;
  long pss_kib = 0;
  long uss_kib = 0;  // private pages: what the process alone holds
  long page_tables_kib = 0;  // VmPTE: kernel memory that PSS does not count
  long root_pss_kib = 0;
};

memory tree_memory(pid_t root) {
  memory m;
  for (pid_t pid : process_tree(root)) {
    const std::string proc = "/proc/" + std::to_string(pid);
    auto rollup = kib_fields(proc + "/smaps_rollup");
    auto status = kib_fields(proc + "/status");
    ++m.processes;
    m.threads += status["Threads"];
    m.rss_kib += rollup["Rss"];
    m.pss_kib += rollup["Pss"];
    m.uss_kib += rollup["Private_Clean"] + rollup["Private_Dirty"];
    m.page_tables_kib += status["VmPTE"];
    if (pid == root) m.root_pss_kib = rollup["Pss"];
  }
  return m;
}

std::vector<std::string> environment(isolation mode, unsigned rics, const std::string& api) {
  return {"AWS_LAMBDA_RUNTIME_API=" + api, "AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(rics),
          "AWS_LAMBDA_LOG_LEVEL=WARN", std::string("LAMBDA_RIC_ISOLATION=") + name_of(mode)};
}

struct function_run {
  runtime_api_server server{{.timeout = 60s, .keep_posts = false}};
  child_process process;

  function_run(isolation mode, unsigned rics)
      : process({.argv = {echo}, .env = environment(mode, rics, server.address())}) {
    if (!server.wait_parked(rics, 30s)) {
      std::fprintf(stderr, "%s N=%u: not every RIC polled within 30 s\n%s", name_of(mode), rics,
                   process.stderr_text().c_str());
      std::exit(1);
    }
  }

  // Queues `count` copies of `payload` at once and waits until all are answered.
  void drive(int count, const std::string& payload) {
    std::vector<std::string> ids;
    ids.reserve(count);
    for (int i = 0; i < count; ++i) ids.push_back(server.enqueue({.payload = payload}));
    for (const auto& id : ids) {
      auto done = server.wait_finished(id, 120s);
      if (!done || !done->answer) {
        std::fprintf(stderr, "invocation %s was not answered\n", id.c_str());
        std::exit(1);
      }
      server.forget(id);
    }
  }

  ~function_run() {
    process.signal(SIGTERM);
    process.wait_exit(10s);
  }
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double best(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }

// The figures the summary table repeats.
struct summary {
  double cpu_threads_best = 0, cpu_process_best = 0, cpu_threads_median = 0, cpu_process_median = 0;
  double cpu_round_ratio_median = 0;
  double syscalls_threads = -1, syscalls_process = -1;
  memory mem_threads, mem_process;
  double crash_answered_ms = 0, crash_repolled_ms = 0;
  double kill_answered_ms = 0, kill_repolled_ms = 0;
} results;

// The value below which `share` of `v` lies (nearest rank).
double quantile(std::vector<double> v, double share) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(share * static_cast<double>(v.size() - 1) + 0.5)];
}

// 1. CPU per invocation of the process tree at N = 8, both modes side by side. The machine's
// other load comes and goes over seconds, and a burst of it inflates whatever runs meanwhile
// (its caches and TLBs are refilled after every preemption). So the rounds are short (tens of
// milliseconds), the two modes take turns, and each pair of rounds, run under the same load,
// gives one ratio: their median discards the rounds a burst hit, where long rounds would all
// be hit by some.
void report_cpu() {
  const unsigned rics = 8;
  const int invocations = 1000, rounds = 101;
  struct contender {
    isolation mode;
    function_run run;
    std::vector<double> us;
    std::pair<double, double> before{};
    std::pair<double, double> switches_before{};
  };
  contender contenders[] = {{isolation::threads, function_run(isolation::threads, rics), {}},
                            {isolation::process, function_run(isolation::process, rics), {}}};
  for (auto& c : contenders) c.run.drive(2000, small_event);  // warm up: buffers grown, pages touched
  for (auto& c : contenders) {
    c.before = tree_user_system_us(c.run.process.pid());
    c.switches_before = tree_switches(c.run.process.pid());
  }
  std::printf("1. CPU per invocation of the process tree, N=%u, %d rounds of %d echo invocations of ~100 B each "
              "queued at once, the modes taking turns:\n", rics, rounds, invocations);
  std::vector<double> ratios;
  for (int r = 0; r < rounds; ++r) {
    // Alternate which mode goes first, so neither always follows the other.
    for (int k = 0; k < 2; ++k) {
      auto& c = contenders[(r + k) % 2];
      const pid_t root = c.run.process.pid();
      const double before = tree_cpu_ns(root);
      c.run.drive(invocations, small_event);
      c.us.push_back((tree_cpu_ns(root) - before) / 1000.0 / invocations);
    }
    ratios.push_back(contenders[1].us.back() / contenders[0].us.back());
  }
  for (auto& c : contenders) {
    auto [user, system] = tree_user_system_us(c.run.process.pid());
    const double all = double(rounds) * invocations;
    auto [voluntary, preempted] = tree_switches(c.run.process.pid());
    auto m = tree_memory(c.run.process.pid());
    std::printf("   %-8s best %6.2f us, quartiles %6.2f / %6.2f / %6.2f us (user %.2f, system %.2f over all rounds); "
                "%d process(es), %ld threads; context switches per invocation %.2f voluntary, %.2f preempted\n",
                name_of(c.mode), best(c.us), quantile(c.us, 0.25), median(c.us), quantile(c.us, 0.75),
                (user - c.before.first) / all, (system - c.before.second) / all, m.processes, m.threads,
                (voluntary - c.switches_before.first) / all, (preempted - c.switches_before.second) / all);
  }
  results.cpu_threads_best = best(contenders[0].us);
  results.cpu_process_best = best(contenders[1].us);
  results.cpu_threads_median = median(contenders[0].us);
  results.cpu_process_median = median(contenders[1].us);
  results.cpu_round_ratio_median = median(ratios);
  std::printf("   process/threads: best %.3f, median %.3f; the pairs' ratios: median %.3f, quartiles %.3f-%.3f, "
              "deciles %.3f-%.3f (goal <= 1.15)\n",
              results.cpu_process_best / results.cpu_threads_best,
              results.cpu_process_median / results.cpu_threads_median, results.cpu_round_ratio_median,
              quantile(ratios, 0.25), quantile(ratios, 0.75), quantile(ratios, 0.1), quantile(ratios, 0.9));
}

// System calls by name of one run under `strace -f -c` (every process and thread of the tree)
// answering `invocations` events; polls answered 500 then end the function, so strace writes its summary.
std::map<std::string, long> syscalls(isolation mode, unsigned rics, int invocations) {
  const auto summary_file = fs::temp_directory_path() / ("isolation_bench_strace_" + std::to_string(getpid()));
  std::map<std::string, long> calls;
  {
    runtime_api_server server{{.timeout = 60s, .keep_posts = false}};
    std::vector<std::string> argv = {"/usr/bin/strace", "-f", "-c", "-o", summary_file.string(), echo};
    child_process traced({.argv = argv, .env = environment(mode, rics, server.address())});
    server.wait_parked(rics, 60s);
    std::vector<std::string> ids;
    for (int i = 0; i < invocations; ++i) ids.push_back(server.enqueue({.payload = small_event}));
    for (const auto& id : ids) server.wait_finished(id, 60s);
    server.fail_polls(500);
    traced.wait_exit(30s);
  }
  std::ifstream in(summary_file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
    if (w.size() < 5 || w.back() == "total" || !std::isdigit(static_cast<unsigned char>(w[3][0]))) continue;
    calls[w.back()] = std::stol(w[3]);
  }
  fs::remove(summary_file);
  return calls;
}

// Per invocation, from two runs of different lengths: start-up and shutdown cancel out.
double report_syscalls(isolation mode, unsigned rics) {
  const int few = 1000, many = 5000;
  auto a = syscalls(mode, rics, few), b = syscalls(mode, rics, many);
  double total = 0;
  std::string detail;
  for (const auto& [name, count] : b) {
    const double per = double(count - a[name]) / (many - few);
    total += per;
    char figure[64];
    std::snprintf(figure, sizeof figure, " %s=%.2f", name.c_str(), per);
    if (per >= 0.005 || per <= -0.005) detail += figure;
  }
  std::printf("   %-8s N=%u: %.2f per invocation:%s\n", name_of(mode), rics, total, detail.c_str());
  return total;
}

void report_syscalls() {
  if (!fs::exists("/usr/bin/strace")) {
    std::printf("   system calls: /usr/bin/strace is not installed, not measured\n");
    return;
  }
  std::printf("   system calls of the tree (strace -f -c, runs of 1000 and 5000 invocations, differenced):\n");
  results.syscalls_threads = report_syscalls(isolation::threads, 8);
  results.syscalls_process = report_syscalls(isolation::process, 8);
}

// 2. Memory of the process tree at N = 64 once warm, after each of three rounds of load.
void report_memory() {
  const unsigned rics = 64;
  const int rounds = 3;
  std::printf("\n2. Memory of the process tree at N=%u, after rounds of %u echo invocations:\n", rics, rics * 50);
  std::printf("   round  mode      procs threads    RSS KiB    PSS KiB    USS KiB  PTE KiB  PSS/RIC KiB\n");
  function_run runs[] = {function_run(isolation::threads, rics), function_run(isolation::process, rics)};
  memory last[2];
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < 2; ++k) {
      auto& run = runs[k];
      run.drive(static_cast<int>(rics) * 50, small_event);
      const memory m = tree_memory(run.process.pid());
      last[k] = m;
      std::printf("   %5d  %-8s %6d %7ld %10ld %10ld %10ld %8ld %12.1f\n", r + 1, name_of(k ? isolation::process
                  : isolation::threads), m.processes, m.threads, m.rss_kib, m.pss_kib, m.uss_kib, m.page_tables_kib,
                  double(m.pss_kib) / rics);
    }
  }
  results.mem_threads = last[0];
  results.mem_process = last[1];
  const memory& p = last[1];
  std::printf("   process mode: supervisor PSS %ld KiB, each worker %.1f KiB on average; tree PSS %.2f MiB "
              "(goal <= 16 MiB), %.2fx threads mode's\n",
              p.root_pss_kib, double(p.pss_kib - p.root_pss_kib) / (p.processes - 1), p.pss_kib / 1024.0,
              double(p.pss_kib) / last[0].pss_kib);
}

// The worker processes of a process-mode bootstrap: the supervisor's children.
std::vector<pid_t> workers_of(const function_run& run) {
  const pid_t supervisor = run.process.pid();
  std::vector<pid_t> workers;
  std::ifstream in("/proc/" + std::to_string(supervisor) + "/task/" + std::to_string(supervisor) + "/children");
  for (pid_t child; in >> child;) workers.push_back(child);
  return workers;
}

// pidfds of `pids`, opened before anything can end them: once reaped, a pid has none.
struct pidfds {
  std::vector<pid_t> pids;
  std::vector<pollfd> fds;

  explicit pidfds(std::vector<pid_t> of) : pids(std::move(of)) {
    for (pid_t pid : pids) fds.push_back({static_cast<int>(syscall(SYS_pidfd_open, pid, 0)), POLLIN, 0});
  }
  ~pidfds() {
    for (auto& fd : fds) {
      if (fd.fd >= 0) ::close(fd.fd);
    }
  }
  pidfds(const pidfds&) = delete;
  pidfds& operator=(const pidfds&) = delete;

  // When one of them was seen to end, or nothing within `timeout`.
  std::optional<clock_type::time_point> wait_any(std::chrono::milliseconds timeout) {
    if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    return clock_type::now();
  }
};

double ms_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// One worker death: its invocation, when the worker's end was seen, and when every RIC polled
// again after that invocation had finished.
struct death {
  lambda::emulator::invocation invocation;
  clock_type::time_point died_at, killed_at, repolled_at;
  scheduled supervisor;   // the supervisor's CPU and run-queue wait from the event to the new poll
  scheduled replacement;  // the replacement worker's, from its fork to its first poll
  std::string failure;    // non-empty when the death was not seen through
};

// Queues `payload` to a process-mode bootstrap whose RICs are all parked; with `kill_it`, kills
// the worker that took it with SIGKILL once the handler runs.
death one_death(function_run& run, unsigned rics, const std::string& payload, bool kill_it) {
  death d;
  auto failed = [&d](const char* why) {
    d.failure = why;
    return d;
  };
  if (!run.server.wait_parked(rics, 10s)) return failed("not every RIC polled within 10 s");
  const pid_t supervisor = run.process.pid();
  const auto workers = workers_of(run);
  pidfds watched(workers);
  const scheduled supervisor_before = sched_of(supervisor);
  const std::uint64_t finished_before = run.server.stats().finished;
  std::optional<clock_type::time_point> repolled;
  // Started before the event: the first check that sees it finished and every RIC parked again
  // is within microseconds of the server's change (every turn of the server notifies waiters).
  std::thread watcher([&] {
    run.server.wait_until([&](const server_stats& s) {
      if (s.finished > finished_before && s.polls_parked >= rics) repolled = clock_type::now();
      return repolled.has_value();
    }, 10s);
  });
  const std::string id = run.server.enqueue({.payload = payload});
  if (kill_it) {
    // With one RIC per worker and one worker, the only worker took it; let the handler start.
    run.server.wait_until([](const server_stats& s) { return s.running >= 1; }, 10s);
    std::this_thread::sleep_for(20ms);
    d.killed_at = clock_type::now();
    ::kill(workers.at(0), SIGKILL);
  }
  auto died = watched.wait_any(10s);
  watcher.join();
  auto done = run.server.wait_finished(id, 10s);
  if (!died) return failed("no worker died within 10 s");
  if (!repolled) return failed("the RICs did not all poll again within 10 s");
  if (!done || !done->answer) return failed("the invocation was not answered");
  const scheduled supervisor_after = sched_of(supervisor);
  d.supervisor = {supervisor_after.on_cpu_ms - supervisor_before.on_cpu_ms,
                  supervisor_after.waiting_ms - supervisor_before.waiting_ms};
  for (pid_t pid : workers_of(run)) {
    if (std::find(workers.begin(), workers.end(), pid) == workers.end()) d.replacement = sched_of(pid);
  }
  d.invocation = *done;
  d.died_at = *died;
  d.repolled_at = *repolled;
  return d;
}

double worst(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

// Medians over `count` deaths of one kind; every death on one line. Times run from a moment the
// bench knows exactly: the server's answer to a crash (the crash handler's last act), or the
// kill. The moment of death is only seen through a pidfd, as late as this process gets a CPU
// on a busy machine: it is shown, but no figure starts from it.
struct death_figures {
  double answered = 0;  // crash: delivered -> answered; kill: killed -> answered
  double repolled = 0;  // crash: answered -> every RIC polling again; kill: killed -> every RIC polling again
};

death_figures report_death_kind(const char* title, unsigned rics, const std::string& payload, bool kill_it, int count) {
  function_run run(isolation::process, rics);
  std::vector<double> answered, dying, repolled, sup_cpu, sup_wait, new_cpu, new_wait;
  std::map<std::string, int> types;
  std::printf("   %s at N=%u, per death (ms):\n", title, rics);
  std::printf("     #   %s  %s  %s   supervisor cpu/queued   replacement cpu/queued\n",
              kill_it ? " kill->answered" : "deliv->answered", kill_it ? "    kill->dead" : "answered->dead",
              kill_it ? " kill->polling" : "ans.->polling");
  for (int i = 0; i < count; ++i) {
    const death d = one_death(run, rics, payload, kill_it);
    if (!d.failure.empty()) {
      std::printf("    %2d   not seen through: %s\n", i + 1, d.failure.c_str());
      continue;
    }
    const auto& inv = d.invocation;
    ++types[inv.answer->error_type.empty() ? "(none)" : inv.answer->error_type];
    const clock_type::time_point from = kill_it ? d.killed_at : inv.finished_at;
    answered.push_back(ms_between(kill_it ? d.killed_at : inv.delivered_at, inv.finished_at));
    dying.push_back(ms_between(from, d.died_at));
    repolled.push_back(ms_between(from, d.repolled_at));
    sup_cpu.push_back(d.supervisor.on_cpu_ms);
    sup_wait.push_back(d.supervisor.waiting_ms);
    new_cpu.push_back(d.replacement.on_cpu_ms);
    new_wait.push_back(d.replacement.waiting_ms);
    std::printf("    %2d   %14.3f  %14.3f  %13.3f   %10.3f / %-8.3f   %10.3f / %-8.3f\n", i + 1, answered.back(),
                dying.back(), repolled.back(), sup_cpu.back(), sup_wait.back(), new_cpu.back(), new_wait.back());
  }
  std::printf("     median %12.3f  %14.3f  %13.3f   %10.3f / %-8.3f   %10.3f / %-8.3f\n", median(answered),
              median(dying), median(repolled), median(sup_cpu), median(sup_wait), median(new_cpu), median(new_wait));
  std::printf("     best   %12.3f  %14.3f  %13.3f\n", best(answered), best(dying), best(repolled));
  std::printf("     worst  %12.3f  %14.3f  %13.3f\n", worst(answered), worst(dying), worst(repolled));
  std::printf("     answers:");
  for (const auto& [type, n] : types) std::printf(" %s x%d", type.c_str(), n);
  std::printf("\n");
  return {median(answered), median(repolled)};
}

// 3. A worker's death: a crash the runtime reports ({"crash":true}, SIGSEGV), and a SIGKILL the
// supervisor answers for. Times from the server's record, from a pidfd on the worker, and from
// the first moment the server shows every RIC polling again; CPU and run-queue wait from schedstat.
void report_deaths() {
  const int deaths = 20;
  std::printf("\n3. A worker's death, process mode, %d of each:\n", deaths);
  auto crash = report_death_kind("{\"crash\":true} (the crash handler answers, then the worker dies of SIGSEGV)", 2,
                                 R"({"crash":true})", false, deaths);
  results.crash_answered_ms = crash.answered;
  results.crash_repolled_ms = crash.repolled;
  auto kill = report_death_kind("SIGKILL of the worker mid-invocation (the supervisor answers for it)", 1,
                                R"({"sleep_ms":5000})", true, deaths);
  results.kill_answered_ms = kill.answered;
  results.kill_repolled_ms = kill.repolled;
}

void report_summary() {
  const auto& r = results;
  std::printf("\nsummary                                     threads     process   process/threads   goal\n");
  if (r.cpu_threads_best > 0) {
    std::printf("  CPU per invocation, N=8, best (us)      %9.2f   %9.2f   %15.3f   <= 1.15x\n", r.cpu_threads_best,
                r.cpu_process_best, r.cpu_process_best / r.cpu_threads_best);
    std::printf("  CPU per invocation, N=8, median (us)    %9.2f   %9.2f   %15.3f   <= 1.15x\n", r.cpu_threads_median,
                r.cpu_process_median, r.cpu_process_median / r.cpu_threads_median);
    std::printf("  CPU, median of the paired rounds' ratios                        %9.3f   <= 1.15x\n",
                r.cpu_round_ratio_median);
  }
  if (r.syscalls_threads > 0) {
    std::printf("  system calls per invocation, N=8        %9.2f   %9.2f   %15.3f   4\n", r.syscalls_threads,
                r.syscalls_process, r.syscalls_process / r.syscalls_threads);
  }
  if (r.mem_threads.pss_kib > 0) {
    std::printf("  tree PSS, N=64 (MiB)                    %9.2f   %9.2f   %15.2f   <= 16 MiB\n",
                r.mem_threads.pss_kib / 1024.0, r.mem_process.pss_kib / 1024.0,
                double(r.mem_process.pss_kib) / r.mem_threads.pss_kib);
    std::printf("  tree RSS, N=64 (MiB)                    %9.2f   %9.2f   %15.2f\n", r.mem_threads.rss_kib / 1024.0,
                r.mem_process.rss_kib / 1024.0, double(r.mem_process.rss_kib) / r.mem_threads.rss_kib);
    std::printf("  page tables, N=64 (MiB, not in PSS)     %9.2f   %9.2f   %15.2f\n",
                r.mem_threads.page_tables_kib / 1024.0, r.mem_process.page_tables_kib / 1024.0,
                double(r.mem_process.page_tables_kib) / r.mem_threads.page_tables_kib);
  }
  if (r.crash_repolled_ms > 0) {
    std::printf("  crash: delivered -> answered (ms, median)                  %9.3f\n", r.crash_answered_ms);
    std::printf("  crash: answered -> polling again (ms, median)              %9.3f\n", r.crash_repolled_ms);
    std::printf("  SIGKILL: killed -> answered (ms, median)                   %9.3f\n", r.kill_answered_ms);
    std::printf("  SIGKILL: killed -> polling again (ms, median)              %9.3f\n", r.kill_repolled_ms);
  }
}

}  // namespace

// With arguments, only the parts they name: cpu, syscalls, memory, deaths (e.g. to profile one).
int main(int argc, char** argv) {
  const std::vector<std::string> parts(argv + 1, argv + argc);
  auto wanted = [&](const char* part) { return parts.empty() || std::find(parts.begin(), parts.end(), part) != parts.end(); };
  // As on Lambda: a crashing worker writes no core file, which would make its death slow.
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  std::printf("isolation_bench: %s\n", echo.c_str());
  if (wanted("cpu")) report_cpu();
  if (wanted("syscalls")) report_syscalls();
  if (wanted("memory")) report_memory();
  if (wanted("deaths")) report_deaths();
  report_summary();
}

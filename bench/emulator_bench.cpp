// How much CPU the emulator spends per invocation, next to the bootstrap's, for the echo example
// at N = 1 (classic) and N = 8 (Managed Instances). Runs the real lambda-emulator twice per N,
// with few and with many events, and reports the difference divided by the extra invocations,
// so start-up and shutdown costs cancel out. Best (lowest CPU) of several repetitions.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "../tools/emulator/child_process.hpp"

namespace {

using namespace lambda::emulator;

constexpr std::size_t few = 2000;
constexpr std::size_t many = 22000;
constexpr int repetitions = 3;

struct run_cost {
  double emulator_us = 0;   // CPU in total, microseconds
  double bootstrap_us = 0;
  double per_second = 0;
};

std::string write_events(std::size_t count) {
  std::string path = "/tmp/emulator-bench-" + std::to_string(::getpid()) + "-" + std::to_string(count) + ".jsonl";
  std::ofstream out(path);
  for (std::size_t i = 0; i < count; ++i) {
    out << R"({"id":)" << i << R"(,"source":"aws:sqs","body":"a realistic little message of about a hundred bytes, give or take"})"
        << '\n';
  }
  return path;
}

std::optional<double> number_after(const std::string& text, const std::string& label) {
  auto at = text.find(label);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + label.size()));
}

std::optional<run_cost> run_once(const std::string& emulator, const std::string& bootstrap,
                                 const std::string& events, int concurrency) {
  std::vector<std::string> argv = {emulator, "--events", events, "--log-level", "WARN"};
  if (concurrency > 1) argv.insert(argv.end(), {"--concurrency", std::to_string(concurrency)});
  argv.insert(argv.end(), {"--", bootstrap});
  child_process child({.argv = argv, .env = {"PATH=/usr/bin:/bin"}});
  auto status = child.wait_exit(std::chrono::minutes(5));
  child.wait_output(child_process::stream::err, "bootstrap: ", std::chrono::seconds(5));
  std::string err = child.stderr_text();
  auto emulator_ms = number_after(err, "CPU time: emulator ");
  auto bootstrap_ms = number_after(err, " ms, bootstrap ");
  auto rate_at = err.find(" invocations/s");
  if (!status || !status->success() || !emulator_ms || !bootstrap_ms || rate_at == std::string::npos) {
    std::fprintf(stderr, "emulator_bench: the emulator run failed:\n%s\n", err.c_str());
    return std::nullopt;
  }
  auto rate_begin = err.rfind(' ', rate_at - 1) + 1;
  return run_cost{*emulator_ms * 1e3, *bootstrap_ms * 1e3, std::stod(err.substr(rate_begin, rate_at - rate_begin))};
}

std::optional<run_cost> best_of(const std::string& emulator, const std::string& bootstrap,
                                const std::string& events, int concurrency) {
  std::optional<run_cost> best;
  for (int i = 0; i < repetitions; ++i) {
    auto cost = run_once(emulator, bootstrap, events, concurrency);
    if (!cost) return std::nullopt;
    if (!best || cost->emulator_us + cost->bootstrap_us < best->emulator_us + best->bootstrap_us) best = cost;
  }
  return best;
}

}  // namespace

int main() {
  auto build = std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path();
  std::string emulator = build / "lambda-emulator";
  std::string echo = build / "examples/echo/bootstrap";
  std::string few_events = write_events(few);
  std::string many_events = write_events(many);
  std::printf("CPU per invocation, echo example, ~130-byte events, logging at WARN: marginal cost from\n"
              "%zu to %zu invocations, best of %d runs\n\n", few, many, repetitions);
  std::printf("%-4s %16s %16s %18s\n", "N", "emulator us/inv", "bootstrap us/inv", "invocations/s");
  int status = 0;
  for (int concurrency : {1, 8}) {
    auto small = best_of(emulator, echo, few_events, concurrency);
    auto large = best_of(emulator, echo, many_events, concurrency);
    if (!small || !large) {
      status = 1;
      break;
    }
    double extra = static_cast<double>(many - few);
    std::printf("%-4d %16.2f %16.2f %18.0f\n", concurrency, (large->emulator_us - small->emulator_us) / extra,
                (large->bootstrap_us - small->bootstrap_us) / extra, large->per_second);
  }
  std::filesystem::remove(few_events);
  std::filesystem::remove(many_events);
  return status;
}

// What the benches read of a process from /proc.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

namespace lambda::bench {

// The /proc/PID/task/TID folders of a process; none once it has gone (no exception: a process
// may end while it is read).
inline std::vector<std::filesystem::path> tasks_of(pid_t pid) {
  std::vector<std::filesystem::path> tasks;
  std::error_code error;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/task", error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) tasks.push_back(it->path());
  return tasks;
}

// CPU time of every thread of `pid` so far, in nanoseconds (schedstat: more precise than ticks).
inline double cpu_ns(pid_t pid) {
  double total = 0;
  for (const auto& task : tasks_of(pid)) {
    std::ifstream in(task / "schedstat");
    double on_cpu = 0;
    if (in >> on_cpu) total += on_cpu;
  }
  return total;
}

// A "Name: value kB" field of /proc/PID/status (VmRSS, VmHWM, …), or -1.
inline long status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

}  // namespace lambda::bench

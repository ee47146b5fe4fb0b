// lambda-emulator serving on an ephemeral loopback port, for tests that call it over HTTP: in
// serve mode (`--serve`, Lambda's invoke API) or as an API Gateway HTTP API (`--http`).
#pragma once

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../../tools/emulator/child_process.hpp"

namespace lambda::test {

class served_emulator {
 public:
  // args: the emulator's path, "--serve" or "--http", then its options, "--" and the bootstrap
  // (the address, 127.0.0.1:0, is put after the mode). env: the environment beyond PATH.
  served_emulator(std::vector<std::string> args, std::vector<std::string> env, std::chrono::milliseconds wait)
      : wait_(wait) {
    args.insert(args.begin() + 2, "127.0.0.1:0");
    env.push_back("PATH=/usr/bin:/bin");
    child_ = std::make_unique<emulator::child_process>(emulator::child_options{.argv = args, .env = env});
    // Both modes' banners name the address in a curl line, then say how to stop.
    if (!child_->wait_output(emulator::child_process::stream::err, "Ctrl-C stops\n", wait)) return;
    std::string err = child_->stderr_text();
    auto at = err.find("http://", err.find("curl "));
    if (at == std::string::npos) return;
    at += 7;
    address_ = err.substr(at, err.find('/', at) - at);
  }
  // Stops it as Ctrl-C does, unless the test already did.
  ~served_emulator() {
    if (child_->status()) return;
    child_->signal(SIGINT);
    child_->wait_exit(wait_);
  }

  // host:port, or empty if the emulator never said where it listens (see process().stderr_text()).
  const std::string& address() const { return address_; }
  emulator::child_process& process() { return *child_; }

 private:
  std::chrono::milliseconds wait_;
  std::unique_ptr<emulator::child_process> child_;
  std::string address_;
};

}  // namespace lambda::test

// A program for log_at_exit_test: it logs from every place a process still runs code after its
// work is done. Global and atexit records come after main returns (or, with LOG_AT_EXIT=exit,
// from inside exit()); thread_local destructors log as their threads end, some constructed
// before the thread's first record and some after, and so does a pthread key destructor that
// runs after the logger's own.
#include <pthread.h>

#include <cstdlib>
#include <string_view>
#include <thread>

#include <lambda/log.hpp>

namespace {

struct logs_when_destroyed {
  const char* words;
  ~logs_when_destroyed() { lambda::log::info("{}", words).field("from", "destructor"); }
};

logs_when_destroyed global{"global destructor"};

// Made after the logger's key, so glibc runs its destructor after the logger's.
pthread_key_t late_key() {
  static const pthread_key_t key = [] {
    pthread_key_t k{};
    ::pthread_key_create(&k, [](void*) { lambda::log::info("pthread key destructor"); });
    return k;
  }();
  return key;
}

void thread_work(const char* name) {
  thread_local logs_when_destroyed before{"thread_local made before the first record"};
  lambda::log::info("{} logs", name);
  thread_local logs_when_destroyed after{"thread_local made after the first record"};
  ::pthread_setspecific(late_key(), &after);
}

}  // namespace

int main() {
  std::atexit([] { lambda::log::info("atexit handler"); });
  thread_local logs_when_destroyed main_before{"main thread_local made before the first record"};
  lambda::log::info("main starts");
  thread_local logs_when_destroyed main_after{"main thread_local made after the first record"};
  std::thread(thread_work, "a std::thread").join();
  // A thread whose only record comes from a thread_local destructor.
  std::thread([] { thread_local logs_when_destroyed only{"thread_local on a thread that never logged"}; }).join();
  lambda::log::info("main ends");
  const char* how = std::getenv("LOG_AT_EXIT");
  if (how && std::string_view(how) == "exit") std::exit(0);
  return 0;
}

#include "runtime/crash.hpp"

#include <elf.h>
#include <execinfo.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <lambda/runtime.hpp>

#include "log/signal_safe.hpp"

namespace lambda::detail {

// A seqlock per slot, its words atomics: a reader never sees half an id, and never races. Each
// slot has one writer at a time (its RIC; the supervisor only once the RIC's worker is dead), so
// the writer only stores, with no locked instruction: a store to a line that is cold (as after a
// switch from another process) waits in the store buffer instead of stalling the RIC. Every
// store after the odd mark is a release (a plain store on x86), so none is seen before the mark:
// a reader that sees one sees the sequence move. Slots start on cache lines of their own, so
// RICs on different cores never share one.
struct alignas(64) flight_table::slot {
  static constexpr std::size_t words = max_id / 8;
  std::atomic<std::uint32_t> sequence{0};  // odd while the RIC writes
  std::atomic<std::uint32_t> length{0};
  std::atomic<std::uint64_t> begun{0};
  std::atomic<std::uint64_t> id[words];

  // Marks the slot as being written, and returns the sequence to store once it is whole. A
  // writer that died mid-write left the sequence odd: the next one carries on from there.
  std::uint32_t open() noexcept {
    const std::uint32_t even = (sequence.load(std::memory_order_relaxed) + 1) & ~1u;
    sequence.store(even + 1, std::memory_order_relaxed);
    return even + 2;
  }
  void close(std::uint32_t next) noexcept { sequence.store(next, std::memory_order_release); }
};

flight_table::flight_table(unsigned rics) : rics_(rics), bytes_(sizeof(slot) * (rics + 1)) {
  void* memory = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mapping the flight table");
  slots_ = static_cast<slot*>(memory);  // zero-filled: every slot runs nothing
}

flight_table::~flight_table() { ::munmap(slots_, bytes_); }

void flight_table::begin(unsigned ric, std::string_view request_id) noexcept {
  slot& s = slots_[ric];
  const std::size_t length = request_id.size() < max_id ? request_id.size() : max_id;
  const std::uint32_t next = s.open();
  for (std::size_t at = 0; at < length; at += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, request_id.data() + at, length - at < 8 ? length - at : 8);
    s.id[at / 8].store(word, std::memory_order_release);
  }
  s.length.store(static_cast<std::uint32_t>(length), std::memory_order_release);
  s.begun.store(s.begun.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  s.close(next);
}

std::uint64_t flight_table::begun(unsigned ric) const noexcept {
  return ric == 0 || ric > rics_ ? 0 : slots_[ric].begun.load(std::memory_order_relaxed);
}

void flight_table::end(unsigned ric) noexcept {
  slot& s = slots_[ric];
  const std::uint32_t next = s.open();
  s.length.store(0, std::memory_order_release);
  s.close(next);
}

std::size_t flight_table::running(unsigned ric, char (&out)[max_id]) const noexcept {
  if (ric == 0 || ric > rics_) return 0;
  const slot& s = slots_[ric];
  // A writer is never stopped for long (a few stores), unless it is the thread that crashed: a
  // bounded number of tries, then the slot counts as empty.
  for (int tries = 0; tries < 1000; ++tries) {
    const std::uint32_t before = s.sequence.load(std::memory_order_acquire);
    if (before % 2 != 0) continue;
    // Acquire loads: the second look at the sequence cannot move before them.
    const std::size_t length = s.length.load(std::memory_order_acquire);
    for (std::size_t at = 0; at < length; at += 8) {
      const std::uint64_t word = s.id[at / 8].load(std::memory_order_acquire);
      std::memcpy(out + at, &word, length - at < 8 ? length - at : 8);
    }
    if (s.sequence.load(std::memory_order_relaxed) == before) return length;
  }
  return 0;
}

namespace {

constexpr int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr std::size_t alternate_stack_bytes = 64 * 1024;
constexpr int max_frames = 64;
constexpr int answer_wait_ms = 2000;  // for the platform's answer to the crash's /error

// What the handler reads, set once before any RIC runs.
flight_table* flights = nullptr;
const http::endpoint* api = nullptr;
struct sigaction previous[std::size(crash_signals)];
char build_id[41];                  // hex, from the executable's NT_GNU_BUILD_ID note
std::uintptr_t load_base = 0;       // where the executable is mapped (0 unless it is PIE)
thread_local unsigned current_ric = 0;
std::atomic<bool> reporting{false};

// The record and the /error request are built here, not on the (alternate) stack.
char fields[48 * 1024];
char record[56 * 1024];
char request[8 * 1024];

// Appends to a fixed buffer; what does not fit is dropped.
struct text {
  char* data;
  std::size_t capacity;
  std::size_t size = 0;

  void add(std::string_view s) noexcept {
    for (char c : s) {
      if (size < capacity) data[size++] = c;
    }
  }
  void add_number(std::uint64_t n, int base = 10) noexcept {
    char digits[24];
    int count = 0;
    do {
      digits[count++] = "0123456789abcdef"[n % static_cast<unsigned>(base)];
      n /= static_cast<unsigned>(base);
    } while (n != 0);
    while (count > 0) add({&digits[--count], 1});
  }
  void add_hex(std::uintptr_t n) noexcept {
    add("0x");
    add_number(n, 16);
  }
  bool full() const noexcept { return size == capacity; }
  std::string_view view() const noexcept { return {data, size}; }
};

struct signal_description {
  const char* name;
  const char* what;
  const char* error_type;
};

signal_description describe(int sig) noexcept {
  switch (sig) {
    case SIGSEGV: return {signal_name(sig), "segmentation fault", "Runtime.SegmentationFault"};
    case SIGBUS: return {signal_name(sig), "bus error", "Runtime.BusError"};
    case SIGFPE: return {signal_name(sig), "arithmetic exception", "Runtime.ArithmeticError"};
    case SIGILL: return {signal_name(sig), "illegal instruction", "Runtime.IllegalInstruction"};
    default: return {signal_name(SIGABRT), "aborted", "Runtime.Aborted"};
  }
}

int read_build_id(dl_phdr_info* info, std::size_t, void*) {
  // The first object listed is the executable itself.
  load_base = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = info->dlpi_phdr[i];
    if (header.p_type != PT_NOTE) continue;
    const char* note = reinterpret_cast<const char*>(info->dlpi_addr + header.p_vaddr);
    const char* end = note + header.p_memsz;
    while (note + sizeof(ElfW(Nhdr)) <= end) {
      const auto* n = reinterpret_cast<const ElfW(Nhdr)*>(note);
      const char* name = note + sizeof(ElfW(Nhdr));
      const char* desc = name + ((n->n_namesz + 3) & ~3u);
      if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
        const auto* bytes = reinterpret_cast<const unsigned char*>(desc);
        std::size_t at = 0;
        for (std::size_t b = 0; b < n->n_descsz && at + 2 < sizeof build_id; ++b) {
          build_id[at++] = "0123456789abcdef"[bytes[b] >> 4];
          build_id[at++] = "0123456789abcdef"[bytes[b] & 15];
        }
        return 1;
      }
      note = desc + ((n->n_descsz + 3) & ~3u);
    }
  }
  return 1;
}

// The JSON members after the record's message: what crashed, where, what else was running, and
// the backtrace.
std::string_view crash_fields(int sig, const siginfo_t* info, void* const* frames, int frame_count) {
  text out{fields, sizeof fields};
  const signal_description d = describe(sig);
  out.add("\"signal\":\"");
  out.add(d.name);
  out.add("\",\"address\":\"");
  out.add_hex(reinterpret_cast<std::uintptr_t>(info->si_addr));
  out.add("\",\"inFlight\":[");
  bool first = true;
  for (unsigned ric = 1; ric <= flights->rics(); ++ric) {
    char id[flight_table::max_id];
    const std::size_t length = ric == current_ric ? 0 : flights->running(ric, id);
    if (length == 0) continue;
    if (!first) out.add(",");
    first = false;
    out.add("\"");
    out.add({id, length});  // request ids are RFC 3986 unreserved characters: nothing to escape
    out.add("\"");
    if (out.size + 512 + 24 * max_frames > out.capacity) break;  // room for the rest
  }
  out.add("],\"buildId\":\"");
  out.add(build_id);
  out.add("\",\"loadBase\":\"");
  out.add_hex(load_base);
  out.add("\",\"backtrace\":[");
  for (int i = 0; i < frame_count; ++i) {
    if (i > 0) out.add(",");
    out.add("\"");
    out.add_hex(reinterpret_cast<std::uintptr_t>(frames[i]));
    out.add("\"");
  }
  out.add("]");
  return out.view();
}

// Posts the crash as the invocation's error over a fresh connection, and waits (bounded) for
// the platform's answer so it is not cut off by the process's death. Returns whether it was
// accepted (2xx).
bool post_crash(std::string_view request_id, int sig, std::string_view message, void* const* frames,
                int frame_count) {
  const signal_description d = describe(sig);
  char body_bytes[4096];
  text body{body_bytes, sizeof body_bytes};
  body.add("{\"errorMessage\":\"");
  body.add(message);
  body.add("\",\"errorType\":\"");
  body.add(d.error_type);
  body.add("\",\"stackTrace\":[");
  for (int i = 0; i < frame_count && body.size + 64 < body.capacity; ++i) {
    if (i > 0) body.add(",");
    body.add("\"");
    body.add_hex(reinterpret_cast<std::uintptr_t>(frames[i]));
    body.add("\"");
  }
  body.add("]}");

  bool accepted = false;
  text out{request, sizeof request};
  out.add("POST /2018-06-01/runtime/invocation/");
  out.add(request_id);
  out.add("/error HTTP/1.1\r\nHost: ");
  out.add(api->authority);  // the string was built at start-up: reading it allocates nothing
  out.add("\r\nUser-Agent: lambda-ric-cpp/" LAMBDA_RIC_VERSION "\r\nContent-Type: application/json\r\n");
  out.add("Lambda-Runtime-Function-Error-Type: ");
  out.add(d.error_type);
  out.add("\r\nConnection: close\r\nContent-Length: ");
  out.add_number(body.size);
  out.add("\r\n\r\n");
  out.add(body.view());
  if (out.full() || api->address_size == 0) return false;

  const auto* address = reinterpret_cast<const sockaddr*>(&api->address);
  const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  if (::connect(fd, address, api->address_size) == 0) {
    std::size_t sent = 0;
    while (sent < out.size) {
      const ssize_t n = ::send(fd, out.data + sent, out.size - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    pollfd answer{fd, POLLIN, 0};
    char status[64];
    if (sent == out.size && ::poll(&answer, 1, answer_wait_ms) == 1) {
      // "HTTP/1.1 202 Accepted": the status's first digit is the tenth byte.
      accepted = ::recv(fd, status, sizeof status, 0) >= 10 && status[9] == '2';
    }
  }
  ::close(fd);
  return accepted;
}

// Hands the signal on: to the handler that was there before ours, or to the default action. The
// signal is blocked while its handler runs, so the raise lands as this one returns (a fault
// would also come back on its own when the instruction runs again).
void pass_on(int sig) {
  for (std::size_t i = 0; i < std::size(crash_signals); ++i) {
    if (crash_signals[i] == sig) ::sigaction(sig, &previous[i], nullptr);
  }
  struct sigaction now{};
  ::sigaction(sig, nullptr, &now);
  if (now.sa_handler == SIG_IGN) {  // ignoring a crash would loop on it: the default ends it
    now.sa_handler = SIG_DFL;
    ::sigaction(sig, &now, nullptr);
  }
  ::raise(sig);
}

void on_crash(int sig, siginfo_t* info, void*) {
  if (reporting.exchange(true)) {
    // Another thread is writing its report and will end the process: let it finish.
    const timespec wait{answer_wait_ms / 1000 + 1, 0};
    ::nanosleep(&wait, nullptr);
    pass_on(sig);
    return;
  }
  const int saved_errno = errno;
  void* frames[max_frames];
  const int frame_count = ::backtrace(frames, max_frames);
  char id[flight_table::max_id];
  const std::size_t id_length = flights->running(current_ric, id);
  const std::string_view request_id(id, id_length);

  const signal_description d = describe(sig);
  char message_bytes[256];
  text message{message_bytes, sizeof message_bytes};
  message.add("the handler crashed: ");
  message.add(d.name);
  message.add(" (");
  message.add(d.what);
  message.add(")");
  if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) {
    message.add(" at address ");
    message.add_hex(reinterpret_cast<std::uintptr_t>(info->si_addr));
  }
  if (current_ric == 0) {
    message.add(" (on a thread that runs no RIC)");
  }
  log::detail::write_signal_safe(log::level::fatal, message.view(), request_id, current_ric,
                                 crash_fields(sig, info, frames, frame_count), record);
  // Answered, the invocation leaves the flight table, so a supervisor does not answer it again.
  if (!request_id.empty() && post_crash(request_id, sig, message.view(), frames, frame_count)) {
    flights->end(current_ric);
  }
  errno = saved_errno;
  pass_on(sig);
}

}  // namespace

const char* signal_name(int sig) noexcept {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    default: return nullptr;
  }
}

crash_reports::crash_reports(flight_table& table, const http::endpoint& endpoint) {
  flights = &table;
  api = &endpoint;
  if (build_id[0] == '\0') dl_iterate_phdr(read_build_id, nullptr);
  // backtrace() loads its unwinder on first use, which allocates: never first in a handler.
  void* warm_up[1];
  ::backtrace(warm_up, 1);
  struct sigaction action{};
  action.sa_sigaction = on_crash;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (std::size_t i = 0; i < std::size(crash_signals); ++i) {
    ::sigaction(crash_signals[i], &action, &previous[i]);
  }
}

crash_reports::~crash_reports() {
  for (std::size_t i = 0; i < std::size(crash_signals); ++i) ::sigaction(crash_signals[i], &previous[i], nullptr);
  flights = nullptr;
  api = nullptr;
}

crash_scope::crash_scope(unsigned ric) noexcept : previous_ric_(current_ric) {
  current_ric = ric;
  stack_t existing{};
  if (::sigaltstack(nullptr, &existing) == 0 && !(existing.ss_flags & SS_DISABLE)) return;  // the program's own
  void* memory = ::mmap(nullptr, alternate_stack_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return;  // crashes are still reported, except a stack overflow
  stack_t stack{};
  stack.ss_sp = memory;
  stack.ss_size = alternate_stack_bytes;
  if (::sigaltstack(&stack, nullptr) != 0) {
    ::munmap(memory, alternate_stack_bytes);
    return;
  }
  stack_ = memory;
}

crash_scope::~crash_scope() {
  current_ric = previous_ric_;
  if (stack_ == nullptr) return;
  stack_t off{};
  off.ss_flags = SS_DISABLE;
  ::sigaltstack(&off, nullptr);
  ::munmap(stack_, alternate_stack_bytes);
}

}  // namespace lambda::detail

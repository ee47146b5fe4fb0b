// Test inputs that end exactly at an unreadable page, so a parser reading one byte past its
// input faults at once instead of silently reading garbage.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string_view>

namespace lambda::test {

class guarded_bytes {
 public:
  explicit guarded_bytes(std::string_view bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    data_pages_ = (bytes.size() + page - 1) / page * page;
    map_size_ = data_pages_ + page;
    void* map = mmap(nullptr, map_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<char*>(map);
    if (mprotect(base_ + data_pages_, page, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
    begin_ = base_ + data_pages_ - bytes.size();
    if (!bytes.empty()) std::memcpy(begin_, bytes.data(), bytes.size());
    size_ = bytes.size();
  }
  ~guarded_bytes() { munmap(base_, map_size_); }
  guarded_bytes(const guarded_bytes&) = delete;
  guarded_bytes& operator=(const guarded_bytes&) = delete;

  std::string_view view() const { return {begin_, size_}; }
  char* data() { return begin_; }
  size_t size() const { return size_; }

 private:
  char* base_ = nullptr;
  char* begin_ = nullptr;
  size_t size_ = 0;
  size_t data_pages_ = 0;
  size_t map_size_ = 0;
};

}  // namespace lambda::test

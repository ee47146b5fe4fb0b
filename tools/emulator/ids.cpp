#include "ids.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace lambda::emulator {
namespace {

std::uint64_t random_bits() {
  static std::mutex mutex;
  static std::mt19937_64 engine{std::random_device{}()};
  std::lock_guard lock(mutex);
  return engine();
}

void append_hex(std::string& out, std::uint64_t value, int digits) {
  static constexpr char hex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += hex[(value >> shift) & 0xf];
}

}  // namespace

std::string new_uuid() {
  std::uint64_t high = random_bits();
  std::uint64_t low = random_bits();
  high = (high & ~0xf000ULL) | 0x4000ULL;                   // version 4
  low = (low & ~(0xcULL << 60)) | (0x8ULL << 60);           // variant 10xx
  std::string out;
  out.reserve(36);
  append_hex(out, high >> 32, 8);
  out += '-';
  append_hex(out, (high >> 16) & 0xffff, 4);
  out += '-';
  append_hex(out, high & 0xffff, 4);
  out += '-';
  append_hex(out, low >> 48, 4);
  out += '-';
  append_hex(out, low & 0xffffffffffffULL, 12);
  return out;
}

std::string new_trace_id() {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  std::string out = "Root=1-";
  append_hex(out, static_cast<std::uint64_t>(seconds), 8);
  out += '-';
  append_hex(out, random_bits(), 16);
  append_hex(out, random_bits(), 8);
  out += ";Parent=";
  append_hex(out, random_bits(), 16);
  out += ";Sampled=0";
  return out;
}

}  // namespace lambda::emulator

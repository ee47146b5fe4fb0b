#include "symbolise.hpp"

#include <elf.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <system_error>

#include "child_process.hpp"

namespace lambda::emulator {
namespace {

constexpr std::size_t max_line = 1 << 20;  // longer lines are passed through, not parsed

// The last `"key":"value"` in `line`: the record's fields come after its message.
std::optional<std::string_view> string_member(std::string_view line, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\":\"";
  const std::size_t at = line.rfind(quoted);
  if (at == std::string_view::npos) return std::nullopt;
  const std::size_t start = at + quoted.size();
  const std::size_t end = line.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return line.substr(start, end - start);
}

std::optional<std::uint64_t> parse_hex(std::string_view text) {
  if (!text.starts_with("0x")) return std::nullopt;
  text.remove_prefix(2);
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::string hex(std::uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
  return buffer;
}

// The facts about an ELF file that symbolising needs, from its section headers.
struct elf_facts {
  bool elf = false;
  bool symbols = false;  // a .symtab or DWARF
  std::string build_id;
};

template <typename T>
bool read_at(std::ifstream& in, std::uint64_t offset, T* into, std::size_t count = 1) {
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(into), static_cast<std::streamsize>(sizeof(T) * count));
  return static_cast<bool>(in);
}

elf_facts read_elf(const std::string& path) {
  elf_facts facts;
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr header{};
  if (!in || !read_at(in, 0, &header)) return facts;
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shnum == 0 || header.e_shstrndx >= header.e_shnum) {
    return facts;
  }
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  if (!read_at(in, header.e_shoff, sections.data(), sections.size())) return facts;
  const Elf64_Shdr& names_section = sections[header.e_shstrndx];
  if (names_section.sh_size > max_line) return facts;
  std::string names(names_section.sh_size, '\0');
  if (!read_at(in, names_section.sh_offset, names.data(), names.size())) return facts;
  facts.elf = true;
  for (const Elf64_Shdr& section : sections) {
    if (section.sh_name >= names.size()) continue;
    const std::string_view name(names.c_str() + section.sh_name);
    if (name == ".symtab" || name == ".debug_info") facts.symbols = true;
    if (name == ".note.gnu.build-id" && section.sh_size > sizeof(Elf64_Nhdr) && section.sh_size < 1024) {
      std::string note(section.sh_size, '\0');
      if (!read_at(in, section.sh_offset, note.data(), note.size())) continue;
      Elf64_Nhdr note_header;
      std::memcpy(&note_header, note.data(), sizeof note_header);
      const std::size_t desc = sizeof note_header + ((note_header.n_namesz + 3) & ~3u);
      if (desc + note_header.n_descsz > note.size()) continue;
      for (std::size_t i = 0; i < note_header.n_descsz; ++i) {
        char two[3];
        std::snprintf(two, sizeof two, "%02x", static_cast<unsigned char>(note[desc + i]));
        facts.build_id += two;
      }
    }
  }
  return facts;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace

std::optional<crash_record> parse_crash_record(std::string_view line) {
  constexpr std::string_view backtrace_key = "\"backtrace\":[";
  const std::size_t at = line.rfind(backtrace_key);
  if (at == std::string_view::npos) return std::nullopt;
  auto build_id = string_member(line.substr(0, at), "buildId");
  auto load_base = string_member(line.substr(0, at), "loadBase");
  if (!build_id || !load_base) return std::nullopt;
  crash_record record;
  record.build_id = std::string(*build_id);
  auto base = parse_hex(*load_base);
  if (!base) return std::nullopt;
  record.load_base = *base;
  std::string_view rest = line.substr(at + backtrace_key.size());
  const std::size_t close = rest.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  rest = rest.substr(0, close);
  while (!rest.empty()) {
    const std::size_t open = rest.find('"');
    if (open == std::string_view::npos) break;
    const std::size_t end = rest.find('"', open + 1);
    if (end == std::string_view::npos) return std::nullopt;
    auto address = parse_hex(rest.substr(open + 1, end - open - 1));
    if (!address) return std::nullopt;
    record.backtrace.push_back(*address);
    rest.remove_prefix(end + 1);
  }
  if (record.backtrace.empty()) return std::nullopt;
  return record;
}

crash_symboliser::crash_symboliser(std::string program, std::vector<std::string> env)
    : program_(std::move(program)), env_(std::move(env)) {}

void crash_symboliser::write(std::string_view piece) {
  while (!piece.empty()) {
    const std::size_t newline = piece.find('\n');
    const std::string_view part = piece.substr(0, newline == std::string_view::npos ? piece.size() : newline + 1);
    std::fwrite(part.data(), 1, part.size(), stderr);
    if (!line_too_long_) {
      line_.append(part.substr(0, newline == std::string_view::npos ? part.size() : part.size() - 1));
      if (line_.size() > max_line) {
        line_too_long_ = true;
        line_.clear();
      }
    }
    piece.remove_prefix(part.size());
    if (newline != std::string_view::npos) end_line();
  }
  std::fflush(stderr);
}

void crash_symboliser::end_line() {
  const bool parse = !line_too_long_ && line_.find("\"backtrace\":[") != std::string::npos;
  line_too_long_ = false;
  if (!parse) {
    line_.clear();
    return;
  }
  auto record = parse_crash_record(line_);
  line_.clear();
  if (!record) return;
  const std::string text = symbolise(*record);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

std::string crash_symboliser::symbolise(const crash_record& record) {
  if (!looked_at_program_) {
    looked_at_program_ = true;
    const elf_facts facts = read_elf(program_);
    has_symbols_ = facts.symbols;
    build_id_ = facts.build_id;
    if (!facts.elf) not_symbolised_ = program_ + " is not a 64-bit ELF file that can be read";
    else if (!facts.symbols) not_symbolised_ = program_ + " is stripped";
  }
  auto why_not = [&](const std::string& reason) -> std::string {
    if (said_why_not_) return {};
    said_why_not_ = true;
    return "lambda-emulator: the crash's backtrace is not symbolised: " + reason + "\n";
  };
  if (!has_symbols_) return why_not(not_symbolised_);
  if (!record.build_id.empty() && !build_id_.empty() && record.build_id != build_id_) {
    // Not said once only: each such crash is in some other program.
    return "lambda-emulator: the crash is in build " + record.build_id + ", not in " + program_ +
           " (build " + build_id_ + "): not symbolised\n";
  }
  std::vector<std::string> argv = {"addr2line", "-f", "-C", "-p", "-e", program_};
  // Each address twice: as it is, and one byte back. A return address is looked up at its call
  // (one back), which is the line that was running; the address a signal interrupted (the frame
  // after the signal trampoline) is the instruction itself.
  for (std::uint64_t address : record.backtrace) {
    const std::uint64_t relative = address - record.load_base;
    argv.push_back(hex(relative));
    argv.push_back(hex(relative == 0 ? 0 : relative - 1));
  }
  std::string answer;
  try {
    child_process addr2line({.argv = std::move(argv), .env = env_});
    auto status = addr2line.wait_exit(std::chrono::seconds(30));
    if (!status) return "lambda-emulator: addr2line did not answer within 30 s: the backtrace is not symbolised\n";
    if (!status->success()) {
      return "lambda-emulator: addr2line " + status->describe() + ": " + addr2line.stderr_text();
    }
    answer = addr2line.stdout_text();
  } catch (const std::system_error&) {
    return why_not("addr2line is missing (install binutils)");
  }
  const std::vector<std::string_view> frames = lines_of(answer);
  bool any_known = false;
  for (std::string_view frame : frames) any_known = any_known || !frame.starts_with("??");
  if (!any_known) return why_not("addr2line knows none of its addresses in " + program_);
  std::string out = "lambda-emulator: backtrace of the crash in " +
                    (record.build_id.empty() ? program_ : record.build_id) + ":\n";
  for (std::size_t i = 0; i < record.backtrace.size(); ++i) {
    // The trampoline itself is entered by a return, not called: it too is looked up as it is.
    auto trampoline = [&](std::size_t frame) {
      return 2 * frame < frames.size() && frames[2 * frame].starts_with("__restore_rt");
    };
    const bool exact = trampoline(i) || (i > 0 && trampoline(i - 1));
    const std::size_t answer_at = exact ? 2 * i : 2 * i + 1;
    out += "  #" + std::to_string(i) + " " + hex(record.backtrace[i]) + " ";
    out += answer_at < frames.size() ? std::string(frames[answer_at]) : std::string("??");
    out += "\n";
  }
  return out;
}

}  // namespace lambda::emulator

// Checks files with lambda::json::is_valid, e.g. a conformance suite:
//   build/json-validate test_parsing/*.json
// Prints "valid" or "invalid: <reason> at byte <offset>" for each file. Exit status: 0 when
// every file is valid, 1 when some is not, 2 when some cannot be read.
#include <lambda/json.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

namespace {

bool read_file(const char* path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  contents.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// is_valid gives the verdict; a tokenizer run over the same bytes says why.
lambda::json::parse_error first_error(std::string_view document) {
  lambda::json::tokenizer reader(document);
  for (;;) {
    const auto kind = reader.next().kind;
    if (kind == lambda::json::token_kind::end || kind == lambda::json::token_kind::error) {
      return reader.error();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  std::string contents;
  for (int i = 1; i < argc; ++i) {
    if (!read_file(argv[i], contents)) {
      std::cerr << argv[i] << ": cannot read\n";
      status = 2;
      continue;
    }
    if (lambda::json::is_valid(contents)) {
      std::cout << argv[i] << ": valid\n";
      continue;
    }
    const lambda::json::parse_error error = first_error(contents);
    std::cout << argv[i] << ": invalid: " << error.reason() << " at byte " << error.offset << '\n';
    if (status == 0) status = 1;
  }
  return status;
}

#include <cstdio>

// The command line arrives with issue 6's batch and serve modes; the server core comes first.
int main() {
  std::fputs("lambda-emulator: the command line is not written yet\n", stderr);
  return 2;
}

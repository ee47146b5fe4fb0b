// The start of a Lambda runtime written in bash, for emulator tests that need a runtime to
// answer in ways the library never would: its /dev/tcp is the HTTP client. A test appends its
// own loop, which reads each /next answer and each answer to its POSTs with read_answer (it
// sets $id, the request id, and $body).
#pragma once

#include <string>

namespace lambda::test {

inline const std::string bash_runtime_start = R"(
export LC_ALL=C
IFS=: read -r host port <<< "$AWS_LAMBDA_RUNTIME_API"
exec 3<>"/dev/tcp/$host/$port"
read_answer() {
  local line length=0
  id=
  while IFS= read -r line <&3; do
    line=${line%$'\r'}
    [[ -z $line ]] && break
    case ${line,,} in
      lambda-runtime-aws-request-id:*) id=${line#*: } ;;
      content-length:*) length=${line#*: } ;;
    esac
  done
  body=
  (( length > 0 )) && read -r -N "$length" body <&3
}
)";

}  // namespace lambda::test

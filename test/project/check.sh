#!/usr/bin/env bash
# A user's own project, from this checkout, the way the README's "Your own project" goes (CI runs
# it after the suites): `make new` into a temporary folder, build, run under the emulator, curl
# it through the emulator's --http, package; the zip's layout and its reproducibility; arm64 cross-built and run
# under qemu-aarch64-static against this machine's emulator, the project and the examples, at
# N = 1 and N = 8; a CMake project that uses add_subdirectory. One line per check; the first
# failure stops it with the reason. SKIP_ARM64=1 or SKIP_CMAKE=1 leave those parts out.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
jobs=$(nproc)
tmp=$(mktemp -d)
serve_pid=
cleanup() {
  [ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "check-project: ok: $*"; }
fail() {
  echo "check-project: FAIL: $*" >&2
  exit 1
}
# quiet LOG COMMAND...: runs it with its output in LOG, shown only when it fails.
quiet() {
  local log=$1
  shift
  "$@" > "$log" 2>&1 || { tail -n 40 "$log" >&2; fail "'$*' failed (log above, $log)"; }
}
# has REGEX TEXT: a line of TEXT matches (no pipe into grep -q: with pipefail, the writer's
# SIGPIPE when grep stops early would count as a failure).
has() { grep -Eq -- "$1" <<< "$2"; }
# The zip's single entry is bootstrap, at its root, -rwxr-xr-x.
check_layout() {
  local zip=$1
  [ "$(unzip -Z1 "$zip")" = bootstrap ] || fail "$zip holds $(unzip -Z1 "$zip" | tr '\n' ' ')instead of only bootstrap"
  has '^-rwxr-xr-x .* bootstrap$' "$(unzip -Z "$zip")" || fail "$zip: bootstrap is not -rwxr-xr-x: $(unzip -Z "$zip")"
  ok "$zip: bootstrap at its root, -rwxr-xr-x"
}
is_static() { ! has 'program interpreter' "$(readelf -l "$1")"; }
is_aarch64() { has 'Machine: +AArch64' "$(readelf -h "$1")"; }
# check_run NAME OUT EVENTS N: the emulator's output OUT has one ok answer per event.
check_run() {
  local name=$1 out=$2 events=$3 n=$4 lines
  lines=$(grep -c . "$events")
  [ "$(grep -c '"status":"ok"' "$out")" -eq "$lines" ] || fail "$name at N = $n: not $lines ok answers: $(cat "$out")"
}

quiet "$tmp/native.log" make -j"$jobs" tools
emulator=$repo/build/lambda-emulator

# 1. make new, then the project's own make.
project=$tmp/greeter
quiet "$tmp/new.log" make --no-print-directory new NAME=greeter DIR="$project"
for f in Makefile main.cpp README.md events/requests.jsonl events/apigw-v2.json; do
  [ -f "$project/$f" ] || fail "make new wrote no $f"
done
ric=$(sed -n 's/^LAMBDA_RIC ?= //p' "$project/Makefile")
[ "$(cd "$project" && realpath "$ric")" = "$repo" ] || fail "the Makefile's LAMBDA_RIC is not this checkout: $ric"
ok "make new wrote Makefile, main.cpp, README.md and events/ into a new folder"
if make --no-print-directory new NAME=greeter DIR="$project" > "$tmp/again.log" 2>&1; then
  fail "make new wrote into a folder that was not empty"
fi
grep -q 'not an empty folder' "$tmp/again.log" || fail "make new refused without saying why: $(cat "$tmp/again.log")"
ok "make new refuses a folder that is not empty: $(grep 'make new' "$tmp/again.log")"

quiet "$tmp/build.log" make -C "$project" -j"$jobs"
is_static "$project/build/greeter/bootstrap" || fail "build/greeter/bootstrap is not static"
has '-std=c\+\+17 .*main\.cpp' "$(cat "$tmp/build.log")" || fail "main.cpp was not compiled as C++17"
if has '/src .*main\.cpp' "$(cat "$tmp/build.log")"; then fail "main.cpp sees the library's private src/: $(grep main.cpp "$tmp/build.log")"; fi
ok "make: a static build/greeter/bootstrap; main.cpp compiled as C++17 with include/ only"

quiet "$tmp/run.log" make -C "$project" --no-print-directory run
if grep -Eq -- '-c [^ ]*/src/[a-z]+/[a-z_]+\.cpp' "$tmp/run.log"; then fail "building the emulator compiled the library again: $(grep -- ' -c ' "$tmp/run.log")"; fi
make -C "$project" --no-print-directory -q all || fail "make is not done after one build: it would build again"
check_run "make run" "$tmp/run.log" "$project/events/requests.jsonl" 4
for answer in 'Hello, Ada!' 'Hello, Grace!' '"statusCode":404'; do
  grep -qF "$answer" "$tmp/run.log" || fail "make run: no answer with $answer: $(cat "$tmp/run.log")"
done
ok "make run: the emulator (linking the library built once) answered the 3 sample events"
quiet "$tmp/event.log" make -C "$project" --no-print-directory event
grep -qF 'Hello, Grace Hopper!' "$tmp/event.log" || fail "make event: no greeting for events/apigw-v2.json: $(cat "$tmp/event.log")"
ok "make event: the pretty-printed events/apigw-v2.json answered through --event"

# 2. make serve's --http and curl, as the README shows it (port 0: a free one, read from the banner).
mkfifo "$tmp/banner"
"$emulator" --http 127.0.0.1:0 -- "$project/build/greeter/bootstrap" > "$tmp/serve.out" 2> "$tmp/banner" &
serve_pid=$!
exec 3< "$tmp/banner"
address=
while IFS= read -r -t 20 line <&3; do
  echo "$line" >> "$tmp/serve.err"
  if [[ $line =~ curl\ \'http://([^/ ]+)/ ]]; then
    address=${BASH_REMATCH[1]}
    break
  fi
done
[ -n "$address" ] || fail "--http printed no address: $(cat "$tmp/serve.err" 2>/dev/null)"
cat <&3 >> "$tmp/serve.err" &
answer=$(curl -sS --max-time 20 "http://$address/hello?name=Ada") || fail "curl GET to --http failed"
[[ $answer == '{"message":"Hello, Ada!"}' ]] || fail "curl GET /hello?name=Ada got $answer"
posted=$(curl -sS --max-time 20 -d '{"name":"Grace"}' "http://$address/hello") || fail "curl POST to --http failed"
[[ $posted == '{"message":"Hello, Grace!"}' ]] || fail "curl POST /hello got $posted"
kill -INT "$serve_pid"
wait "$serve_pid" || true
serve_pid=
exec 3<&-
ok "--http: curl GET /hello?name=Ada got $answer, POST /hello got $posted"

# 3. The zip: layout, and the same bytes from a rebuild at another time, in another time zone.
quiet "$tmp/package.log" make -C "$project" package
zip=$project/build/greeter.zip
check_layout "$zip"
cp "$zip" "$tmp/first.zip"
rm -rf "$project/build/obj" "$project/build/greeter" "$zip"
quiet "$tmp/rebuild.log" make -C "$project" greeter
touch -d '2001-02-03 04:05:06' "$project/build/greeter/bootstrap"
TZ=Pacific/Auckland quiet "$tmp/package2.log" make -C "$project" package
cmp "$tmp/first.zip" "$zip" || fail "a second build and packaging gave other bytes"
ok "greeter.zip rebuilt and packaged again (other mtime and time zone): the same $(stat -c %s "$zip") bytes, sha256 $(sha256sum < "$zip" | cut -c1-16)"

# 4. arm64: the examples and the project, cross-built into build/arm64 (the project reuses that
# library: one arm64 compile of it), run under qemu with this machine's emulator.
if [ "${SKIP_ARM64:-}" != 1 ]; then
  qemu=$(command -v qemu-aarch64-static) || fail "no qemu-aarch64-static (apt-get install qemu-user-static)"
  quiet "$tmp/arm64.log" make -j"$jobs" WERROR=1 ARCH=arm64 examples
  is_aarch64 build/arm64/examples/echo/bootstrap || fail "build/arm64/examples/echo/bootstrap is not AArch64"
  is_static build/arm64/examples/echo/bootstrap || fail "build/arm64/examples/echo/bootstrap is not static"
  ok "make ARCH=arm64: static AArch64 bootstraps in build/arm64/examples"

  printf '%s\n' '{"n":1}' '{"name":"Ada","tags":["a","b"]}' '{"nested":{"depth":[1,2,3]}}' '{"n":4}' > "$tmp/echo.jsonl"
  tr -d '\n' < examples/events/http/apigw-v2.json > "$tmp/http.jsonl" && echo >> "$tmp/http.jsonl"
  tr -d '\n' < examples/events/sqs.json > "$tmp/sqs.jsonl" && echo >> "$tmp/sqs.jsonl"
  for run in "hello examples/hello/events.jsonl" "echo $tmp/echo.jsonl" "http-api $tmp/http.jsonl" "sqs-batch $tmp/sqs.jsonl"; do
    read -r example events <<< "$run"
    for n in 1 8; do
      out=$tmp/$example-$n.out
      "$emulator" --concurrency "$n" --repeat 4 --events "$events" -- "$qemu" "build/arm64/examples/$example/bootstrap" > "$out" 2> "$out.err" ||
        fail "examples/$example (arm64, qemu) at N = $n: $(tail -n 20 "$out.err") $(cat "$out")"
      [ "$(grep -c '"status":"ok"' "$out")" -eq $((4 * $(grep -c . "$events"))) ] || fail "examples/$example at N = $n: $(cat "$out")"
    done
    ok "examples/$example (arm64 under qemu) answered every event at N = 1 and N = 8"
  done
  grep -qF '"response":{"name":"Ada","tags":["a","b"]}' "$tmp/echo-8.out" || fail "echo (arm64) did not echo: $(cat "$tmp/echo-8.out")"

  arm_build=$repo/build/arm64
  quiet "$tmp/arm64-run.log" make -C "$project" --no-print-directory ARCH=arm64 BUILD="$arm_build" run
  grep -q qemu-aarch64-static "$tmp/arm64-run.log" || fail "make run ARCH=arm64 did not run under qemu: $(cat "$tmp/arm64-run.log")"
  check_run "make run ARCH=arm64" "$tmp/arm64-run.log" "$project/events/requests.jsonl" 4
  grep -qF 'Hello, Ada!' "$tmp/arm64-run.log" || fail "make run ARCH=arm64: no greeting: $(cat "$tmp/arm64-run.log")"
  ok "make run ARCH=arm64: the project's arm64 bootstrap under qemu answered the sample events"
  quiet "$tmp/arm64-package.log" make -C "$project" ARCH=arm64 BUILD="$arm_build" package
  check_layout "$arm_build/greeter.zip"
  unzip -p "$arm_build/greeter.zip" bootstrap > "$tmp/arm64-bootstrap"
  is_aarch64 "$tmp/arm64-bootstrap" || fail "the arm64 zip's bootstrap is not AArch64"
  ok "make package ARCH=arm64: an AArch64 bootstrap of $(stat -c %s "$tmp/arm64-bootstrap") bytes"
  rm -rf "$arm_build/greeter" "$arm_build/greeter.zip" "$arm_build/obj/main.o" "$arm_build/obj/main.d"
fi

# 5. CMake: add_subdirectory gives lambda::runtime and lambda_add_function.
if [ "${SKIP_CMAKE:-}" != 1 ]; then
  command -v cmake > /dev/null || fail "no cmake (apt-get install cmake)"
  consumer=$tmp/cmake
  mkdir -p "$consumer"
  cp "$project/main.cpp" "$consumer/"
  cat > "$consumer/CMakeLists.txt" << EOF
cmake_minimum_required(VERSION 3.16)
project(greeter LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
add_subdirectory($repo lambda-ric-cpp)
lambda_add_function(greeter main.cpp)
EOF
  quiet "$tmp/cmake-configure.log" cmake -S "$consumer" -B "$consumer/build"
  quiet "$tmp/cmake-build.log" cmake --build "$consumer/build" -j "$jobs"
  flags=$consumer/build/CMakeFiles/greeter.dir/flags.make
  grep -q 'std=[a-z]*++17' "$flags" || fail "CMake compiled main.cpp without C++17: $(cat "$flags")"
  if grep -q -- "-I$repo/src\b" "$flags"; then fail "CMake gave main.cpp the library's private src/: $(cat "$flags")"; fi
  is_static "$consumer/build/greeter/bootstrap" || fail "CMake's greeter/bootstrap is not static"
  check_layout "$consumer/build/greeter.zip"
  "$emulator" --events "$project/events/requests.jsonl" -- "$consumer/build/greeter/bootstrap" > "$tmp/cmake-run.out" 2> "$tmp/cmake-run.err" ||
    fail "CMake's bootstrap under the emulator: $(cat "$tmp/cmake-run.err")"
  check_run "CMake's greeter" "$tmp/cmake-run.out" "$project/events/requests.jsonl" 1
  ok "CMake $(cmake --version | head -n1 | cut -d' ' -f3): lambda_add_function built greeter/bootstrap (C++17, include/ only) and greeter.zip; it answered the sample events"
fi

echo "check-project: every check passed"

#!/bin/sh
# new.sh NAME DIR: writes into DIR a project with one function, NAME, whose Makefile includes
# this checkout's lambda.mk (make new NAME=... DIR=...). DIR must be missing or empty.
set -eu
usage="usage: make new NAME=hello DIR=../hello"
name=${1-} dir=${2-}
[ -n "$name" ] && [ -n "$dir" ] || { echo "$usage" >&2; exit 2; }
case $name in
  *[!A-Za-z0-9_-]*) echo "make new: NAME may hold letters, digits, - and _ only (a Lambda function name): $name" >&2; exit 2 ;;
  all|package|run|event|serve|clean|lambda-emulator) echo "make new: NAME '$name' is one of the project's make targets; choose another" >&2; exit 2 ;;
esac
if [ -e "$dir" ] && { [ ! -d "$dir" ] || [ -n "$(ls -A "$dir")" ]; }; then
  echo "make new: $dir exists and is not an empty folder; nothing was written (choose another DIR)" >&2
  exit 1
fi

here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir/events"
# Relative when the project and this checkout share their top folder (/home, /work...), else absolute.
ric=$(realpath --relative-to="$dir" --relative-base="/$(echo "$here" | cut -d/ -f2)" "$here")
fill() { sed -e "s|@NAME@|$name|g" -e "s|@LAMBDA_RIC@|$ric|g" "$here/tools/new/$1" > "$dir/$2"; }
fill Makefile.in Makefile
fill main.cpp main.cpp
fill README.md.in README.md
cp "$here/tools/new/events/requests.jsonl" "$here/examples/events/http/apigw-v2.json" "$dir/events/"
echo "wrote $dir: Makefile, main.cpp, events/, README.md (lambda-ric-cpp at $ric); next: cd $dir && make run"

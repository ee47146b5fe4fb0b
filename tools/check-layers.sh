#!/bin/sh
# Fails when a file in src/ or include/lambda/ includes a layer above its own, naming the file,
# the line and the include. The order (ARCHITECTURE.md): events (typed event views and the HTTP
# adapter) may include runtime, json and log; runtime may include http, json and log;
# log may include json; http and json include nothing of ours. Run from anywhere; `make test`
# runs it first.
set -eu
cd "$(dirname "$0")/.."

# shellcheck disable=SC2046 # the file names have no blanks
awk '
BEGIN {
  # The layers each layer may include besides itself: one entry per src/ folder.
  allowed["events"] = "runtime json log"
  allowed["runtime"] = "http json log"
  allowed["log"] = "json"
  allowed["http"] = ""
  allowed["json"] = ""
  # The layer of each public header include/lambda/NAME.hpp. A new public header gets a line here.
  public["base64"] = "json"
  public["events"] = "events"
  public["http"] = "events"
  public["json"] = "json"
  public["http_stream"] = "runtime"
  public["log"] = "log"
  public["runtime"] = "runtime"
  script = "tools/check-layers.sh"
  for (i = 1; i < ARGC; i++) {
    if (layer_of(ARGV[i]) != "") continue
    split(ARGV[i], parts, "/")
    if (parts[1] == "src")
      report(ARGV[i], 1, "src/" parts[2] "/ is not a known layer: add it to the layer table in " script)
    else
      report(ARGV[i], 1, no_layer(parts[3]))
  }
}

function report(file, line, text) {
  printf "%s:%d: %s\n", file, line, text > "/dev/stderr"
  failures++
}

function fail(line, text) { report(FILENAME, line, text) }

function no_layer(name, base) {
  base = name
  sub(/\.hpp$/, "", base)
  return "lambda/" name " is a public header with no layer: add \"public[\"" base "\"] = LAYER\" to the public header table in " script
}

function exists(path) {
  if ((getline ignored < path) < 0) return 0
  close(path)
  return 1
}

# The layer a file belongs to, or "" when the tables do not know it.
function layer_of(path, parts, base) {
  split(path, parts, "/")
  if (parts[1] == "src") return (parts[2] in allowed) ? parts[2] : ""
  base = parts[3]
  sub(/\.hpp$/, "", base)
  return (base in public) ? public[base] : ""
}

# The layer of <lambda/NAME>, or "" (and a failure) for a public header not in the table.
function public_layer(line, name, base) {
  base = name
  sub(/\.hpp$/, "", base)
  if (base in public) return public[base]
  fail(line, no_layer(name))
  return ""
}

function check_layer(line, include, target) {
  if (target == "" || target == layer) return
  if ((" " allowed[layer] " ") ~ (" " target " ")) return
  fail(line, "#include " include ": the " layer " layer may not include the " target " layer (" layer " may include: " (allowed[layer] == "" ? "nothing of ours" : allowed[layer]) ")")
}

FNR == 1 {
  layer = layer_of(FILENAME)
  dir = FILENAME
  sub(/\/[^\/]*$/, "", dir)
  public_file = FILENAME ~ /^include\//
}

layer != "" && /^[ \t]*#[ \t]*include[ \t]*[<"]/ {
  match($0, /[<"][^>"]*[>"]/)
  include = substr($0, RSTART, RLENGTH)
  name = substr(include, 2, length(include) - 2)
  from = dir
  if (include ~ /^</) {
    if (name ~ /^lambda\//) check_layer(FNR, include, public_layer(FNR, substr(name, 8)))
    next
  }
  # A quoted include: "layer/file.hpp", or one beside the file, or "../layer/file.hpp".
  while (name ~ /^\.\.\//) {
    sub(/^\.\.\//, "", name)
    if (from ~ /\//) sub(/\/[^\/]*$/, "", from); else from = "."
  }
  if (public_file) {
    if (name ~ /\// || !exists("include/lambda/" name))
      fail(FNR, "#include " include ": a public header includes only public headers, as <lambda/NAME.hpp>")
    else
      check_layer(FNR, include, public_layer(FNR, name))
    next
  }
  if (name !~ /\//) {
    if (exists(from "/" name)) next  # beside it: its own folder
    for (other in allowed) {
      if (exists("src/" other "/" name)) {
        fail(FNR, "#include " include ": that header is src/" other "/" name ", in another folder: write \"" other "/" name "\"")
        check_layer(FNR, include, other)
      }
    }
    next
  }
  split(name, parts, "/")
  if (parts[1] in allowed) check_layer(FNR, include, parts[1])
}

END {
  if (failures > 0) {
    printf "layering: %d include(s) break the rule (runtime -> http, json, log; log -> json; http, json -> nothing)\n", failures > "/dev/stderr"
    exit 1
  }
}
' $(find src include/lambda -type f \( -name '*.hpp' -o -name '*.cpp' \) | LC_ALL=C sort)

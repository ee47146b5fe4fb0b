// One HTTP handler behind any HTTP source: API Gateway REST (v1) or HTTP API (v2), an ALB or a
// function URL. Routed on the path as the source gives it:
//   /hello   200, JSON {"method", "path", "lang", "name", "cookies", "source"} and a cookie seen=1
//   /binary  200, the 256 bytes 0x00..0xFF as application/octet-stream (base64 on the wire)
//   else     404, a JSON error
#include <string>

#include <lambda/http.hpp>
#include <lambda/json.hpp>
#include <lambda/runtime.hpp>

namespace {

namespace json = lambda::json;

// The JSON body's "name", or null when the body is not a JSON object with a string name.
void write_name(json::writer& w, std::string_view body) {
  const json::document doc(body);
  std::string scratch;
  const auto name = doc ? doc["name"].get_string(scratch) : json::result<std::string_view>{{}, json::status::missing, {}};
  if (name) {
    w.value(*name);
  } else {
    w.null();
  }
}

lambda::http_response hello(const lambda::http_request& req) {
  std::string out;
  json::writer w(out);
  w.begin_object();
  w.key("method").value(req.method());
  w.key("path").value(req.path());
  w.key("lang");
  if (auto lang = req.query("lang")) {
    w.value(*lang);
  } else {
    w.null();
  }
  w.key("name");
  write_name(w, req.body());
  w.key("cookies").value(req.cookies().size());
  w.key("source").value(lambda::to_string(req.source()));
  w.end_object();
  return lambda::http_response(200).header("content-type", "application/json").cookie("seen=1").body(std::move(out));
}

lambda::http_response binary() {
  std::string bytes(256, '\0');
  for (int i = 0; i < 256; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>(i);
  return lambda::http_response(200).header("content-type", "application/octet-stream").body(std::move(bytes));
}

lambda::http_response not_found(const lambda::http_request& req) {
  std::string out;
  json::writer(out).begin_object().key("error").value("not found").key("path").value(req.path()).end_object();
  return lambda::http_response(404).header("content-type", "application/json").body(std::move(out));
}

lambda::http_response route(const lambda::http_request& req, const lambda::context&) {
  if (req.path() == "/hello") return hello(req);
  if (req.path() == "/binary") return binary();
  return not_found(req);
}

}  // namespace

int main() { return lambda::run_concurrent(lambda::http_handler(route)); }

// @NAME@: an HTTP API on AWS Lambda, in C++17 with lambda-ric-cpp. The same handler serves
// API Gateway (HTTP and REST APIs), an Application Load Balancer and a function URL.
//   GET  /hello?name=Ada            200 {"message":"Hello, Ada!"}
//   POST /hello {"name":"Grace"}    200 {"message":"Hello, Grace!"}
//   anything else                   404 {"error":"not found","path":...}
#include <string>
#include <utility>

#include <lambda/http.hpp>
#include <lambda/json.hpp>
#include <lambda/runtime.hpp>

namespace {

namespace json = lambda::json;

lambda::http_response json_response(int status, std::string body) {
  return lambda::http_response(status).header("content-type", "application/json").body(std::move(body));
}

// Whom to greet: the query's name, else the JSON body's "name", else the world.
std::string name_of(const lambda::http_request& req) {
  if (const auto name = req.query("name")) return std::string(*name);
  const json::document doc(req.body());
  std::string scratch;
  if (doc) {
    if (const auto name = doc["name"].get_string(scratch)) return std::string(*name);
  }
  return "world";
}

lambda::http_response handle(const lambda::http_request& req, const lambda::context&) {
  std::string out;
  json::writer w(out);
  if (req.path() == "/hello" && (req.method() == "GET" || req.method() == "POST")) {
    w.begin_object().key("message").value("Hello, " + name_of(req) + "!").end_object();
    return json_response(200, std::move(out));
  }
  w.begin_object().key("error").value("not found").key("path").value(req.path()).end_object();
  return json_response(404, std::move(out));
}

}  // namespace

// One RIC on classic Lambda; AWS_LAMBDA_MAX_CONCURRENCY of them on Lambda Managed Instances.
int main() { return lambda::run_concurrent(lambda::http_handler(handle)); }

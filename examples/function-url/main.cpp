// A Lambda function URL (or API Gateway) answer, streamed: status 200, a content type and a
// cookie in the prelude, then an HTML page written a piece at a time, as a page rendered from
// slow sources would be. An event {"format":"text"} gets plain text instead.
#include <string>

#include <lambda/http_stream.hpp>
#include <lambda/json.hpp>
#include <lambda/runtime.hpp>

namespace {

void page(std::string_view event, const lambda::context& ctx, lambda::response_stream& out) {
  // A function URL event carries the query in /queryStringParameters; a test event may be flat.
  auto format = lambda::json::find_string(event, "/queryStringParameters/format");
  if (!format) format = lambda::json::find_string(event, "/format");
  const bool text = format && *format == "text";

  lambda::begin_http_response(out, {200,
                                    {{"content-type", text ? "text/plain; charset=utf-8" : "text/html; charset=utf-8"},
                                     {"cache-control", "no-store"}},
                                    {"visited=1; Path=/; HttpOnly"}});
  if (text) {
    out.write("Streamed from Lambda\n");
    out.write({"request ", ctx.request_id, "\n"});
    for (int i = 1; i <= 3; ++i) out.write("part " + std::to_string(i) + "\n");
    return;
  }
  out.write("<!doctype html>\n<html><head><title>Streamed from Lambda</title></head><body>\n");
  out.write({"<p>request <code>", ctx.request_id, "</code></p>\n<ol>\n"});
  for (int i = 1; i <= 3; ++i) out.write("<li>part " + std::to_string(i) + "</li>\n");
  out.write("</ol>\n</body></html>\n");
}

}  // namespace

int main() { return lambda::run_concurrent(page); }

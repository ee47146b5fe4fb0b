// The HTTP adapter's cost per request, beside the cheapest read of the same event:
//   make bench   (or: make build/bench/http_events_bench && build/bench/http_events_bench [repetitions])
// floor:    json::find_string of one field (requestContext.http.method) of a typical API
//           Gateway v2 event (validates the whole event once, allocates the result)
// adapter:  http_request::parse of that event, then a small http_response built and written in
//           the v2 shape
// handler:  the same through http_handler, as the runtime calls it (event in, lambda::response out)
// Each repetition runs every pass in turn (a noisy neighbour slows all of them alike); the best
// repetition of each is reported.
#include <lambda/http.hpp>
#include <lambda/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace {

// An HTTP API (payload 2.0) request as a browser sends it through a JWT authorizer: 1.6 KB.
constexpr std::string_view event = R"({
  "version": "2.0",
  "routeKey": "POST /orders/{id}",
  "rawPath": "/orders/42",
  "rawQueryString": "lang=fr&expand=items&expand=customer&q=caf%C3%A9+cr%C3%A8me",
  "cookies": ["session=7f3a9c1e2b4d", "theme=dark", "consent=analytics%3Dno"],
  "headers": {
    "accept": "application/json, text/plain, */*",
    "accept-encoding": "gzip, deflate, br",
    "accept-language": "fr-FR,fr;q=0.9,en;q=0.8",
    "authorization": "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl",
    "content-length": "38",
    "content-type": "application/json",
    "host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
    "origin": "https://shop.example.com",
    "referer": "https://shop.example.com/cart",
    "sec-ch-ua": "\"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"",
    "sec-ch-ua-mobile": "?0",
    "sec-ch-ua-platform": "\"macOS\"",
    "user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "x-amzn-trace-id": "Root=1-6634a1b2-0123456789abcdef01234567",
    "x-forwarded-for": "198.51.100.7",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https"
  },
  "queryStringParameters": {"expand": "items,customer", "lang": "fr", "q": "caf\u00e9 cr\u00e8me"},
  "pathParameters": {"id": "42"},
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "abcdef1234",
    "authorizer": {"jwt": {"claims": {"sub": "7d8f2a10-1111-2222-3333-444455556666", "email": "ada@example.com",
                                      "scope": "orders:write"}, "scopes": ["orders:write"]}},
    "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
    "domainPrefix": "abcdef1234",
    "http": {"method": "POST", "path": "/orders/42", "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7",
             "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36"},
    "requestId": "JKJaXmPLvHcESHA=",
    "routeKey": "POST /orders/{id}",
    "stage": "$default",
    "time": "03/May/2024:08:30:12 +0000",
    "timeEpoch": 1714725012000
  },
  "body": "{\"sku\":\"SKU-123456\",\"quantity\":2}",
  "isBase64Encoded": false
})";

lambda::http_response answer(const lambda::http_request& req) {
  std::string body = R"({"order":")";
  body.append(req.path_parameter("id").value_or("")).append(R"(","status":"accepted"})");
  return lambda::http_response(201).header("content-type", "application/json").cookie("seen=1; Path=/").body(std::move(body));
}

volatile std::size_t sink = 0;

struct pass {
  const char* name;
  std::function<std::size_t()> run;  // one request; returns a size so the work is not elided
  double best_ns = 1e300;
};

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  constexpr int requests = 100000;

  lambda::handler handler = lambda::http_handler([](const lambda::http_request& req, const lambda::context&) {
    return answer(req);
  });
  const lambda::context ctx;

  std::vector<pass> passes;
  passes.push_back({"floor: json::find_string of one field", [] {
                      return lambda::json::find_string(event, "/requestContext/http/method").value.size();
                    }});
  passes.push_back({"adapter: parse + build + write response", [] {
                      const auto req = lambda::http_request::parse(event);
                      return answer(req).to_json(req).size();
                    }});
  passes.push_back({"handler: http_handler(event, ctx)", [&] { return handler(event, ctx).payload().size(); }});

  for (int rep = 0; rep < repetitions; ++rep) {
    for (pass& p : passes) {
      const auto start = std::chrono::steady_clock::now();
      std::size_t total = 0;
      for (int i = 0; i < requests; ++i) total += p.run();
      const auto took = std::chrono::steady_clock::now() - start;
      sink = sink + total;
      p.best_ns = std::min(p.best_ns, std::chrono::duration<double, std::nano>(took).count() / requests);
    }
  }

  std::printf("typical API Gateway v2 event: %zu bytes; best of %d runs of %d requests\n", event.size(), repetitions,
              requests);
  for (const pass& p : passes) {
    std::printf("  %-42s %8.0f ns/request  (%.1fx the floor)\n", p.name, p.best_ns, p.best_ns / passes[0].best_ns);
  }
  return 0;
}

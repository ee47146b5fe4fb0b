// Streamed answers end to end: real streaming bootstraps (test/functions/streamer,
// examples/stream, examples/function-url) against the project's Runtime API server on 127.0.0.1,
// which records each chunk as it arrives and decodes the error trailers.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <string>
#include <vector>

#include <lambda/json.hpp>

#include "../tools/emulator/runtime_api_server.hpp"
#include "support/function_process.hpp"

namespace lambda::test {
namespace {

using emulator::child_process;
using emulator::invocation_state;
using emulator::post;
using emulator::post_kind;
using emulator::runtime_api_server;

const std::string declared_trailers = "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body";

// The streamer's body: byte k is 'a' + k % 26.
std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t k = 0; k < size; ++k) bytes[k] = static_cast<char>('a' + k % 26);
  return bytes;
}

// An invocation's finished record; fails the test if it did not finish in time.
emulator::invocation finished(const runtime_api_server& server, const std::string& id) {
  auto done = server.wait_finished(id, patience);
  if (!done) {
    ADD_FAILURE() << "no answer for " << id;
    return {};
  }
  return *done;
}

// The streamed answer of an invocation that must have succeeded.
post streamed_answer(const runtime_api_server& server, const std::string& id) {
  auto done = finished(server, id);
  EXPECT_EQ(done.state, invocation_state::answered) << done.failure_type << ": " << done.failure_message;
  if (!done.answer) {
    ADD_FAILURE() << "no answer for " << id;
    return {};
  }
  EXPECT_TRUE(done.answer->streamed);
  EXPECT_EQ(done.answer->kind, post_kind::response);
  EXPECT_EQ(done.answer->status, 202);
  EXPECT_EQ(done.answer->response_mode, "streaming");
  EXPECT_EQ(done.answer->declared_trailers, declared_trailers);
  return *done.answer;
}

std::string field(std::string_view json, std::string_view pointer) {
  return lambda::json::find_string(json, pointer).value_or("<absent>");
}

std::size_t stdout_count(const child_process& function, std::string_view needle) {
  return count_of(function.stdout_text(), needle);
}

class stream : public ::testing::Test {
 protected:
  runtime_api_server server;
};

struct entry_point {
  const char* name;
  std::vector<std::string> env;
  std::uint64_t rics = 1;  // one connection each
};

class stream_entry_points : public stream, public ::testing::WithParamInterface<entry_point> {};

TEST_P(stream_entry_points, sends_each_write_as_one_chunk_on_one_kept_alive_connection) {
  const std::string writes = R"({"writes":[0,1,1,0,1,3000000,0,2]})";
  const std::string pieces = R"({"writes":[7,300],"pieces":true,"content_type":"text/event-stream"})";
  auto first = server.enqueue({.payload = writes});
  auto second = server.enqueue({.payload = pieces});
  auto empty = server.enqueue({.payload = "{}"});
  auto function = start_function(test_function("streamer"), server.address(), GetParam().env);

  auto a = streamed_answer(server, first);
  EXPECT_EQ(a.chunk_sizes, (std::vector<std::size_t>{1, 1, 1, 3000000, 2}));
  EXPECT_TRUE(a.body == pattern(3000005)) << "a body of " << a.body.size() << " bytes differs";
  EXPECT_EQ(a.content_type, "application/octet-stream");
  EXPECT_TRUE(a.trailer_error_type.empty());
  auto b = streamed_answer(server, second);
  EXPECT_EQ(b.chunk_sizes, (std::vector<std::size_t>{7, 300}));
  EXPECT_EQ(b.body, pattern(307));
  EXPECT_EQ(b.content_type, "text/event-stream");
  auto c = streamed_answer(server, empty);
  EXPECT_TRUE(c.chunk_sizes.empty());
  EXPECT_EQ(c.body, "");
  ASSERT_TRUE(server.wait_parked(GetParam().rics, patience));
  EXPECT_EQ(server.stats().connections_accepted, GetParam().rics);
}

INSTANTIATE_TEST_SUITE_P(
    forms, stream_entry_points,
    ::testing::Values(entry_point{"run", {}}, entry_point{"run_factory", {"STREAMER_FACTORY=1"}},
                      entry_point{"concurrent", {"STREAMER_MODE=concurrent"}},
                      entry_point{"concurrent_factory_n1", {"STREAMER_MODE=concurrent", "STREAMER_FACTORY=1",
                                                            "AWS_LAMBDA_MAX_CONCURRENCY=1"}},
                      entry_point{"concurrent_factory_n2", {"STREAMER_MODE=concurrent", "STREAMER_FACTORY=1",
                                                            "AWS_LAMBDA_MAX_CONCURRENCY=2"}, 2}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(stream, carries_a_body_over_the_six_megabytes_of_a_buffered_answer) {
  auto id = server.enqueue({.payload = R"({"chunks":7,"chunk_bytes":1000000})"});
  auto function = start_function(example("stream"), server.address());
  auto answer = streamed_answer(server, id);
  EXPECT_EQ(answer.body_bytes, 7000000u);
  ASSERT_EQ(answer.chunk_sizes, std::vector<std::size_t>(7, 1000000));
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_TRUE(answer.body.compare(i * 1000000, 1000000, std::string(1000000, static_cast<char>('a' + i))) == 0)
        << "chunk " << i;
  }
  EXPECT_EQ(answer.content_type, "text/plain");
}

TEST_F(stream, the_stream_example_keeps_its_contract) {
  auto plain = server.enqueue({.payload = "{}"});
  auto shaped = server.enqueue({.payload = R"({"chunks":3,"chunk_bytes":4,"pause_ms":1})"});
  auto none = server.enqueue({.payload = R"({"chunks":0})"});
  auto function = start_function(example("stream"), server.address());
  auto a = streamed_answer(server, plain);
  EXPECT_EQ(a.chunk_sizes, std::vector<std::size_t>(5, 64));
  EXPECT_EQ(a.body, std::string(64, 'a') + std::string(64, 'b') + std::string(64, 'c') + std::string(64, 'd') +
                        std::string(64, 'e'));
  EXPECT_EQ(streamed_answer(server, shaped).body, "aaaabbbbcccc");
  EXPECT_EQ(streamed_answer(server, none).body, "");
}

TEST_F(stream, an_exception_mid_stream_ends_it_with_the_error_in_its_trailers) {
  auto broken = server.enqueue({.payload = R"({"fail_after":2})"});
  auto after = server.enqueue({.payload = R"({"chunks":1,"chunk_bytes":3})"});
  auto function = start_function(example("stream"), server.address());

  auto done = finished(server, broken);
  EXPECT_EQ(done.failure_type, "Function.RuntimeError");
  ASSERT_TRUE(done.answer);
  const post& answer = *done.answer;
  EXPECT_TRUE(answer.streamed);
  EXPECT_EQ(answer.status, 202);
  EXPECT_EQ(answer.chunk_sizes, (std::vector<std::size_t>{64, 64}));
  EXPECT_EQ(answer.trailer_error_type, "Function.RuntimeError");
  EXPECT_EQ(field(answer.trailer_error_body, "/errorMessage"), "requested failure after 2 chunks");
  EXPECT_EQ(field(answer.trailer_error_body, "/errorType"), "std::runtime_error");
  // The stream ended cleanly: the next invocation is answered on the same connection.
  EXPECT_EQ(streamed_answer(server, after).body, "aaa");
  EXPECT_EQ(server.stats().connections_accepted, 1u);
  function.signal(SIGTERM);
  ASSERT_TRUE(function.wait_exit(patience));
  EXPECT_EQ(stdout_count(function, "invocation failed"), 1u) << function.stdout_text();
}

TEST_F(stream, a_failure_before_the_first_byte_is_an_ordinary_error) {
  auto failed = server.enqueue({.payload = R"({"fail":true})"});
  auto at_zero = server.enqueue({.payload = R"({"fail_after":0})"});
  auto bad_input = server.enqueue({.payload = R"({"chunks":-1})"});
  auto function = start_function(example("stream"), server.address());
  for (const auto& [id, type, message] :
       {std::tuple{failed, "Function.RuntimeError", "requested failure"},
        std::tuple{at_zero, "Function.RuntimeError", "requested failure after 0 chunks"},
        std::tuple{bad_input, "Function.InvalidArgument", "chunks must not be negative"}}) {
    auto done = finished(server, id);
    ASSERT_TRUE(done.answer) << id;
    EXPECT_EQ(done.answer->kind, post_kind::error);
    EXPECT_FALSE(done.answer->streamed);
    EXPECT_EQ(done.answer->error_type, type);
    EXPECT_EQ(field(done.answer->body, "/errorMessage"), message);
  }
}

TEST_F(stream, flush_starts_the_answer_so_a_later_failure_goes_in_the_trailers) {
  auto id = server.enqueue({.payload = R"({"flush":true,"then":"throw"})"});
  auto function = start_function(test_function("streamer"), server.address());
  auto done = finished(server, id);
  ASSERT_TRUE(done.answer);
  EXPECT_TRUE(done.answer->streamed);
  EXPECT_TRUE(done.answer->chunk_sizes.empty());
  EXPECT_EQ(done.answer->trailer_error_type, "Function.RuntimeError");
  EXPECT_EQ(field(done.answer->trailer_error_body, "/errorMessage"), "it broke mid-stream");
}

TEST_F(stream, setting_the_content_type_after_the_first_byte_is_a_clear_error) {
  auto id = server.enqueue({.payload = R"({"writes":[3],"then":"set_content_type"})"});
  auto function = start_function(test_function("streamer"), server.address());
  auto done = finished(server, id);
  ASSERT_TRUE(done.answer);
  EXPECT_EQ(done.answer->status, 202) << "a well-formed request";
  EXPECT_EQ(done.answer->body, "abc");
  EXPECT_EQ(done.answer->trailer_error_type, "Function.LogicError");
  EXPECT_NE(field(done.answer->trailer_error_body, "/errorMessage").find("set the content type before the first write"),
            std::string::npos)
      << done.answer->trailer_error_body;
}

TEST_F(stream, a_content_type_with_control_bytes_is_refused_before_any_byte) {
  auto id = server.enqueue({.payload = R"({"content_type":"text/plain\r\nX-Injected: 1","writes":[1]})"});
  auto function = start_function(test_function("streamer"), server.address());
  auto done = finished(server, id);
  ASSERT_TRUE(done.answer);
  EXPECT_EQ(done.answer->kind, post_kind::error);
  EXPECT_EQ(done.answer->error_type, "Function.InvalidArgument");
}

TEST_F(stream, the_http_prelude_is_json_then_eight_nuls_then_the_body) {
  auto id = server.enqueue({.payload = "{}"});
  auto text = server.enqueue({.payload = R"({"queryStringParameters":{"format":"text"}})"});
  auto function = start_function(example("function-url"), server.address());
  auto answer = streamed_answer(server, id);
  EXPECT_EQ(answer.content_type, "application/vnd.awslambda.http-integration-response");
  const std::string prelude =
      R"({"statusCode":200,"headers":{"content-type":"text/html; charset=utf-8","cache-control":"no-store"},)"
      R"("cookies":["visited=1; Path=/; HttpOnly"]})" +
      std::string(8, '\0');
  ASSERT_GT(answer.body.size(), prelude.size());
  EXPECT_EQ(answer.body.substr(0, prelude.size()), prelude);
  EXPECT_EQ(answer.body.substr(prelude.size(), 16), "<!doctype html>\n");
  EXPECT_EQ(answer.chunk_sizes.front(), prelude.size()) << "the prelude goes out as a chunk of its own";
  auto plain = streamed_answer(server, text);
  EXPECT_NE(plain.body.find(R"("content-type":"text/plain; charset=utf-8")"), std::string::npos);
  EXPECT_NE(plain.body.find(std::string(8, '\0') + "Streamed from Lambda\nrequest " + text + "\n"), std::string::npos);
}

TEST_F(stream, n_rics_stream_at_once_each_on_its_own_connection) {
  constexpr int rics = 8;
  fifo gate;
  std::vector<std::string> ids;
  for (int i = 0; i < rics; ++i) {
    ids.push_back(server.enqueue({.payload = R"({"writes":[10,20],"read_fifo":")" + gate.path() + R"("})"}));
  }
  auto function = start_function(test_function("streamer"), server.address(),
                                 {"STREAMER_MODE=concurrent", "AWS_LAMBDA_MAX_CONCURRENCY=8"});
  // Every stream has its first chunk out while all 8 handlers are still running.
  for (const auto& id : ids) ASSERT_TRUE(server.wait_stream_bytes(id, 10, patience)) << id;
  std::set<std::uint64_t> connections;
  for (const auto& id : ids) {
    auto in_progress = server.stream_in_progress(id);
    ASSERT_TRUE(in_progress) << id;
    EXPECT_EQ(in_progress->chunk_sizes, std::vector<std::size_t>{10});
    connections.insert(in_progress->connection);
  }
  EXPECT_EQ(connections.size(), static_cast<std::size_t>(rics));
  gate.release(rics);
  for (const auto& id : ids) {
    auto answer = streamed_answer(server, id);
    EXPECT_EQ(answer.chunk_sizes, (std::vector<std::size_t>{10, 20}));
    EXPECT_EQ(answer.body, pattern(30));
  }
}

TEST_F(stream, a_connection_dropped_mid_stream_is_logged_and_the_next_invocation_is_unaffected) {
  auto dropped = server.enqueue({.payload = R"({"writes":[100],"then":"keep_writing"})", .drop_stream_after = 100000});
  auto next = server.enqueue({.payload = R"({"writes":[5]})"});
  auto function = start_function(test_function("streamer"), server.address());
  auto done = finished(server, dropped);
  EXPECT_EQ(done.state, invocation_state::failed);
  EXPECT_EQ(done.failure_type, emulator::stream_dropped_type);
  EXPECT_EQ(streamed_answer(server, next).body, "abcde");
  EXPECT_EQ(server.stats().connections_accepted, 2u);
  function.signal(SIGTERM);
  auto status = function.wait_exit(patience);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe();
  const std::string out = function.stdout_text();
  EXPECT_EQ(count_of(out, "caught stream_error: the answer's stream is broken"), 1u) << out;
  EXPECT_EQ(count_of(out, "WARN\tPOST /response (streamed) for " + dropped + ": the connection"), 1u) << out;
  EXPECT_EQ(count_of(out, "invocation failed"), 0u) << "a broken stream is not the handler's failure\n" << out;
}

TEST_F(stream, a_refused_stream_is_logged_and_the_runtime_goes_on) {
  auto refused = server.enqueue({.payload = R"({"writes":[4]})", .post_status = 413});
  auto next = server.enqueue({.payload = R"({"writes":[2]})"});
  auto function = start_function(test_function("streamer"), server.address());
  finished(server, refused);
  EXPECT_EQ(streamed_answer(server, next).body, "ab");
  function.signal(SIGTERM);
  ASSERT_TRUE(function.wait_exit(patience));
  EXPECT_EQ(stdout_count(function, "POST /response (streamed) for " + refused + " answered 413"), 1u)
      << function.stdout_text();
}

TEST_F(stream, the_handler_runs_as_this_invocation_with_the_trace_id_exported) {
  auto id = server.enqueue({.payload = R"({"describe":true})", .trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793"});
  auto function = start_function(test_function("streamer"), server.address());
  auto answer = streamed_answer(server, id);
  EXPECT_EQ(field(answer.body, "/request_id"), id);
  EXPECT_TRUE(lambda::json::find_bool(answer.body, "/this_invocation_matches").value_or(false)) << answer.body;
  EXPECT_EQ(field(answer.body, "/trace_env"), "Root=1-5759e988-bd862e3fe1be46a994272793");
}

}  // namespace
}  // namespace lambda::test

// A streamed answer in progress: what a streaming handler's response_stream writes to.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <lambda/runtime.hpp>

#include "runtime/runtime_api.hpp"

namespace lambda::detail {

// The state behind one invocation's response_stream: the content type until the answer starts,
// then the chunks, then its end. The answer starts at the first byte (or flush()); before that
// nothing has been sent, so a failure can still be an ordinary /error post.
class answer_stream {
 public:
  explicit answer_stream(runtime_api& api) noexcept : api_(api) {}
  answer_stream(const answer_stream&) = delete;
  answer_stream& operator=(const answer_stream&) = delete;

  response_stream writer() noexcept { return response_stream(*this); }

  void set_content_type(std::string_view type);
  void write(std::span<const std::string_view> pieces);
  bool started() const noexcept { return started_; }
  std::uint64_t bytes_written() const noexcept { return bytes_; }

  // Ends the stream the handler wrote: cleanly, or with the failure in its trailers. A stream
  // that never started is begun first, so the platform still gets its (empty) answer.
  api_result end(const error_description* error);

 private:
  void start();

  runtime_api& api_;
  std::string content_type_;  // empty: application/octet-stream
  bool started_ = false;
  std::uint64_t bytes_ = 0;
  std::string broken_;  // why the stream failed, once it has
};

}  // namespace lambda::detail

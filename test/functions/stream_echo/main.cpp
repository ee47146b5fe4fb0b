// Echoes each event's bytes as a streamed answer, straight from the receive buffer. For
// payload_bench, beside the echo example (a borrowed lambda::response) and the floor.
#include <lambda/runtime.hpp>

int main() {
  return lambda::run_concurrent([](std::string_view event, const lambda::context& ctx, lambda::response_stream& out) {
    if (!ctx.content_type.empty()) out.set_content_type(ctx.content_type);
    out.write(event);
  });
}

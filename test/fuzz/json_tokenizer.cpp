// Fuzz target: json::tokenizer, json::is_valid, json::unescape / append_unescaped, json::to_int64
// (include/lambda/json.hpp).
//
// Oracles: the tokens (kind, escaped, text, offset) and the error (code, offset) of a document
// fed whole equal those of the same document fed as a growing buffer in random pieces and one
// byte at a time, each piece in a fresh buffer of exactly its size (finish() after the last);
// is_valid agrees; each string or key unescapes as a reference unescaper written here says, to
// valid UTF-8, no longer than its text, and quoting that back gives a string token that
// unescapes to the same bytes; an integer token converts as std::from_chars says. Unescaping the
// raw input, which need not be a token's text, never reads past it nor lengthens it.
//
//   make fuzz FUZZ_TARGETS=json_tokenizer FUZZ_SECONDS=60
#include <lambda/json.hpp>

#include <charconv>
#include <memory>
#include <string>
#include <vector>

#include "fuzz.hpp"

namespace {

using namespace lambda;

struct seen_token {
  json::token_kind kind;
  bool escaped;
  std::string text;
  std::size_t offset;
  bool operator==(const seen_token&) const = default;
};

struct stream {
  std::vector<seen_token> tokens;
  json::error_code error = json::error_code::none;
  std::size_t error_offset = 0;
  bool ended = false;
};

stream tokens_of(std::string_view document) {
  json::tokenizer reader(document);
  stream out;
  for (;;) {
    const json::token t = reader.next();
    if (t.kind == json::token_kind::end) {
      out.ended = true;
      fuzz::check(reader.next().kind == json::token_kind::end, "end is not repeated");
      return out;
    }
    if (t.kind == json::token_kind::error) {
      out.error = reader.error().code;
      out.error_offset = reader.error().offset;
      fuzz::check(out.error != json::error_code::none, "error without a code");
      fuzz::check(reader.next().kind == json::token_kind::error, "error is not repeated");
      return out;
    }
    fuzz::check(t.kind != json::token_kind::need_more, "need_more after finish");
    out.tokens.push_back({t.kind, t.escaped, std::string(t.text), t.offset});
  }
}

stream tokens_in_pieces(std::string_view document, const std::vector<std::size_t>& ends) {
  json::tokenizer reader;
  stream out;
  std::unique_ptr<fuzz::exact_copy> buffer;  // the latest input; the earlier one is freed
  for (std::size_t i = 0; i < ends.size(); ++i) {
    buffer = std::make_unique<fuzz::exact_copy>(document.substr(0, ends[i]));
    reader.feed(buffer->view());
    if (i + 1 == ends.size()) reader.finish();
    for (;;) {
      const json::token t = reader.next();
      if (t.kind == json::token_kind::need_more) break;
      if (t.kind == json::token_kind::end) {
        out.ended = true;
        return out;
      }
      if (t.kind == json::token_kind::error) {
        out.error = reader.error().code;
        out.error_offset = reader.error().offset;
        return out;
      }
      out.tokens.push_back({t.kind, t.escaped, std::string(t.text), t.offset});
    }
  }
  fuzz::fail("need_more after finish");
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, char32_t cp) {
  const auto b = [](char32_t v) { return static_cast<char>(v); };
  if (cp < 0x80) {
    out += b(cp);
  } else if (cp < 0x800) {
    out += b(0xC0 | (cp >> 6));
    out += b(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += b(0xE0 | (cp >> 12));
    out += b(0x80 | ((cp >> 6) & 0x3F));
    out += b(0x80 | (cp & 0x3F));
  } else {
    out += b(0xF0 | (cp >> 18));
    out += b(0x80 | ((cp >> 12) & 0x3F));
    out += b(0x80 | ((cp >> 6) & 0x3F));
    out += b(0x80 | (cp & 0x3F));
  }
}

// Reference unescaping of a string token that the tokenizer accepted.
std::string reference_unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '\\') {
      out += text[i++];
      continue;
    }
    const char e = text[i + 1];
    const std::string_view simple = "\"\\/bfnrt", decoded = "\"\\/\b\f\n\r\t";
    if (e != 'u') {
      out += decoded[simple.find(e)];
      i += 2;
      continue;
    }
    const auto unit = [&](std::size_t at) {
      return static_cast<char32_t>(hex(text[at]) << 12 | hex(text[at + 1]) << 8 | hex(text[at + 2]) << 4 | hex(text[at + 3]));
    };
    char32_t cp = unit(i + 2);
    i += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
      i += 6;
    }
    append_utf8(out, cp);
  }
  return out;
}

void check_string(const seen_token& t) {
  fuzz::exact_copy room(std::string(t.text.size(), '\0'));
  const std::size_t n = json::unescape(t.text, room.data());
  fuzz::check(n <= t.text.size(), "unescape lengthened a string");
  const std::string got(room.data(), n);
  fuzz::check(got == reference_unescape(t.text), "unescape differs from the reference");
  fuzz::check(t.escaped || got == t.text, "a string without escapes changed when unescaped");
  fuzz::check(t.escaped == (t.text.find('\\') != std::string::npos), "escaped flag is wrong");
  fuzz::check(fuzz::valid_utf8(got), "unescaped text is not valid UTF-8");
  std::string appended = "x";
  json::append_unescaped(appended, t.text);
  fuzz::check(appended == "x" + got, "append_unescaped differs from unescape");
  std::string quoted;
  json::append_quoted(quoted, got);
  json::tokenizer again(quoted);
  const json::token q = again.next();
  fuzz::check(q.kind == json::token_kind::string && again.next().kind == json::token_kind::end,
              "quoting unescaped text gives no single string");
  std::string back;
  json::append_unescaped(back, q.text);
  fuzz::check(back == got, "quoting then unescaping changed the text");
}

void check_number(const seen_token& t) {
  const json::result<std::int64_t> i = json::to_int64(t.text);
  const bool integer = t.text.find_first_of(".eE") == std::string::npos;
  if (!integer) {
    fuzz::check(i.state == json::status::wrong_type, "a fraction or exponent read as an integer");
    return;
  }
  std::int64_t want = 0;
  const auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), want);
  fuzz::check(end == t.text.data() + t.text.size() || ec != std::errc(), "from_chars stopped early");
  if (ec == std::errc::result_out_of_range) {
    fuzz::check(i.state == json::status::out_of_range, "an integer beyond int64 is not out_of_range");
  } else {
    fuzz::check(i.ok() && i.value == want, "to_int64 differs from from_chars");
  }
  (void)json::to_double(t.text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz::exact_copy whole(input);
  const stream want = tokens_of(whole.view());
  fuzz::check(json::is_valid(whole.view()) == want.ended, "is_valid disagrees with the tokenizer");

  fuzz::splitter split(input);
  for (const auto& ends : {split.ends(size), size <= 512 ? fuzz::splitter::bytewise(size) : split.ends(size)}) {
    const stream got = tokens_in_pieces(input, ends);
    fuzz::check(got.tokens == want.tokens, "fed in pieces, the tokens differ");
    fuzz::check(got.ended == want.ended && got.error == want.error && got.error_offset == want.error_offset,
                "fed in pieces, the outcome differs");
  }

  for (const seen_token& t : want.tokens) {
    if (t.kind == json::token_kind::string || t.kind == json::token_kind::key) check_string(t);
    if (t.kind == json::token_kind::number) check_number(t);
  }

  fuzz::exact_copy room(input);
  fuzz::check(json::unescape(whole.view(), room.data()) <= size, "unescape lengthened arbitrary text");
  return 0;
}

// Fuzz target: JSON Pointer lookups (json::find, find_int, find_double, find_bool, find_string)
// and the document handle (json::document, value, elements(), members(), at(), operator[])
// in include/lambda/json.hpp.
//
// Input: a document, then optionally '\0' and JSON Pointers separated by '\0' (a document never
// holds a raw NUL, so the split is unambiguous).
//
// Oracles: a document is valid exactly when the tokenizer says so, with the same error; walking a
// valid one through value/elements()/members() gives the tokenizer's tokens, in order, with the
// same texts; size(), operator[] by index and by name, key(), key_is() and the get_* readers
// agree with that walk, unescape and to_int64/to_double; for the pointer of every value walked
// (up to 64) and for each pointer given, find() and document.at() agree (both throw
// invalid_argument or neither; same text, or both absent), and find_* agree with value.get_*;
// on an invalid document every find is malformed with the document's error.
//
//   make fuzz FUZZ_TARGETS=json_document FUZZ_SECONDS=60
#include <lambda/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz.hpp"

namespace {

using namespace lambda;

std::string unescaped(std::string_view text) {
  std::string out;
  json::append_unescaped(out, text);
  return out;
}

// Appends a pointer token for a member name, escaped as RFC 6901 says.
std::string pointer_token(std::string_view name) {
  std::string out = "/";
  for (char c : name) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

struct walk {
  json::tokenizer tokens;
  std::vector<std::pair<std::string, std::string>> pointers;  // pointer, value's JSON text
  std::string scratch;

  explicit walk(std::string_view document) : tokens(document) {}

  json::token next() {
    const json::token t = tokens.next();
    fuzz::check(t.kind != json::token_kind::error && t.kind != json::token_kind::end,
                "the document walks past the tokenizer's tokens");
    return t;
  }

  void scalar(const json::value& v, const json::token& t) {
    fuzz::check(v.size() == 0 && v.elements().empty() && v.members().empty(), "a scalar has elements");
    switch (t.kind) {
      case json::token_kind::string: {
        fuzz::check(v.kind() == json::value_kind::string, "kind is not string");
        fuzz::check(v.json().size() == t.text.size() + 2 && v.json().substr(1, t.text.size()) == t.text,
                    "a string's text differs from its token");
        const auto s = v.get_string(scratch);
        fuzz::check(s.ok() && s.value == unescaped(t.text), "get_string differs from unescape");
        fuzz::check(v.get_string().value == s.value, "the two get_string differ");
        fuzz::check(v.get_int().state == json::status::wrong_type, "a string read as an integer");
        return;
      }
      case json::token_kind::number: {
        fuzz::check(v.kind() == json::value_kind::number && v.json() == t.text, "a number differs from its token");
        const auto i = v.get_int(), want = json::to_int64(t.text);
        fuzz::check(i.state == want.state && i.value == want.value, "get_int differs from to_int64");
        const auto d = v.get_double(), want_d = json::to_double(t.text);
        fuzz::check(d.state == want_d.state && (d.value == want_d.value || d.value != d.value),
                    "get_double differs from to_double");
        return;
      }
      case json::token_kind::true_value:
      case json::token_kind::false_value:
        fuzz::check(v.kind() == json::value_kind::boolean && v.json() == t.text, "a boolean differs");
        fuzz::check(v.get_bool().ok() && v.get_bool().value == (t.kind == json::token_kind::true_value),
                    "get_bool is wrong");
        return;
      case json::token_kind::null_value:
        fuzz::check(v.kind() == json::value_kind::null && v.is_null(), "null differs");
        fuzz::check(v.get_bool().state == json::status::wrong_type, "null read as a boolean");
        return;
      default:
        fuzz::fail("a scalar value where the tokenizer has a bracket or key");
    }
  }

  // `reachable`: no earlier member of the same name hides this value from its pointer.
  void value(const json::value& v, const std::string& pointer, bool reachable) {
    fuzz::check(bool(v), "a value in the walk is absent");
    if (reachable && pointers.size() < 64) pointers.emplace_back(pointer, std::string(v.json()));
    const json::token t = next();
    if (t.kind == json::token_kind::array_begin) {
      fuzz::check(v.kind() == json::value_kind::array && v.json().front() == '[' && v.json().back() == ']',
                  "an array's value is not one");
      std::size_t n = 0;
      for (const json::value& e : v.elements()) {
        fuzz::check(v[n].json() == e.json(), "operator[](index) differs from elements()");
        value(e, pointer + "/" + std::to_string(n), reachable);
        ++n;
      }
      fuzz::check(!v[n], "operator[] past the end is present");
      fuzz::check(v.size() == n, "size() differs from elements()");
      fuzz::check(next().kind == json::token_kind::array_end, "an array ends early or late");
      return;
    }
    if (t.kind == json::token_kind::object_begin) {
      fuzz::check(v.kind() == json::value_kind::object && v.json().front() == '{' && v.json().back() == '}',
                  "an object's value is not one");
      std::size_t n = 0;
      std::vector<std::string> keys;
      for (const json::member& m : v.members()) {
        const json::token k = next();
        fuzz::check(k.kind == json::token_kind::key && k.text == m.raw_key, "a member's key differs from its token");
        const std::string key = m.key();
        fuzz::check(key == unescaped(k.text) && m.key_is(key), "key() or key_is() is wrong");
        bool first = true;
        for (const std::string& earlier : keys) first = first && earlier != key;
        if (first) fuzz::check(v[key].json() == m.value.json(), "operator[](name) is not the first such member");
        keys.push_back(key);
        value(m.value, pointer + pointer_token(key), reachable && first);
        ++n;
      }
      fuzz::check(v.size() == n, "size() differs from members()");
      fuzz::check(next().kind == json::token_kind::object_end, "an object ends early or late");
      return;
    }
    scalar(v, t);
  }
};

// find() and document.at() on one pointer.
void check_pointer(std::string_view text, const json::document& doc, std::string_view pointer) {
  json::result<std::string_view> found;
  json::value at;
  bool find_threw = false, at_threw = false;
  try {
    found = json::find(text, pointer);
  } catch (const std::invalid_argument&) {
    find_threw = true;
  }
  try {
    at = doc.at(pointer);
  } catch (const std::invalid_argument&) {
    at_threw = true;
  }
  fuzz::check(find_threw == at_threw, "find and document.at disagree on a pointer's syntax");
  if (find_threw) return;
  if (!doc) {
    fuzz::check(found.state == json::status::malformed && found.error.code == doc.error().code &&
                    found.error.offset == doc.error().offset,
                "find on an invalid document is not malformed with its error");
    fuzz::check(!at, "at() on an invalid document is present");
    return;
  }
  fuzz::check(found.ok() == bool(at), "find and document.at disagree on presence");
  if (!found.ok()) {
    fuzz::check(found.state == json::status::missing, "find on a valid document is neither ok nor missing");
    return;
  }
  fuzz::check(found.value == at.json(), "find and document.at find different values");
  const auto i = json::find_int(text, pointer), vi = at.get_int();
  fuzz::check(i.state == vi.state && i.value == vi.value, "find_int differs from get_int");
  const auto b = json::find_bool(text, pointer), vb = at.get_bool();
  fuzz::check(b.state == vb.state && b.value == vb.value, "find_bool differs from get_bool");
  const auto s = json::find_string(text, pointer), vs = at.get_string();
  fuzz::check(s.state == vs.state && s.value == vs.value, "find_string differs from get_string");
  std::string scratch;
  const auto s2 = json::find_string(text, pointer, scratch);
  fuzz::check(s2.state == s.state && s2.value == s.value, "the two find_string differ");
  const auto d = json::find_double(text, pointer), vd = at.get_double();
  fuzz::check(d.state == vd.state && (d.value == vd.value || d.value != d.value), "find_double differs from get_double");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  fuzz::exact_copy text(input.substr(0, nul));
  const json::document doc(text.view());

  json::tokenizer reader(text.view());
  json::token t;
  while ((t = reader.next()).kind != json::token_kind::end && t.kind != json::token_kind::error) {}
  fuzz::check(bool(doc) == (t.kind == json::token_kind::end), "document and tokenizer disagree on validity");
  fuzz::check(doc.error().code == reader.error().code && doc.error().offset == reader.error().offset,
              "document and tokenizer report different errors");
  fuzz::check(bool(doc) == bool(doc.root()), "a valid document without a root, or the reverse");

  std::vector<std::pair<std::string, std::string>> pointers;
  if (doc) {
    walk w(text.view());
    w.value(doc.root(), "", true);
    fuzz::check(w.tokens.next().kind == json::token_kind::end, "the walk ends before the tokens");
    pointers = std::move(w.pointers);
    for (const auto& [pointer, json_text] : pointers) {
      fuzz::check(doc.at(pointer).json() == json_text, "at() does not find the value walked to");
    }
  }
  for (const auto& [pointer, json_text] : pointers) check_pointer(text.view(), doc, pointer);
  std::size_t given = 0;
  for (std::size_t at = nul; at != std::string_view::npos && given < 16; ++given) {
    const std::size_t next = input.find('\0', at + 1);
    check_pointer(text.view(), doc, input.substr(at + 1, next == std::string_view::npos ? next : next - at - 1));
    at = next;
  }
  return 0;
}

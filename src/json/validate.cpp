// Validation of a whole document in one pass, without tokens: what json::document and is_valid()
// need. The tokenizer hands out every token and can stop and resume anywhere, and pays for both
// on each token; a document is all there at once and only asks yes or no (its error, rare, is
// then found by the tokenizer). The rules are the tokenizer's, through the same scanners.
#include <lambda/json.hpp>

#include <cstring>

#include "json/scan.hpp"

namespace lambda::json {

namespace {

// A cursor over the document, for the grammar's steps below.
class validator {
 public:
  explicit validator(std::string_view text) noexcept : data_(text.data()), size_(text.size()) {}

  bool document() noexcept {
    for (;;) {
      if (!value()) return false;
      switch (after_value()) {
        case next::value: continue;
        case next::end: return true;
        case next::failed: return false;
      }
    }
  }

 private:
  enum class next : unsigned char { value, end, failed };

  void skip_whitespace() noexcept {
    while (p_ < size_ && detail::is_whitespace(data_[p_])) ++p_;
  }

  // Whether data_[p_] is `c`, stepping past it.
  bool take(char c) noexcept {
    if (p_ == size_ || data_[p_] != c) return false;
    ++p_;
    return true;
  }

  bool string() noexcept {  // from its opening quote
    bool escaped = false;
    const detail::scan_result s = detail::scan_string(data_, size_, p_ + 1, escaped);
    p_ = s.position;
    return s.status == detail::scan_status::complete;
  }

  bool key() noexcept {  // a member's key and its colon, from the key
    if (p_ == size_ || data_[p_] != '"' || !string()) return false;
    skip_whitespace();
    return take(':');
  }

  bool literal(std::string_view text) noexcept {
    if (size_ - p_ < text.size() || std::memcmp(data_ + p_, text.data(), text.size()) != 0) return false;
    p_ += text.size();
    return true;
  }

  // A scalar, or the opening of a container and whatever its first entry needs before a value:
  // false when the text is not JSON. An empty container counts as a whole value.
  bool value() noexcept {
    for (;;) {
      skip_whitespace();
      if (p_ == size_) return false;
      switch (data_[p_]) {
        case '{':
        case '[': {
          const bool object = data_[p_] == '{';
          if (nesting_.depth() == tokenizer::default_max_depth) return false;
          nesting_.open(object);
          ++p_;
          skip_whitespace();
          if (take(object ? '}' : ']')) {
            nesting_.close();
            return true;
          }
          if (object && !key()) return false;
          continue;  // to the first entry's value
        }
        case '"': return string();
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default: {
          const char c = data_[p_];
          if (c != '-' && !detail::is_digit(c)) return false;
          const detail::scan_result s = detail::scan_number(data_, size_, p_, true);
          p_ = s.position;
          return s.status == detail::scan_status::complete;
        }
      }
    }
  }

  // After a value: the closing brackets it completes, then either the next entry (its key too,
  // in an object) or the end of the document.
  next after_value() noexcept {
    for (;;) {
      skip_whitespace();
      if (nesting_.depth() == 0) return p_ == size_ ? next::end : next::failed;
      if (take(',')) {
        if (!nesting_.in_object()) return next::value;
        skip_whitespace();
        return key() ? next::value : next::failed;
      }
      if (!take(nesting_.in_object() ? '}' : ']')) return next::failed;
      nesting_.close();
    }
  }

  const char* data_;
  std::size_t size_;
  std::size_t p_ = 0;
  detail::nesting nesting_;
};

}  // namespace

bool is_valid(std::string_view document) noexcept { return validator(document).document(); }

}  // namespace lambda::json

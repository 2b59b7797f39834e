// HTTP list-valued header fields (RFC 9110 5.6.1): elements separated by
// commas, with optional whitespace around them; empty elements are skipped.
// Shared by Accept-Encoding and If-None-Match.
#pragma once

#include <string_view>

namespace holdfast {

// `s` without the spaces and tabs around it.
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Calls fn(element) for each non-empty element, trimmed, in order; stops
// early when fn returns true. True when it stopped early.
template <class Fn> bool any_list_element(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto element = trim_ows(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (!element.empty() && fn(element)) return true;
  }
  return false;
}

} // namespace holdfast

// Helpers shared by the API test files (api_test.cpp, api_onsale_test.cpp):
// users and their bearer headers, JSON field access that never throws, and
// CHECK_ERROR, which checks a reply is the documented JSON error.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "net/proof_of_work.hpp"
#include "tests/http_client.hpp"
#include "tests/luhn_card.hpp"

namespace holdfast::test {

namespace json = boost::json;

struct user {
  std::string id, name, token;
  headers auth() const { return {{"Authorization", "Bearer " + token}}; }
};

inline headers with(headers h, const std::string& name, const std::string& value) {
  h.emplace_back(name, value);
  return h;
}

inline const json::value* member(const json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  return o ? o->if_contains(key) : nullptr;
}

inline std::string str(const json::value& v, std::string_view key) {
  const auto* m = member(v, key);
  return m && m->is_string() ? std::string(m->as_string()) : std::string("<missing>");
}

inline int64_t num(const json::value& v, std::string_view key) {
  const auto* m = member(v, key);
  if (m && m->is_int64()) return m->as_int64();
  if (m && m->is_uint64()) return static_cast<int64_t>(m->as_uint64());
  return INT64_MIN;
}

inline std::vector<std::string> strings(const json::value& v, std::string_view key) {
  std::vector<std::string> out;
  const auto* m = member(v, key);
  if (m && m->is_array())
    for (const auto& s : m->as_array())
      out.push_back(s.is_string() ? std::string(s.as_string()) : "<not a string>");
  return out;
}

// The value on the line of a Prometheus text body that starts with `series`
// (a name, with labels if any) and a space; nothing when there is no such line.
inline std::optional<double> metric_value(std::string_view body, std::string_view series) {
  for (size_t at = 0; at < body.size();) {
    const size_t end = std::min(body.find('\n', at), body.size());
    const auto line = body.substr(at, end - at);
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ')
      return std::stod(std::string(line.substr(series.size() + 1)));
    at = end + 1;
  }
  return std::nullopt;
}

// "" when `r` is the documented JSON error, else what differs.
inline std::string error_mismatch(const http_reply& r, int status, const std::string& code) {
  std::ostringstream why;
  if (r.status != status) why << "status " << r.status << " != " << status << "; ";
  if (r.error_code() != code) why << "code \"" << r.error_code() << "\" != \"" << code << "\"; ";
  if (r.field("content-type") != "application/json") why << "content-type is not JSON; ";
  const auto doc = r.json();
  const auto* err = member(doc, "error");
  const auto* msg = err ? member(*err, "message") : nullptr;
  if (!msg || !msg->is_string() || msg->as_string().empty()) why << "no error.message; ";
  if (why.tellp() == 0) return {};
  why << "transport: \"" << r.error << "\" body: " << r.body.substr(0, 300);
  return why.str();
}

#define CHECK_ERROR(reply, status, code)                                                           \
  do {                                                                                             \
    const std::string mismatch_ = error_mismatch(reply, status, code);                             \
    CHECK_MESSAGE(mismatch_.empty(), mismatch_);                                                   \
  } while (0)

inline std::string quoted_list(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& s : items)
    a.emplace_back(s);
  return json::serialize(a);
}

inline std::string hold_body(const std::vector<std::string>& seats) {
  return "{\"seats\":" + quoted_list(seats) + "}";
}

// Without a card: a succeeding card of the hold's own (the same for every
// retry of it), so the suite's many orders never share a card and meet the
// per-card seat cap by accident.
inline std::string order_body(const std::string& hold,
                              const std::optional<std::string>& card = std::nullopt) {
  const std::string number = card ? *card : luhn_card(std::hash<std::string>{}(hold));
  return json::serialize(
      json::object{{"holdId", hold}, {"payment", json::object{{"card", number}}}});
}

inline std::string fresh_key() {
  static std::atomic<uint64_t> n{0};
  return "key-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

// A nonce whose SHA-256(challenge ":" nonce) has `difficulty` leading zero
// bits, counting up in base 36 like web/pow.js.
inline std::string solve_pow(const std::string& challenge, uint32_t difficulty) {
  if (difficulty == 0) return "0";
  for (uint64_t n = 0;; ++n) {
    std::string nonce;
    for (uint64_t v = n;; v /= 36) {
      nonce.insert(nonce.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36]);
      if (v < 36) break;
    }
    if (work_bits(challenge, nonce) >= difficulty) return nonce;
  }
}

// The sign-up body with a solved challenge from GET /v1/users/challenge.
inline std::string signup_body(http_client& c, const std::string& name) {
  const auto ch = c.get("/v1/users/challenge");
  REQUIRE_MESSAGE(ch.status == 200, ch.status << " " << ch.body << " " << ch.error);
  const auto v = ch.json();
  const std::string challenge = str(v, "challenge");
  const auto difficulty = static_cast<uint32_t>(std::max<int64_t>(0, num(v, "difficulty")));
  return json::serialize(
      json::object{{"name", name}, {"challenge", challenge}, {"nonce", solve_pow(challenge, difficulty)}});
}

inline user make_user(http_client& c, const std::string& name = "Ada") {
  auto r = c.post("/v1/users", signup_body(c, name));
  REQUIRE_MESSAGE(r.status == 201, r.status << " " << r.body << " " << r.error);
  const auto v = r.json();
  return user{str(v, "userId"), str(v, "name"), str(v, "token")};
}

// A single-use ticket for opening one live socket as `u` (POST /v1/live-tickets).
inline std::string live_ticket(http_client& c, const user& u, const std::string& queue_token = {}) {
  const auto body = queue_token.empty()
                        ? std::string("{}")
                        : json::serialize(json::object{{"queueToken", queue_token}});
  auto r = c.post("/v1/live-tickets", body, u.auth());
  REQUIRE_MESSAGE(r.status == 201, r.status << " " << r.body << " " << r.error);
  return str(r.json(), "ticket");
}

} // namespace holdfast::test

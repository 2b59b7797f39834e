// net/request_reader: the node's request framing, fed exactly as the session
// feeds it, with every way a request can be split across reads: byte by byte,
// at every "\r\n", and at every single position. A split must never change
// what the reader makes of the bytes, and no framing but Content-Length may
// ever reach Beast's body parsers (a chunked body whose last chunk came in a
// read of its own used to trip a Beast assert and abort the node).
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/limits.hpp"
#include "net/request_reader.hpp"

namespace holdfast {

namespace {

using verdict = request_reader::verdict;

// What the reader made of a byte stream: each request's method, target and
// body, then how the stream ended (a refusal's status and code).
struct transcript {
  std::vector<std::string> requests;
  std::string ending; // "need_more", "closed", or "refused 400 bad_framing"
  bool continue_sent = false;
  bool operator==(const transcript&) const = default;
};

std::string describe(request_reader& r) {
  const auto& req = r.request();
  return std::string(req.method_string()) + " " + std::string(req.target()) + " [" + req.body() +
         "]";
}

// Feeds `pieces` one read each, like http_session::on_bytes, starting the
// next request after each complete one (pipelining). `eof`: the peer closes
// after the last piece.
transcript feed(const std::vector<std::string>& pieces, bool eof = false) {
  request_reader r;
  transcript t;
  auto settle = [&](verdict v) {
    for (;;) {
      if (v == verdict::complete) {
        t.requests.push_back(describe(r));
        r.start();
        if (r.buffered() == 0) return true;
        v = r.parse();
        continue;
      }
      if (v == verdict::refused) {
        t.ending = "refused " + std::to_string(static_cast<unsigned>(r.refusal().status)) + " " +
                   std::string(r.refusal().code);
        return false;
      }
      if (v == verdict::closed) {
        t.ending = "closed";
        return false;
      }
      return true; // need_more
    }
  };
  for (const auto& piece : pieces) {
    size_t at = 0;
    while (at < piece.size()) {
      auto room = r.prepare();
      REQUIRE(room.size() > 0);
      const size_t n = std::min(room.size(), piece.size() - at);
      std::memcpy(room.data(), piece.data() + at, n);
      r.commit(n);
      at += n;
      if (!settle(r.parse())) return t;
      if (r.take_continue()) t.continue_sent = true;
    }
  }
  if (eof && !settle(r.end_of_stream())) return t;
  t.ending = "need_more";
  return t;
}

std::vector<std::string> whole(const std::string& s) {
  return {s};
}

std::vector<std::string> bytes(const std::string& s) {
  std::vector<std::string> out;
  for (char ch : s)
    out.emplace_back(1, ch);
  return out;
}

std::vector<std::string> at_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t from = 0;
  for (size_t at = s.find("\r\n"); at != std::string::npos; at = s.find("\r\n", at + 2)) {
    out.push_back(s.substr(from, at + 2 - from));
    from = at + 2;
  }
  if (from < s.size()) out.push_back(s.substr(from));
  return out;
}

// A request with a body and its true Content-Length.
std::string with_body(const std::string& head, const std::string& body) {
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The raw requests of the API tests' kinds: bodiless GETs, JSON POSTs,
// DELETE, keep-alive pipelines, HEAD, an upgrade, Expect: 100-continue.
const std::vector<std::string>& api_requests() {
  static const std::vector<std::string> all = {
      "GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /healthz HTTP/1.0\r\n\r\n",
      "HEAD /v1/events/1/seatmap HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n",
      with_body("POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n",
                "{\"name\":\"Ada\"}"),
      with_body("POST /v1/events/1/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc.def\r\n",
                "{\"seats\":[\"101-A-1\",\"101-A-2\"]}"),
      "DELETE /v1/holds/1-7 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n",
      with_body("POST /v1/orders HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k-1\r\n",
                "{\"holdId\":\"1-7\",\"payment\":{\"card\":\"4242424242424242\"}}    "),
      "GET /v1/events/1/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      // Two pipelined requests in one stream.
      "GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n" +
          with_body("POST /v1/users HTTP/1.1\r\nHost: x\r\n", "{}"),
      // An empty body with a length, and a request line with a query.
      "POST /v1/live-tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
      "GET /v1/events?city=Berlin&from=2026-12-01 HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  return all;
}

} // namespace

TEST_CASE("request_reader: a request means the same however its bytes are split") {
  for (const auto& raw : api_requests()) {
    CAPTURE(raw);
    const auto expected = feed(whole(raw));
    REQUIRE(!expected.requests.empty());
    CHECK(expected.ending == "need_more");
    CHECK(feed(bytes(raw)) == expected);
    CHECK(feed(at_lines(raw)) == expected);
    for (size_t cut = 1; cut < raw.size(); ++cut) {
      CAPTURE(cut);
      CHECK(feed({raw.substr(0, cut), raw.substr(cut)}) == expected);
    }
  }
}

TEST_CASE("request_reader: Expect: 100-continue is noticed once the header is in, split or not") {
  const std::string header = "POST /v1/users HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                             "Content-Length: 14\r\n\r\n";
  for (const auto& pieces : {std::vector<std::string>{header, "{\"name\":\"Ada\"}"},
                             [&] {
                               auto b = bytes(header);
                               b.push_back("{\"name\":\"Ada\"}");
                               return b;
                             }()}) {
    const auto t = feed(pieces);
    CHECK(t.continue_sent);
    REQUIRE(t.requests.size() == 1);
    CHECK(t.requests[0] == "POST /v1/users [{\"name\":\"Ada\"}]");
  }
  // The body already came with the header: nobody is waiting for the interim answer.
  CHECK_FALSE(feed(whole(header + "{\"name\":\"Ada\"}")).continue_sent);
}

TEST_CASE("request_reader: the chunked request that used to abort the node is refused at its header") {
  // Beast asserted 'n >= 5' when the final chunk arrived in a read of its own.
  const std::vector<std::string> crash = {
      "POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n",
      "\r", "\n"};
  const auto t = feed(crash);
  CHECK(t.requests.empty());
  CHECK(t.ending == "refused 411 length_required");
  const std::string joined = crash[0] + crash[1] + crash[2];
  CHECK(feed(bytes(joined)) == t);
  for (size_t cut = 1; cut < joined.size(); ++cut)
    CHECK(feed({joined.substr(0, cut), joined.substr(cut)}) == t);
}

TEST_CASE("request_reader: any framing but one Content-Length is refused (no smuggling)") {
  const std::string head = "POST /v1/users HTTP/1.1\r\nHost: x\r\n";
  const std::string body = "5\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  struct framing {
    std::string fields;
    std::string ending;
  };
  const std::vector<framing> cases = {
      {"Transfer-Encoding: chunked\r\n", "refused 411 length_required"},
      {"Transfer-Encoding: CHUNKED \r\n", "refused 411 length_required"},
      {"Transfer-Encoding: gzip\r\n", "refused 400 bad_framing"},
      {"Transfer-Encoding: identity\r\n", "refused 400 bad_framing"},
      {"Transfer-Encoding: xchunked\r\n", "refused 400 bad_framing"},
      {"Transfer-Encoding: chunked, identity\r\n", "refused 400 bad_framing"},
      {"Transfer-Encoding: gzip, chunked\r\n", "refused 400 bad_framing"},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "refused 400 bad_framing"},
      {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "refused 400 bad_framing"},
      {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "refused 400 bad_framing"},
      {"Content-Length: 5\r\nContent-Length: 6\r\n", "refused 400 bad_framing"},
      {"Content-Length: 5\r\nContent-Length: 5\r\n", "refused 400 bad_framing"},
      {"Content-Length: 5, 6\r\n", "refused 400 bad_framing"},
      {"Content-Length: -1\r\n", "refused 400 bad_framing"},
      {"Content-Length: 0x10\r\n", "refused 400 bad_framing"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.fields);
    const std::string raw = head + c.fields + "\r\n" + body;
    for (const auto& pieces : {whole(raw), bytes(raw), at_lines(raw)}) {
      const auto t = feed(pieces);
      CHECK(t.requests.empty()); // neither the POST nor the smuggled GET
      CHECK(t.ending == c.ending);
    }
  }
}

TEST_CASE("request_reader: endless chunk extensions, trailers and headers stay within the bounds") {
  // 32 MiB of chunk extension: refused at the header, before one byte of it is kept.
  const std::string head = "POST /v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  request_reader r;
  std::string stream = head + "1;" + std::string(1 << 20, 'e');
  size_t fed = 0, at = 0;
  verdict v = verdict::need_more;
  while (v == verdict::need_more && fed < (32u << 20)) {
    auto room = r.prepare();
    REQUIRE(room.size() > 0);
    const size_t n = std::min(room.size(), stream.size() - at);
    std::memcpy(room.data(), stream.data() + at, n);
    r.commit(n);
    fed += n;
    at = (at + n) % stream.size();
    CHECK(r.buffered() <= limits::http_buffer_bytes_max);
    v = r.parse();
  }
  CHECK(v == verdict::refused);
  CHECK(fed <= limits::http_buffer_bytes_max);

  // A header that never ends: 431 once it passes the bound, the buffer never more than it.
  request_reader h;
  const std::string endless = "GET / HTTP/1.1\r\nX-Filler: " + std::string(64 << 10, 'a');
  at = 0;
  v = verdict::need_more;
  while (v == verdict::need_more && at < endless.size()) {
    auto room = h.prepare();
    REQUIRE(room.size() > 0);
    const size_t n = std::min(room.size(), endless.size() - at);
    std::memcpy(room.data(), endless.data() + at, n);
    h.commit(n);
    at += n;
    CHECK(h.buffered() <= limits::http_buffer_bytes_max);
    v = h.parse();
  }
  REQUIRE(v == verdict::refused);
  CHECK(static_cast<unsigned>(h.refusal().status) == 431);
  CHECK(at <= limits::http_header_bytes_max + limits::http_read_chunk_bytes);

  // A body over the bound is refused from its Content-Length alone.
  const auto big = feed(whole("POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                              std::to_string(limits::http_body_bytes_max + 1) + "\r\n\r\n"));
  CHECK(big.ending == "refused 413 body_too_large");
}

TEST_CASE("request_reader: a clean close between requests is not an error; a cut request is") {
  CHECK(feed({}, true).ending == "closed");
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto after_one = feed(whole(get), true);
  CHECK(after_one.requests.size() == 1);
  CHECK(after_one.ending == "closed");
  for (size_t cut = 1; cut < get.size(); ++cut) {
    const auto t = feed({get.substr(0, cut)}, true);
    CHECK(t.requests.empty());
    CHECK(t.ending == "refused 400 bad_request");
  }
}

TEST_CASE("request_reader: garbage is a 400, never a crash") {
  for (const std::string& raw :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15),
        std::string("GET\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nNo-Colon\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nHost: x\x00y\r\n\r\n", 29)}) {
    CAPTURE(raw);
    const auto t = feed(whole(raw));
    CHECK(t.requests.empty());
    CHECK(t.ending.rfind("refused 400", 0) == 0);
    CHECK(feed(bytes(raw)) == t);
  }
}

} // namespace holdfast

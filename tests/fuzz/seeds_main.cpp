// fuzz-seeds <dir>: writes the seed corpus of every fuzz target into
// <dir>/<target>/, using the node's real encoders and issuers, so the seeds are
// exactly what the node reads. The committed corpus (tests/fuzz/corpus/) is its
// output; rerun it when a format changes. Formats: see each *_fuzz.cpp.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "net/access_tokens.hpp"
#include "net/auth.hpp"
#include "persistence/checkout_format.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/journal_sink.hpp"
#include "persistence/queue_format.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;
namespace fs = std::filesystem;

namespace {

constexpr int64_t t0 = 1'800'000'000'000;

void write(const fs::path& dir, const std::string& name, std::string_view bytes) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string routed(char route, std::string_view body) {
  return std::string(1, route) + std::string(body);
}

void bodies(const fs::path& dir) {
  const std::pair<const char*, std::string> seeds[] = {
      {"user", routed(0, R"({"name":"ann"})")},
      {"user_pow", routed(0, R"({"name":"ann","challenge":"0.1800000000000.abc","nonce":"77"})")},
      {"live_ticket", routed(7, R"({"queueToken":"aGZxMXw3fDQyfDN8MTc5OTk5OTk5OTAwMA.x"})")},
      {"live_ticket_empty", routed(7, "")},
      {"queue_empty", routed(1, "")},
      {"queue_pow", routed(1, R"({"challenge":"7.1800000000000.abc","nonce":"12345"})")},
      {"waitlist", routed(2, R"({"section":"101","quantity":2})")},
      {"waitlist_any", routed(2, R"({"section":null,"quantity":1})")},
      {"pow", routed(3, R"({"powDifficulty":12})")},
      {"hold_seats", routed(4, R"({"seats":["101-A-1","101-A-2","202-B-7"]})")},
      {"hold_unknown", routed(4, R"({"seats":["101-A-1","999-Z-1"]})")},
      {"hold_ga", routed(4, R"({"section":"FLOOR","quantity":4})")},
      {"hold_best", routed(4, R"({"section":"201","quantity":3})")},
      {"hold_best_any", routed(4, R"({"quantity":2})")},
      {"order", routed(5, R"({"holdId":"30064771073","payment":{"card":"4242424242424242"}})")},
      {"seat_label", routed(6, "102-B-12")},
      {"id", routed(6, "18446744073709551615")},
      {"venue", routed(8, R"({"name":"Hall","city":"Town","sections":[{"name":"A","tier":"t",)"
                          R"("priceCents":100,"rows":[{"label":"A","seats":3},{"label":"C",)"
                          R"("seats":2}]}],"ga":[{"name":"F","capacity":5,"priceCents":1}]})")},
  };
  for (const auto& [name, bytes] : seeds)
    write(dir, name, bytes);
}

// http_fuzz.cpp's input: the read sizes, then the bytes.
std::string split(std::vector<uint8_t> sizes, std::string_view bytes) {
  std::string out(1, static_cast<char>(sizes.size()));
  for (uint8_t s : sizes)
    out += static_cast<char>(s);
  return out + std::string(bytes);
}

void requests(const fs::path& dir) {
  const std::string post = "POST /v1/events/1/holds HTTP/1.1\r\nHost: x\r\n"
                           "Authorization: Bearer abc.def\r\nContent-Type: application/json\r\n"
                           "Content-Length: 21\r\n\r\n{\"seats\":[\"101-A-1\"]}";
  const std::string get = "GET /v1/events?q=rock&from=2026-01-01 HTTP/1.1\r\nHost: x\r\n\r\n";
  write(dir, "get", split({}, get));
  write(dir, "post", split({7, 1, 30}, post));
  write(dir, "pipelined", split({}, get + post + "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n"));
  write(dir, "continue", split({}, "POST /v1/users HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                   "Content-Length: 14\r\n\r\n{\"name\":\"ann\"}"));
  // The issue's crash: a chunked request whose final chunk came in its own reads.
  write(dir, "chunked", split({1}, "POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                   "application/json\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  write(dir, "smuggle", split({}, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                                  "Transfer-Encoding: gzip\r\n\r\nGET / HTTP/1.1\r\n\r\n"));
  write(dir, "http10", split({}, "GET /healthz HTTP/1.0\r\n\r\n"));
  write(dir, "upgrade", split({}, "GET /v1/events/1/live?ticket=abc HTTP/1.1\r\nHost: x\r\n"
                                  "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                                  "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
}

void tokens(const fs::path& dir) {
  const std::string secret = "fuzzing-secret-0123456789abcdef"; // tokens_fuzz.cpp's
  token_authority users{secret};
  access_tokens rooms{secret};
  write(dir, "user_token", routed(0, users.issue({42, "ann", t0 + 3'600'000})));
  write(dir, "queue_token", routed(0, rooms.issue_queue_token({42, 7, 3, t0 - 1'000})));
  write(dir, "access_token", routed(0, rooms.issue_access_token({42, 7, 3, t0 + 600'000})));
  write(dir, "user_payload", routed(1, "v1|42|1800003600000|ann"));
  write(dir, "queue_payload", routed(2, "hfq1|7|42|3|1799999999000"));
  write(dir, "access_payload", routed(3, "hfa1|7|42|3|1800000600000"));
  write(dir, "base64", routed(4, "aGVsbG8td29ybGQ"));
}

// One frame of recovery_fuzz.cpp's input.
void frame(std::string& out, uint8_t op, event_id event, stream_kind kind, std::string_view b) {
  out += static_cast<char>(op);
  out += static_cast<char>((static_cast<uint8_t>(kind) << 6) | (event & 63u));
  out += static_cast<char>(b.size() & 0xFF);
  out += static_cast<char>((b.size() >> 8) & 0xFF);
  out += b;
}

// Each journal frame of a sink ([u32 length][record]...) as a row frame.
void rows(std::string& out, event_id event, stream_kind kind, const std::string& frames) {
  std::vector<journal_row> split;
  split_frames(frames, stream_of(event, kind), split);
  for (const auto& row : split)
    frame(out, 2, event, kind, row.record);
}

void event_streams(const fs::path& dir) {
  const auto v = make_demo_venue(4, 400, 100);
  const auto ga = *v->find_section("FLOOR");
  event_config c;
  c.id = 7;
  c.name = "Seed Night";
  c.onsale.waitlist_offer_s = 60;
  event_state e{v, c};
  journal_sink sink{7};
  e.set_sink(&sink);
  sink.event_created(c, v->id(), t0);
  e.open_sale(t0);
  const seat_index seats[] = {0, 1, 2};
  auto held = e.apply(make_hold(1, 42, seats), t0 + 1);
  e.apply(make_ga_hold(2, 43, ga, 2), t0 + 2);
  e.apply(make_best_hold(3, 44, 1, 2), t0 + 3);
  e.apply(make_confirm(4, 42, held.id), t0 + 4);
  e.set_section_price(0, 15'000, t0 + 5);
  e.join_waitlist(45, no_area, 2, t0 + 6);
  e.expire_due(t0 + 3'600'000); // releases the GA and best holds: the waitlist is offered
  std::string journal_only;
  frame(journal_only, 0, 0, stream_kind::event, encode_venue(*v));
  rows(journal_only, 7, stream_kind::event, sink.take_frames());
  write(dir, "event_journal", journal_only);

  std::string snapshot;
  frame(snapshot, 1, 7, stream_kind::event, encode_snapshot(e.export_snapshot(), v->id(), 0));
  e.apply(make_hold(5, 46, std::span<const seat_index>(seats + 2, 1)), t0 + 3'600'001);
  rows(snapshot, 7, stream_kind::event, sink.take_frames());
  write(dir, "event_snapshot", snapshot);
}

void queue_stream(const fs::path& dir) {
  admission_config c;
  c.opens_at_ms = t0 + 1'000;
  c.admit_per_min = 600;
  c.active_max = 2;
  c.shuffle_seed = 77;
  admission_queue q{c};
  queue_journal_sink sink{7};
  q.set_sink(&sink);
  sink.created(c, t0);
  for (user_id u = 1; u <= 4; ++u)
    q.join(u, t0 + static_cast<int64_t>(u));
  std::string out;
  rows(out, 7, stream_kind::queue, sink.take_frames());
  frame(out, 1, 7, stream_kind::queue,
        encode_queue_snapshot(stream_of(7, stream_kind::queue), c, q.export_snapshot(), 5));
  for (int64_t t = t0 + 1'000; t <= t0 + 3'000; t += 250)
    q.tick(t);
  q.finish(1, t0 + 3'001);
  q.join(5, t0 + 3'002);
  rows(out, 7, stream_kind::queue, sink.take_frames());
  write(dir, "queue", out);
}

void checkout_stream(const fs::path& dir) {
  checkout_saga saga{checkout_config_of(7)};
  checkout_journal_sink sink{7};
  attempt_record a;
  a.user = 42;
  a.idempotency_key = "key-1";
  a.payment_key = saga.payment_key(a.user, a.idempotency_key);
  a.hold = (uint64_t{7} << 32) | 1;
  a.amount_cents = 24'000;
  a.card_last4 = "4242";
  a.started_at_ms = t0;
  sink.attempt_started(a);
  saga.replay_attempt_started(a);
  state_change s;
  s.payment_key = a.payment_key;
  s.state = saga_state::authorized;
  s.at_ms = t0 + 100;
  sink.attempt_state(s);
  saga.replay_attempt_state(s);
  std::string out; // the rows, then a snapshot covering them
  rows(out, 7, stream_kind::checkout, sink.take_frames());
  frame(out, 1, 7, stream_kind::checkout,
        encode_checkout_snapshot(stream_of(7, stream_kind::checkout), saga.export_snapshot(), 2));
  write(dir, "checkout", out);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz-seeds <corpus dir>\n");
    return 2;
  }
  const fs::path root = argv[1];
  bodies(root / "bodies_fuzz");
  requests(root / "http_fuzz");
  tokens(root / "tokens_fuzz");
  event_streams(root / "recovery_fuzz");
  queue_stream(root / "recovery_fuzz");
  checkout_stream(root / "recovery_fuzz");
  return 0;
}

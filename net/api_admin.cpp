// The operators' routes, on the admin listener only: the admin token, the
// /metrics scrape, and the proof-of-work knob of a waiting room.
#include <caf/all.hpp>
#include <openssl/crypto.h>

#include "core/limits.hpp"
#include "net/api.hpp"
#include "net/gateway.hpp"

namespace holdfast {

namespace json = boost::json;

bool api::admin_authorized(call& c) {
  const auto it = c.req.find(http::field::authorization);
  std::string_view value;
  if (it != c.req.end()) value = std::string_view(it->value().data(), it->value().size());
  const std::string_view token = value.rfind("Bearer ", 0) == 0 ? value.substr(7) : "";
  const auto& want = s_.admin_token;
  if (!want.empty() && token.size() == want.size() &&
      CRYPTO_memcmp(token.data(), want.data(), want.size()) == 0)
    return true;
  c.reply(make_error(http::status::unauthorized, "unauthorized",
                     "send Authorization: Bearer <the node's admin.token>"));
  return false;
}

// GET /metrics: behind the admin token too when metrics_token is set.
void api::get_metrics(call& c) {
  if (s_.metrics_token && !admin_authorized(c)) return;
  sample_queues(c);
  scrape_metrics(c);
}

// Asks every shard for its journal counters, then renders: the scrape shows
// the journal as of now (queue gauges lag one scrape; see sample_queues).
void api::scrape_metrics(call& c) {
  s_.metrics.set_gateway_in_flight(s_.gateway_in_flight->load(std::memory_order_relaxed));
  auto ask_shards = [this, reply = c.reply](caf::event_based_actor* self) {
    struct gather {
      size_t waiting = 0;
      journal_stats sum;
    };
    auto g = std::make_shared<gather>();
    auto finish = [this, g, reply] {
      if (--g->waiting != 0) return;
      s_.metrics.set_journal(g->sum);
      auto res = make_json(http::status::ok, s_.metrics.render());
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      reply(std::move(res));
    };
    g->waiting = s_.dir.shards().size() + 1; // +1: released below, after every request is out
    for (const auto& shard : s_.dir.shards())
      self->request(shard, std::chrono::milliseconds(limits::metrics_stats_timeout_ms),
                    stats_atom::value)
          .then(
              [g, finish](journal_stats& st) {
                g->sum.add(st);
                finish();
              },
              [finish](caf::error&) { finish(); });
    finish();
  };
  caf::anon_send(c.gateway, gateway_task{std::move(ask_shards)});
}

// PUT /v1/admin/events/{id}/queue {"powDifficulty": n}: raises (or lowers) the
// proof of work at queue join at once, e.g. under a bot wave. Authorized by the
// admin token in <data_dir>/admin.token (dispatch checks it); held in memory
// (cluster.conf's queue.pow_difficulty is the default after a restart).
void api::admin_queue(call& c, event_id id) {
  if (s_.guard == nullptr)
    return c.reply(make_error(http::status::not_found, "not_found",
                              "this node runs without anti-bot protection"));
  auto e = find_event(c, id);
  if (!e) return;
  auto bits = parse_pow_difficulty_body(c.req.body());
  if (auto* r = std::get_if<body_refusal>(&bits)) return c.reply(refusal_response(*r));
  auto& pow = s_.guard->pow_for(id);
  pow.set_difficulty(std::get<uint32_t>(bits));
  c.reply(make_json(http::status::ok,
                    json::serialize(json::object{{"eventId", std::to_string(id)},
                                                 {"powDifficulty", pow.difficulty()}})));
}

} // namespace holdfast

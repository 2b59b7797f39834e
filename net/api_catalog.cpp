// Users, the event catalog, seat maps and the web UI's static files.
#include <algorithm>
#include <cctype>

#include <caf/all.hpp>

#include "core/limits.hpp"
#include "net/api.hpp"
#include "net/content_coding.hpp"
#include "net/gateway.hpp"
#include "net/json_views.hpp"

namespace holdfast {

namespace json = boost::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+')
      out += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
             hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else
      out += s[i];
  }
  return out;
}

bool matches(const catalog_entry& e, const std::map<std::string, std::string>& q,
             std::optional<int64_t> from, std::optional<int64_t> to) {
  auto has = [](const std::string& hay, const std::string& needle) {
    return lower(hay).find(needle) != std::string::npos;
  };
  if (auto it = q.find("q"); it != q.end() && !it->second.empty()) {
    const auto needle = lower(it->second);
    if (!has(e.config.name, needle) && !has(e.config.artist, needle) &&
        !has(e.hall->name(), needle) && !has(e.hall->city(), needle))
      return false;
  }
  if (auto it = q.find("city");
      it != q.end() && !it->second.empty() && lower(it->second) != lower(e.hall->city()))
    return false;
  if (auto it = q.find("category");
      it != q.end() && !it->second.empty() && lower(it->second) != lower(e.config.category))
    return false;
  if (from && e.config.starts_at_ms < *from) return false;
  if (to && e.config.starts_at_ms > *to) return false;
  return true;
}

} // namespace

std::map<std::string, std::string> query_params(std::string_view target) {
  std::map<std::string, std::string> out;
  const auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    out[url_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

void api::list_events(call& c) {
  const auto q = query_params(c.req.target());
  std::optional<int64_t> from, to;
  for (auto [name, out] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    auto it = q.find(name);
    if (it == q.end() || it->second.empty()) continue;
    *out = parse_iso_time(it->second);
    if (!*out)
      return c.reply(make_error(http::status::bad_request, "invalid_request",
                                std::string(name) + " must be an ISO date like 2026-12-31"));
  }
  json::array events;
  for (const auto& [id, e] : *s_.events.all())
    if (matches(*e, q, from, to)) events.push_back(event_summary(*e));
  c.reply(make_json(http::status::ok, json::serialize(json::object{{"events", events}})));
}

void api::get_event(call& c, event_id id) {
  if (auto e = find_event(c, id))
    c.reply(make_json(http::status::ok, json::serialize(event_detail(*e))));
}

std::optional<api::rendered_seatmap> api::cached_seatmap(event_id id, uint64_t version) {
  std::lock_guard<std::mutex> guard{seatmap_mutex_};
  auto it = seatmaps_.find(id);
  if (it == seatmaps_.end() || !it->second.map.body) return std::nullopt;
  const auto& map = it->second.map;
  const bool fresh = std::chrono::steady_clock::now() - map.at <
                     std::chrono::milliseconds(limits::seatmap_staleness_ms_max);
  if (map.version != version && !fresh) return std::nullopt;
  return map;
}

void api::render_or_join(std::shared_ptr<const catalog_entry> e, seat_map_view view,
                         seatmap_waiter answer) {
  std::optional<rendered_seatmap> previous;
  {
    std::lock_guard<std::mutex> guard{seatmap_mutex_};
    auto& slot = seatmaps_[e->config.id];
    if (slot.rendering) {
      // Fans catch up through the live deltas, whose statuses are absolute,
      // so a map one render behind is as good as a fresh one.
      if (!slot.map.body) return slot.waiting.push_back(std::move(answer));
      previous = slot.map;
    } else {
      slot.rendering = true;
      slot.waiting.push_back(std::move(answer));
    }
  }
  if (previous) return answer(*previous);
  render_seatmap_later(std::move(e), std::move(view));
}

// Renders, answers, then compresses, in a one-off actor on a CAF worker. At
// 50,000 seats the render takes ~8 ms (~40 ms with cold memory) and gzip level 1
// ~25 ms; at 800,000 seats the render alone is over 100 ms. On an I/O thread
// that would stall every hold of the thread behind it, on the gateway actor
// every task queued behind it, on the event actor every command of the event.
// Until the compressed copy is ready, gzip-accepting clients get the plain map.
// At most one runs per event (render_or_join), so a crowd asking for a changed
// map costs one render and one gzip, not one each.
void api::render_seatmap_later(std::shared_ptr<const catalog_entry> e, seat_map_view view) {
  s_.metrics.count_seatmap_render();
  s_.sys.spawn([this, e = std::move(e), view = std::move(view)] {
    const event_id id = e->config.id;
    const auto etag = seat_map_etag(boot_, view);
    rendered_seatmap rendered{view.version,
                              std::chrono::steady_clock::now(),
                              std::make_shared<const std::string>(seat_map_json(*e, view)),
                              nullptr,
                              etag,
                              gzip_etag(etag)};
    std::vector<seatmap_waiter> waiting;
    {
      std::lock_guard<std::mutex> guard{seatmap_mutex_};
      auto& slot = seatmaps_[id];
      if (!slot.map.body || slot.map.version <= view.version) slot.map = rendered;
      waiting.swap(slot.waiting);
    }
    for (auto& answer : waiting)
      answer(rendered);
    auto gzipped = std::make_shared<const std::string>(gzip(*rendered.body));
    std::lock_guard<std::mutex> guard{seatmap_mutex_};
    auto& slot = seatmaps_[id];
    if (slot.map.body == rendered.body) slot.map.gzipped = std::move(gzipped);
    slot.rendering = false;
  });
}

// The seat map as this client takes it: gzip when it accepts it and the
// compressed copy is ready. Caches and proxies must keep the two apart (Vary).
// Stored but revalidated every time (no-cache): a fan's browser asks with
// If-None-Match and gets a 304 without the megabytes while the map is unchanged
// (e.g. while an event waits for its on-sale).
// The body goes by reference (http_answer): every fan of the event gets the same
// megabytes, and copying them per answer would cost the I/O thread more than
// sending them.
http_answer api::seatmap_response(const rendered_seatmap& map, bool gzip_ok,
                                  std::string_view if_none_match) {
  const bool zipped = gzip_ok && map.gzipped;
  const auto* held = held_etag(if_none_match, map.etag, map.etag_gzip, zipped);
  auto res = make_json(held ? http::status::not_modified : http::status::ok, "");
  res.set(http::field::cache_control, "no-cache");
  res.set(http::field::vary, "Accept-Encoding");
  if (held) {
    res.erase(http::field::content_length); // a 304 has no body and no length
    res.set(http::field::etag, *held);
    return res;
  }
  const auto& sent = zipped ? map.gzipped : map.body;
  if (zipped) res.set(http::field::content_encoding, "gzip");
  res.set(http::field::etag, zipped ? map.etag_gzip : map.etag);
  res.content_length(sent->size());
  return http_answer{std::move(res), sent};
}

void api::get_seatmap(call& c, event_id id) {
  auto e = find_event(c, id);
  if (!e) return;
  auto it = c.req.find(http::field::accept_encoding);
  const bool gzip_ok = it != c.req.end() && accepts_gzip(it->value());
  auto held = c.req.find(http::field::if_none_match);
  std::string if_none_match = held == c.req.end() ? std::string{} : std::string(held->value());
  if (auto cached = cached_seatmap(id, UINT64_MAX)) // fresh enough: no actor involved
    return c.reply(seatmap_response(*cached, gzip_ok, if_none_match));
  if (!admit_to_gateway(c)) return;
  auto dir = s_.dir;
  caf::anon_send(
      c.gateway, gateway_task{[this, e, dir, gzip_ok, if_none_match = std::move(if_none_match),
                               reply = c.reply](caf::event_based_actor* self) {
        lookup_event(self, dir, e->config.id, [=, this](event_actor ev) {
          if (!ev)
            return reply(make_error(http::status::not_found, "unknown_event", "no such event"));
          self->request(ev, std::chrono::milliseconds(limits::actor_answer_timeout_ms),
                        seatmap_atom::value)
              .then(
                  [=, this](seat_map_view& view) {
                    s_.events.set_status(e->config.id, view.status);
                    if (auto cached = cached_seatmap(e->config.id, view.version))
                      return reply(seatmap_response(*cached, gzip_ok, if_none_match));
                    render_or_join(e, std::move(view),
                                   [reply, gzip_ok, if_none_match](const rendered_seatmap& r) {
                                     reply(seatmap_response(r, gzip_ok, if_none_match));
                                   });
                  },
                  [reply](caf::error&) {
                    reply(make_error(http::status::service_unavailable, "overloaded",
                                     "the event did not answer in time"));
                  });
        });
      }});
}

// Scripts, styles and sockets only from this origin; the favicon is a data: URL.
constexpr const char* content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

void api::serve_static(call& c, std::string_view name) {
  const auto file = statics_.get(name);
  if (!file) return c.reply(make_error(http::status::not_found, "not_found", "no such file"));
  auto accept = c.req.find(http::field::accept_encoding);
  const bool zipped =
      !file->gzipped.empty() && accept != c.req.end() && accepts_gzip(accept->value());
  auto res_of = [&](http::status status, const std::string& etag) {
    http_response res{status, c.req.version()};
    res.set(http::field::server, "holdfast");
    res.set(http::field::date, http_date_now());
    res.set(http::field::content_type, file->content_type);
    // Revalidate every time (a new deployment shows at once); the ETag makes
    // that a 304 without a body.
    res.set(http::field::cache_control, "no-cache");
    res.set(http::field::etag, etag);
    if (!file->gzipped.empty()) res.set(http::field::vary, "Accept-Encoding");
    // The pages take payments: nothing but our own files runs in them, and no
    // other site may frame them (clickjacking) or learn where a fan came from.
    res.set("Content-Security-Policy", content_security_policy);
    res.set(http::field::x_frame_options, "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Content-Type-Options", "nosniff");
    return res;
  };
  auto match = c.req.find(http::field::if_none_match);
  if (match != c.req.end())
    if (const auto* held = held_etag(match->value(), file->etag, file->etag_gzip, zipped))
      return c.reply(res_of(http::status::not_modified, *held)); // no body and no length
  auto res = res_of(http::status::ok, zipped ? file->etag_gzip : file->etag);
  if (zipped) res.set(http::field::content_encoding, "gzip");
  // By reference, kept alive by the file's own pointer: no copy per answer.
  std::shared_ptr<const std::string> body(file, zipped ? &file->gzipped : &file->body);
  res.content_length(body->size());
  c.reply(http_answer{std::move(res), std::move(body)});
}

} // namespace holdfast

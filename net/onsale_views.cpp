#include "net/onsale_views.hpp"

#include "net/json_views.hpp"

namespace holdfast {

namespace json = boost::json;

std::string_view queue_status_name(const queue_status& s) {
  switch (s.state) {
  case queue_state::pre_queue:
    return "pre_queue";
  case queue_state::queued:
    return "queued";
  case queue_state::admitted:
    return "admitted";
  case queue_state::finished:
  case queue_state::expired:
  case queue_state::removed:
    return "expired";
  case queue_state::unknown:
    break;
  }
  return "unknown";
}

json::object queue_json(const queue_status& s, event_id event, user_id user,
                        const access_tokens& tokens) {
  json::object out{{"status", queue_status_name(s)},
                   {"position", s.position},
                   {"queueLength", s.queue_length},
                   {"etaSeconds", s.eta_s}};
  if (s.state == queue_state::admitted) {
    out["accessToken"] =
        tokens.issue_access_token(access_claims{user, event, s.seq, s.access_expires_at_ms});
    out["accessExpiresAtMs"] = s.access_expires_at_ms;
  }
  return out;
}

json::object waitlist_json(const catalog_entry& e, const waitlist_view& w, const hold_view* hold) {
  json::object out{{"waitlistId", std::to_string(make_event_scoped_id(e.config.id, w.seq))},
                   {"eventId", std::to_string(e.config.id)},
                   {"quantity", w.quantity},
                   {"status", status_name(w.status)}};
  if (w.section != no_area && w.section < e.hall->sections().size())
    out["section"] = e.hall->sections()[w.section].name;
  if (w.status == waitlist_status::waiting) out["position"] = w.position;
  if (w.hold != no_id) {
    out["holdId"] = std::to_string(w.hold);
    out["offerExpiresAtMs"] = w.offer_expires_at_ms;
  }
  if (hold != nullptr) {
    out["seats"] = seat_labels(*e.hall, hold->seats);
    out["total"] = hold->total_cents;
  }
  return out;
}

} // namespace holdfast

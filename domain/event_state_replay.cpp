// Recovery half of event_state: snapshot export/restore and journal replay.
// Replay validates each record against the state before applying it, so a
// journal that contradicts itself is reported instead of tripping an assert.
#include <algorithm>

#include "domain/event_state.hpp"
#include "core/assert.hpp"

namespace holdfast {

namespace {

// Replay must not echo changes back into the journal.
struct sink_muted {
  change_sink*& sink;
  change_sink* saved;
  explicit sink_muted(change_sink*& s) : sink(s), saved(s) { sink = nullptr; }
  ~sink_muted() { sink = saved; }
};

} // namespace

event_snapshot event_state::export_snapshot_unsorted() const {
  event_snapshot snap;
  snap.config = config_;
  snap.status = status_;
  snap.prices = prices_;
  snap.hold_seq = hold_seq_;
  snap.holds.assign(holds_.begin(), holds_.end());
  snap.orders = orders_;
  snap.expired_holds = expired_holds_;
  snap.waitlist = waitlist_.export_snapshot();
  return snap;
}

event_snapshot event_state::export_snapshot() const {
  auto snap = export_snapshot_unsorted();
  sort_holds_by_deadline(snap);
  return snap;
}

// Deadline order lets restore() refill the deadline lanes without sorting.
// Sorts 16-byte keys, then moves each record once.
void sort_holds_by_deadline(event_snapshot& snap) {
  std::vector<std::pair<int64_t, uint32_t>> order; // (deadline, index)
  order.reserve(snap.holds.size());
  for (uint32_t k = 0; k < snap.holds.size(); ++k)
    order.emplace_back(snap.holds[k].second.expires_at_ms, k);
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return snap.holds[a.second].first < snap.holds[b.second].first; // then by hold seq
  });
  std::vector<std::pair<uint32_t, hold_record>> sorted;
  sorted.reserve(snap.holds.size());
  for (const auto& [deadline, k] : order)
    sorted.push_back(std::move(snap.holds[k]));
  snap.holds = std::move(sorted);
}

std::unique_ptr<event_state> event_state::restore(std::shared_ptr<const venue> v,
                                                  const event_snapshot& snap) {
  if (!event_config_ok(snap.config)) return nullptr;
  auto st = std::make_unique<event_state>(std::move(v), snap.config);
  if (snap.prices.size() != st->prices_.size()) return nullptr;
  st->prices_ = snap.prices;
  st->status_ = snap.status;
  st->expired_holds_ = snap.expired_holds;
  for (uint32_t k = 0; k < snap.orders.size(); ++k) {
    // An order's hold is gone; take its places through a transient hold so the
    // inventory walks the only legal path to sold.
    const order_record& o = snap.orders[k];
    hold_record transient;
    static_cast<placement&>(transient) = o;
    transient.user = o.user;
    if (!st->replay_hold_placed(o.hold_seq, transient)) return nullptr;
    if (!st->replay_order_confirmed(k + 1, o)) return nullptr;
  }
  for (const auto& [seq, h] : snap.holds)
    if (!st->replay_hold_placed(seq, h)) return nullptr;
  st->hold_seq_ = std::max(st->hold_seq_, snap.hold_seq);
  auto list = waitlist::restore(snap.waitlist);
  if (!list) return nullptr;
  st->waitlist_ = std::move(*list);
  for (const auto& e : snap.waitlist.entries)
    if (e.status == waitlist_status::offered && st->holds_.count(seq_of(e.hold)) == 0)
      return nullptr; // an open offer always has its live hold
  st->refresh_sold_out();
  return st;
}

bool event_state::replay_hold_placed(uint32_t seq, const hold_record& h) {
  sink_muted mute{sink_};
  if (seq == 0 || holds_.count(seq) != 0 || h.seat_count > limits::hold_seats_max) return false;
  // One live hold per key and user: a retry returns it, never makes another.
  if ((h.idempotency_key == 0) != (h.request_hash == 0)) return false;
  if (h.idempotency_key != 0 && keyed_hold(h.user, h.idempotency_key) != nullptr) return false;
  // A live hold takes GA places or named seats, at least one, never a seat
  // twice (the inventory asserts on all of these: found by recovery_fuzz).
  if (h.ga_area != no_area) {
    if (h.seat_count != 0 || h.quantity == 0 || h.ga_area >= venue_->sections().size() ||
        venue_->sections()[h.ga_area].kind != section_kind::general_admission ||
        !inventory_.ga_can_hold(h.ga_area, h.quantity))
      return false;
  } else {
    if (h.seat_count == 0 || h.quantity != 0) return false;
    const auto seats = h.seat_span();
    for (size_t k = 0; k < seats.size(); ++k)
      if (seats[k] >= venue_->seat_count() ||
          std::find(seats.begin(), seats.begin() + k, seats[k]) != seats.begin() + k)
        return false;
    if (!inventory_.all_available(seats, nullptr)) return false;
  }
  place_hold(seq, h);
  hold_seq_ = std::max(hold_seq_, seq);
  return true;
}

bool event_state::replay_hold_released(uint32_t seq, release_reason why) {
  sink_muted mute{sink_};
  if (holds_.count(seq) == 0 || why == release_reason::confirmed) return false;
  end_hold(seq, why, 0);
  return true;
}

bool event_state::replay_order_confirmed(uint32_t order_seq, const order_record& o) {
  sink_muted mute{sink_};
  auto it = holds_.find(o.hold_seq);
  if (order_seq != orders_.size() + 1 || it == holds_.end()) return false;
  const hold_record& h = it->second;
  if (h.user != o.user || h.ga_area != o.ga_area || h.quantity != o.quantity ||
      !std::equal(h.seats, h.seats + h.seat_count, o.seats, o.seats + o.seat_count))
    return false;
  record_order(order_seq, o);
  return true;
}

void event_state::replay_status(event_status s) {
  status_ = s;
  refresh_sold_out();
}

bool event_state::replay_price(uint16_t section, int64_t price_cents) {
  if (section >= prices_.size() || price_cents < 0) return false;
  prices_[section] = price_cents;
  return true;
}

bool event_state::replay_waitlist_joined(uint32_t seq, const waitlist_entry& e) {
  if (e.section != no_area && e.section >= venue_->sections().size()) return false;
  return waitlist_.replay_joined(seq, e);
}

bool event_state::replay_waitlist_offered(uint32_t seq, hold_id hold, int64_t expires_at_ms) {
  auto h = holds_.find(seq_of(hold));
  if (event_of(hold) != config_.id || h == holds_.end()) return false;
  auto entry = waitlist_.find(seq);
  if (!entry || entry->user != h->second.user) return false;
  return waitlist_.replay_offered(seq, hold, expires_at_ms);
}

bool event_state::replay_waitlist_ended(uint32_t seq, waitlist_status how) {
  switch (how) {
  case waitlist_status::expired:
    return waitlist_.replay_lapsed(seq);
  case waitlist_status::fulfilled:
    return waitlist_.replay_fulfilled(seq);
  case waitlist_status::cancelled:
    return waitlist_.replay_cancelled(seq);
  default:
    return false;
  }
}

} // namespace holdfast

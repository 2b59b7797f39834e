#include "domain/event_state.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace holdfast {

namespace {

outcome refuse(const command& cmd, result_code code) {
  outcome out;
  out.tag = cmd.tag;
  out.code = code;
  return out;
}

bool test_bit(const std::vector<uint64_t>& bits, uint32_t i) {
  return i / 64 < bits.size() && ((bits[i / 64] >> (i % 64)) & 1u);
}

// The answer to a granted command: its id and the places it took.
outcome granted(const command& cmd, uint64_t id, const placement& p) {
  outcome out;
  out.tag = cmd.tag;
  out.id = id;
  out.total_cents = p.total_cents;
  out.ga_area = p.ga_area;
  out.quantity = p.quantity;
  out.seat_count = p.seat_count;
  std::copy(p.seats, p.seats + p.seat_count, out.seats);
  return out;
}

void erase_value(std::vector<uint32_t>& xs, uint32_t x) {
  auto it = std::find(xs.begin(), xs.end(), x);
  HF_ASSERT(it != xs.end());
  *it = xs.back();
  xs.pop_back();
}

} // namespace

bool event_config_ok(const event_config& c) {
  return c.hold_ttl_s >= limits::hold_ttl_s_min && c.hold_ttl_s <= limits::hold_ttl_s_max &&
         c.user_seats_max >= 1 && c.user_seats_max <= limits::user_seats_max_max;
}

event_state::event_state(std::shared_ptr<const venue> v, event_config config)
    : venue_(std::move(v)), config_(std::move(config)), inventory_(*venue_), ranking_(*venue_) {
  HF_ASSERT(event_config_ok(config_));
  for (const auto& s : venue_->sections())
    prices_.push_back(s.base_price_cents);
  // Every live hold has at least one seat or GA place, and so does every user
  // with a tally: sized once, the maps never rehash mid-sale (a rehash of a
  // few hundred thousand entries stalls every decision for tens of ms).
  const size_t places = venue_->seat_count() + venue_->ga_capacity_total();
  holds_.reserve(places);
  users_.reserve(places);
}

outcome event_state::apply(const command& cmd, int64_t now_ms) {
  expire_due(now_ms);
  switch (cmd.kind) {
  case command_kind::hold:
    return hold_keyed(cmd, now_ms);
  case command_kind::release:
    return release(cmd, now_ms);
  case command_kind::confirm:
    return confirm(cmd, now_ms);
  }
  return refuse(cmd, result_code::invalid_request);
}

result_code event_state::validate_hold(const command& cmd) const {
  if (status_ != event_status::on_sale && status_ != event_status::sold_out)
    return result_code::event_not_on_sale;
  const int64_t ttl_s = cmd.ttl_s == 0 ? config_.hold_ttl_s : cmd.ttl_s;
  if (ttl_s < limits::hold_ttl_s_min || ttl_s > limits::hold_ttl_s_max)
    return result_code::invalid_request;
  if (cmd.ga_area != no_area) {
    if (cmd.seat_count != 0 || cmd.quantity == 0 || cmd.quantity > limits::hold_seats_max)
      return result_code::invalid_request;
    if (cmd.ga_area >= venue_->sections().size() ||
        venue_->sections()[cmd.ga_area].kind != section_kind::general_admission)
      return result_code::unknown_section;
    return result_code::ok;
  }
  if (cmd.seat_count == 0 || cmd.seat_count > limits::hold_seats_max || cmd.quantity != 0)
    return result_code::invalid_request;
  auto seats = cmd.seat_span();
  for (size_t k = 0; k < seats.size(); ++k) {
    if (seats[k] >= venue_->seat_count()) return result_code::unknown_seat;
    for (size_t j = 0; j < k; ++j)
      if (seats[j] == seats[k]) return result_code::invalid_request;
  }
  return result_code::ok;
}

// find, not operator[]: a refused request must not leave a user entry behind.
uint32_t event_state::places_taken(user_id user) const {
  auto it = users_.find(user);
  return it == users_.end() ? 0 : it->second.held + it->second.bought;
}

namespace {

// What a hold asked for (not what it got: best available picks seats), so a
// retry can be told from another request under the same key. Never 0.
uint64_t request_hash_of(const command& cmd) {
  uint64_t h = 14695981039346656037ull; // FNV-1a over the request's fields
  auto mix = [&h](uint64_t v) {
    for (int k = 0; k < 8; ++k, v >>= 8) {
      h ^= v & 0xff;
      h *= 1099511628211ull;
    }
  };
  mix(cmd.pick_best);
  mix(cmd.best_section);
  mix(cmd.ga_area);
  mix(cmd.quantity);
  mix(cmd.ttl_s);
  mix(cmd.seat_count);
  for (seat_index s : cmd.seat_span())
    mix(s);
  return h == 0 ? 1 : h;
}

} // namespace

// The user's live hold made with this key, if any: a user has a handful of
// live holds (the per-user cap), so a scan beats another index to keep.
const uint32_t* event_state::keyed_hold(user_id user, uint64_t idempotency_key) const {
  auto it = users_.find(user);
  if (it == users_.end()) return nullptr;
  for (const uint32_t& seq : it->second.holds)
    if (holds_.at(seq).idempotency_key == idempotency_key) return &seq;
  return nullptr;
}

// A hold with an Idempotency-Key: a retry of a request that made a hold still
// live gets that hold again (no second block, whatever the seats are doing
// now); the same key with another request is refused.
outcome event_state::hold_keyed(const command& cmd, int64_t now_ms) {
  if (cmd.idempotency_key == 0) return hold(cmd, now_ms);
  const uint64_t request = request_hash_of(cmd);
  if (const uint32_t* seq = keyed_hold(cmd.user, cmd.idempotency_key)) {
    const hold_record& rec = holds_.at(*seq);
    if (rec.request_hash != request) return refuse(cmd, result_code::idempotency_key_reused);
    outcome out = granted(cmd, make_event_scoped_id(config_.id, *seq), rec);
    out.expires_at_ms = rec.expires_at_ms;
    return out;
  }
  return hold(cmd, now_ms, request);
}

outcome event_state::hold(const command& cmd, int64_t now_ms, uint64_t request_hash) {
  if (cmd.pick_best) return hold_best(cmd, now_ms, request_hash);
  if (auto code = validate_hold(cmd); code != result_code::ok) return refuse(cmd, code);
  const bool ga = cmd.ga_area != no_area;
  const uint32_t places = ga ? cmd.quantity : cmd.seat_count;
  if (places_taken(cmd.user) + places > config_.user_seats_max)
    return refuse(cmd, result_code::limit_exceeded);
  if (ga && !inventory_.ga_can_hold(cmd.ga_area, places))
    return refuse(cmd, result_code::seat_unavailable);
  if (!ga) {
    // Cheap scan first; collect the conflicting seats only on the refusal path.
    if (!inventory_.all_available(cmd.seat_span(), nullptr)) {
      outcome out = refuse(cmd, result_code::seat_unavailable);
      for (seat_index i : cmd.seat_span())
        if (inventory_.slot(i).state != seat_state::available) out.seats[out.seat_count++] = i;
      return out;
    }
  }
  if (hold_seq_ == limits::event_seq_max) return refuse(cmd, result_code::overloaded);
  const uint32_t seq = ++hold_seq_;
  hold_record rec;
  rec.user = cmd.user;
  rec.duration_ms = (cmd.ttl_s == 0 ? config_.hold_ttl_s : cmd.ttl_s) * 1000;
  rec.expires_at_ms = now_ms + rec.duration_ms;
  rec.ga_area = cmd.ga_area;
  rec.quantity = ga ? cmd.quantity : 0;
  rec.seat_count = cmd.seat_count;
  std::copy(cmd.seats, cmd.seats + cmd.seat_count, rec.seats);
  if (request_hash != 0) {
    rec.idempotency_key = cmd.idempotency_key;
    rec.request_hash = request_hash;
  }
  if (ga) {
    rec.total_cents = prices_[cmd.ga_area] * places;
  } else {
    for (seat_index i : cmd.seat_span())
      rec.total_cents += prices_[venue_->seats()[i].section];
  }
  place_hold(seq, rec);
  if (sink_) sink_->hold_placed(seq, rec, now_ms);
  count_demand(rec);

  outcome out = granted(cmd, make_event_scoped_id(config_.id, seq), rec);
  out.expires_at_ms = rec.expires_at_ms;
  return out;
}

// Best available: the event picks the seats now, then holds them exactly as if
// they had been named (the journal records the seats, so replay needs no pick).
outcome event_state::hold_best(const command& cmd, int64_t now_ms, uint64_t request_hash) {
  if (status_ != event_status::on_sale && status_ != event_status::sold_out)
    return refuse(cmd, result_code::event_not_on_sale);
  if (cmd.seat_count != 0 || cmd.ga_area != no_area || cmd.quantity == 0 ||
      cmd.quantity > limits::hold_seats_max)
    return refuse(cmd, result_code::invalid_request);
  const auto& sections = venue_->sections();
  if (cmd.best_section != no_area && (cmd.best_section >= sections.size() ||
                                      sections[cmd.best_section].kind != section_kind::assigned))
    return refuse(cmd, result_code::unknown_section);
  // The cap first: a user at it costs no search.
  if (places_taken(cmd.user) + cmd.quantity > config_.user_seats_max)
    return refuse(cmd, result_code::limit_exceeded);
  command named = cmd;
  named.pick_best = false;
  named.best_section = no_area;
  named.quantity = 0;
  if (!ranking_.best_block(inventory_, prices_, cmd.best_section, cmd.quantity, named.seats))
    return refuse(cmd, result_code::seat_unavailable);
  named.seat_count = static_cast<uint8_t>(cmd.quantity);
  return hold(named, now_ms, request_hash);
}

// Takes the places of a hold that passed every check (or is being replayed).
void event_state::place_hold(uint32_t seq, const hold_record& rec) {
  if (rec.ga_area != no_area)
    inventory_.ga_hold(rec.ga_area, rec.quantity);
  else
    inventory_.hold(rec.seat_span(), seq);
  auto& tally = users_[rec.user];
  tally.held += rec.places();
  tally.holds.push_back(seq);
  deadlines_.push(rec.expires_at_ms, rec.duration_ms, seq);
  holds_.emplace(seq, rec);
}

void event_state::mark_expired(uint32_t seq) {
  if (expired_holds_.size() <= seq / 64) expired_holds_.resize(seq / 64 + 1024, 0);
  expired_holds_[seq / 64] |= uint64_t{1} << (seq % 64);
}

void event_state::end_hold(uint32_t seq, release_reason reason, int64_t now_ms) {
  auto it = holds_.find(seq);
  HF_ASSERT(it != holds_.end()); // each hold ends exactly once
  const hold_record& rec = it->second;
  auto& tally = users_[rec.user];
  HF_ASSERT(tally.held >= rec.places());
  tally.held -= rec.places();
  erase_value(tally.holds, seq);
  if (reason != release_reason::confirmed) {
    if (rec.ga_area != no_area)
      inventory_.ga_release(rec.ga_area, rec.quantity);
    else
      inventory_.release(rec.seat_span(), seq);
  }
  if (reason == release_reason::expired) mark_expired(seq);
  holds_.erase(it);
  if (sink_ && reason != release_reason::confirmed) sink_->hold_released(seq, reason, now_ms);
}

outcome event_state::release(const command& cmd, int64_t now_ms) {
  if (event_of(cmd.target) != config_.id) return refuse(cmd, result_code::unknown_hold);
  const uint32_t seq = seq_of(cmd.target);
  auto it = holds_.find(seq);
  if (it == holds_.end())
    return refuse(cmd, test_bit(expired_holds_, seq) ? result_code::hold_expired
                                                     : result_code::unknown_hold);
  if (it->second.user != cmd.user) return refuse(cmd, result_code::not_holder);
  end_hold(seq, release_reason::cancelled, now_ms);
  hold_ended(seq, release_reason::cancelled, now_ms);
  offer_released(now_ms);
  outcome out;
  out.tag = cmd.tag;
  out.id = cmd.target;
  return out;
}

outcome event_state::check_confirm(const command& cmd) const {
  if (event_of(cmd.target) != config_.id) return refuse(cmd, result_code::unknown_hold);
  const uint32_t seq = seq_of(cmd.target);
  auto it = holds_.find(seq);
  if (it == holds_.end()) {
    // A repeated confirm of a hold that already became an order returns that
    // order: a lost reply retried by the client must not create a second sale.
    if (auto done = order_of_hold_.find(seq); done != order_of_hold_.end()) {
      const order_record& order = orders_[done->second - 1];
      if (order.user != cmd.user) return refuse(cmd, result_code::not_holder);
      return order_outcome(cmd, done->second, order);
    }
    return refuse(cmd, test_bit(expired_holds_, seq) ? result_code::hold_expired
                                                     : result_code::unknown_hold);
  }
  if (it->second.user != cmd.user) return refuse(cmd, result_code::not_holder);
  outcome out = granted(cmd, cmd.target, it->second);
  out.expires_at_ms = it->second.expires_at_ms;
  return out;
}

outcome event_state::confirm(const command& cmd, int64_t now_ms) {
  outcome check = check_confirm(cmd);
  if (check.code != result_code::ok || check.created_at_ms != 0) return check;
  const uint32_t seq = seq_of(cmd.target);
  auto it = holds_.find(seq);
  const hold_record& rec = it->second;
  // apply() expired everything due, so a live hold here is before its deadline.
  HF_ASSERT(now_ms < rec.expires_at_ms);
  HF_ASSERT(orders_.size() < limits::event_seq_max);
  const uint32_t order_seq = static_cast<uint32_t>(orders_.size() + 1);
  order_record order;
  static_cast<placement&>(order) = rec;
  order.hold_seq = seq;
  order.user = rec.user;
  order.created_at_ms = now_ms;
  record_order(order_seq, order);
  if (sink_) sink_->order_confirmed(order_seq, order);
  hold_ended(seq, release_reason::confirmed, now_ms);

  return order_outcome(cmd, order_seq, order);
}

// Sells the places of order.hold_seq's live hold and ends that hold.
void event_state::record_order(uint32_t order_seq, const order_record& order) {
  HF_ASSERT(order_seq == orders_.size() + 1);
  if (order.ga_area != no_area)
    inventory_.ga_sell(order.ga_area, order.quantity);
  else
    inventory_.sell(order.seat_span(), order.hold_seq, order_seq);
  auto& tally = users_[order.user];
  tally.bought += order.places();
  tally.orders.push_back(order_seq);
  orders_.push_back(order);
  order_of_hold_.emplace(order.hold_seq, order_seq);
  end_hold(order.hold_seq, release_reason::confirmed, order.created_at_ms);
  refresh_sold_out();
}

// A new confirm and a repeated one answer alike: same order, same time.
outcome event_state::order_outcome(const command& cmd, uint32_t order_seq,
                                   const order_record& order) const {
  outcome out = granted(cmd, make_event_scoped_id(config_.id, order_seq), order);
  out.created_at_ms = order.created_at_ms;
  return out;
}

size_t event_state::expire_due(int64_t now_ms) {
  size_t expired = 0;
  while (auto due = deadlines_.pop_due(now_ms)) {
    auto it = holds_.find(due->key);
    // Lazy deletion: the hold may have ended already, or this entry is stale.
    if (it == holds_.end() || it->second.expires_at_ms != due->deadline_ms) continue;
    end_hold(due->key, release_reason::expired, due->deadline_ms);
    hold_ended(due->key, release_reason::expired, due->deadline_ms);
    ++expired;
  }
  offer_released(now_ms);
  return expired;
}

void event_state::refresh_sold_out() {
  const bool all_sold = inventory_.places_sold() == inventory_.capacity();
  if (status_ == event_status::on_sale && all_sold) status_ = event_status::sold_out;
  if (status_ == event_status::sold_out && !all_sold) status_ = event_status::on_sale;
}

result_code event_state::open_sale(int64_t now_ms) {
  if (status_ == event_status::cancelled) return result_code::event_not_on_sale;
  if (status_ == event_status::scheduled || status_ == event_status::closed) {
    status_ = event_status::on_sale;
    if (sink_) sink_->status_changed(status_, now_ms);
  }
  refresh_sold_out();
  return result_code::ok;
}

result_code event_state::close_sale(int64_t now_ms) {
  if (status_ == event_status::cancelled) return result_code::event_not_on_sale;
  if (status_ == event_status::closed) return result_code::ok;
  status_ = event_status::closed; // live holds may still be confirmed in their window
  if (sink_) sink_->status_changed(status_, now_ms);
  return result_code::ok;
}

result_code event_state::cancel(int64_t now_ms) {
  if (status_ == event_status::cancelled) return result_code::ok;
  status_ = event_status::cancelled;
  if (sink_) sink_->status_changed(status_, now_ms);
  std::vector<uint32_t> live;
  live.reserve(holds_.size());
  for (const auto& [seq, _] : holds_)
    live.push_back(seq);
  std::sort(live.begin(), live.end()); // journal order must not depend on hashing
  for (uint32_t seq : live) {
    end_hold(seq, release_reason::event_cancelled, now_ms);
    hold_ended(seq, release_reason::event_cancelled, now_ms);
  }
  return result_code::ok;
}

void event_state::set_section_price(uint16_t section, int64_t price_cents, int64_t now_ms) {
  HF_ASSERT(section < prices_.size() && price_cents >= 0);
  if (prices_[section] == price_cents) return;
  prices_[section] = price_cents;
  if (sink_) sink_->price_changed(section, price_cents, now_ms);
}

const hold_record* event_state::find_hold(hold_id id) const {
  if (event_of(id) != config_.id) return nullptr;
  auto it = holds_.find(seq_of(id));
  return it == holds_.end() ? nullptr : &it->second;
}

const order_record* event_state::find_order(order_id id) const {
  const uint32_t seq = seq_of(id);
  if (event_of(id) != config_.id || seq == 0 || seq > orders_.size()) return nullptr;
  return &orders_[seq - 1];
}

// -- waitlist -------------------------------------------------------------------

// A live decision ended a hold (replay never comes here: the journal carries
// the waitlist's own records). An offered hold's end settles its entry; seats
// going back on sale are offered on by offer_released().
void event_state::hold_ended(uint32_t seq, release_reason reason, int64_t now_ms) {
  if (auto entry = waitlist_.entry_of_hold(make_event_scoped_id(config_.id, seq))) {
    switch (reason) {
    case release_reason::expired:
      waitlist_.lapsed(*entry, now_ms);
      break;
    case release_reason::confirmed:
      waitlist_.fulfilled(*entry, now_ms);
      break;
    case release_reason::cancelled:
    case release_reason::event_cancelled:
      waitlist_.cancelled(*entry);
      break;
    }
  }
  if (reason == release_reason::expired || reason == release_reason::cancelled)
    seats_released_ = true;
}

bool event_state::can_fill(uint16_t section, uint16_t quantity) const {
  const auto& sections = venue_->sections();
  auto fits = [&](uint16_t s) {
    return sections[s].kind == section_kind::general_admission
               ? inventory_.ga(s).available() >= quantity
               : inventory_.section_available(s) >= quantity;
  };
  if (section != no_area) return section < sections.size() && fits(section);
  for (uint16_t s = 0; s < sections.size(); ++s)
    if (fits(s)) return true;
  return false;
}

// Offers released places to waiting entries, strictly in join order among the
// entries that can be filled now, until none fits.
void event_state::offer_released(int64_t now_ms) {
  if (!seats_released_) return;
  seats_released_ = false;
  if (status_ != event_status::on_sale && status_ != event_status::sold_out) return;
  for (uint32_t made = 0; made < limits::waitlist_offers_per_release_max; ++made) {
    auto next = waitlist_.next_offer(
        [this](uint16_t section, uint16_t quantity) { return can_fill(section, quantity); });
    if (!next) return;
    make_offer(*next, now_ms);
  }
}

// Holds `entry`'s places for its user at today's price; the hold is a normal
// hold (nobody else can take its seats) that only the entry's user can pay.
// The places an offer to `entry` takes, written into `rec`; returns their
// section. Seats side by side, best first (anywhere, for an any-section
// entry); else GA places; else the first free seats of a section that has
// enough, none side by side.
uint16_t event_state::offer_places(const waitlist_view& entry, hold_record& rec) {
  const uint16_t quantity = entry.quantity;
  if (ranking_.best_block(inventory_, prices_, entry.section, quantity, rec.seats)) {
    rec.seat_count = static_cast<uint8_t>(quantity);
    return venue_->seats()[rec.seats[0]].section;
  }
  const auto& sections = venue_->sections();
  uint16_t section = entry.section;
  if (section == no_area)
    for (section = 0; section < sections.size() && !can_fill(section, quantity); ++section) {
    }
  HF_ASSERT(section < sections.size() && can_fill(section, quantity));
  if (sections[section].kind == section_kind::general_admission) {
    rec.ga_area = section;
    rec.quantity = quantity;
    return section;
  }
  const auto& bits = inventory_.available_bits();
  const seat_index end = sections[section].first_seat + sections[section].seat_count;
  for (seat_index i = sections[section].first_seat; i < end && rec.seat_count < quantity; ++i)
    if ((bits[i / 64] >> (i % 64)) & 1u) rec.seats[rec.seat_count++] = i;
  return section;
}

void event_state::make_offer(const waitlist_view& entry, int64_t now_ms) {
  if (places_taken(entry.user) + entry.quantity > config_.user_seats_max ||
      hold_seq_ == limits::event_seq_max) {
    waitlist_.cancelled(entry.seq); // the user bought elsewhere meanwhile
    return;
  }
  hold_record rec;
  rec.user = entry.user;
  rec.duration_ms = config_.onsale.waitlist_offer_s * 1000;
  rec.expires_at_ms = now_ms + rec.duration_ms;
  const uint16_t section = offer_places(entry, rec);
  rec.total_cents = prices_[section] * entry.quantity;
  const uint32_t seq = ++hold_seq_;
  place_hold(seq, rec);
  if (sink_) sink_->hold_placed(seq, rec, now_ms);
  count_demand(rec);
  waitlist_.offered(entry.seq, make_event_scoped_id(config_.id, seq), rec.expires_at_ms);
  new_offers_.push_back(entry.seq);
}

waitlist_answer event_state::join_waitlist(user_id user, uint16_t section, uint16_t quantity,
                                           int64_t now_ms) {
  waitlist_answer out;
  expire_due(now_ms);
  if (status_ != event_status::on_sale && status_ != event_status::sold_out)
    out.code = result_code::event_not_on_sale;
  else if (section != no_area && section >= venue_->sections().size())
    out.code = result_code::unknown_section;
  else if (quantity == 0 || quantity > config_.user_seats_max)
    out.code = result_code::invalid_request;
  else if (can_fill(section, quantity))
    out.code = result_code::seats_available;
  if (out.code != result_code::ok) return out;
  auto joined = waitlist_.join(user, section, quantity, now_ms);
  switch (joined.code) {
  case waitlist_code::ok:
    break;
  case waitlist_code::invalid_request:
    out.code = result_code::invalid_request;
    return out;
  case waitlist_code::user_limit:
    out.code = result_code::limit_exceeded;
    return out;
  case waitlist_code::waitlist_full:
  case waitlist_code::waitlist_exhausted:
    out.code = result_code::overloaded;
    return out;
  }
  out.entry = *waitlist_.find(joined.seq);
  return out;
}

waitlist_answer event_state::waitlist_entry_of(user_id user, uint32_t seq) const {
  waitlist_answer out;
  auto entry = waitlist_.find(seq);
  if (!entry || entry->user != user) {
    out.code = result_code::unknown_waitlist;
    return out;
  }
  out.entry = *entry;
  return out;
}

std::vector<uint32_t> event_state::take_new_offers() {
  std::vector<uint32_t> out;
  out.swap(new_offers_);
  return out;
}

void event_state::count_demand(const hold_record& rec) {
  if (demand_.size() != prices_.size()) demand_.assign(prices_.size(), 0);
  if (rec.ga_area != no_area) {
    demand_[rec.ga_area] += rec.quantity;
    return;
  }
  for (seat_index s : rec.seat_span())
    demand_[venue_->seats()[s].section] += 1;
}

std::vector<uint32_t> event_state::take_demand() {
  std::vector<uint32_t> out(prices_.size(), 0);
  if (demand_.size() == out.size()) out.swap(demand_);
  return out;
}

std::vector<section_view> event_state::section_views() const {
  std::vector<section_view> views(prices_.size());
  for (uint16_t s = 0; s < views.size(); ++s) {
    const bool ga = venue_->sections()[s].kind == section_kind::general_admission;
    views[s].available = ga ? inventory_.ga(s).available() : inventory_.section_available(s);
    views[s].price_cents = prices_[s];
  }
  return views;
}

seat_map_view event_state::seat_map() const {
  seat_map_view view;
  view.event = config_.id;
  view.version = inventory_.version();
  view.status = status_;
  view.available_bits = inventory_.available_bits();
  view.sold_bits = inventory_.sold_bits();
  view.sections = section_views();
  return view;
}

hold_view event_state::view_of_hold(uint32_t seq, const hold_record& h) const {
  return hold_view{
      make_event_scoped_id(config_.id, seq), h.expires_at_ms, h.total_cents, h.ga_area, h.quantity,
      {h.seats, h.seats + h.seat_count}};
}

std::optional<hold_view> event_state::hold_view_of(hold_id id) const {
  const hold_record* h = find_hold(id);
  if (h == nullptr) return std::nullopt;
  return view_of_hold(seq_of(id), *h);
}

user_holdings event_state::holdings(user_id user) const {
  user_holdings out;
  out.event = config_.id;
  out.user = user;
  auto it = users_.find(user);
  if (it == users_.end()) return out;
  for (uint32_t seq : it->second.holds)
    out.holds.push_back(view_of_hold(seq, holds_.at(seq)));
  for (uint32_t seq : it->second.orders) {
    const order_record& o = orders_[seq - 1];
    out.orders.push_back(order_view{make_event_scoped_id(config_.id, seq),
                                    make_event_scoped_id(config_.id, o.hold_seq),
                                    o.created_at_ms,
                                    o.total_cents,
                                    o.ga_area,
                                    o.quantity,
                                    {o.seats, o.seats + o.seat_count}});
  }
  return out;
}

bool event_state::invariants_hold() const {
  if (!inventory_.invariants_hold()) return false;
  std::unordered_map<user_id, std::pair<uint32_t, uint32_t>> places; // held, bought
  std::vector<uint32_t> ga_held(prices_.size(), 0), ga_sold(prices_.size(), 0);
  size_t seats_held = 0;
  for (const auto& [seq, h] : holds_) {
    places[h.user].first += h.places();
    // One live hold per user and Idempotency-Key, and a key always with its request.
    if ((h.idempotency_key == 0) != (h.request_hash == 0)) return false;
    if (h.idempotency_key != 0) {
      const uint32_t* first = keyed_hold(h.user, h.idempotency_key);
      if (first == nullptr || *first != seq) return false;
    }
    if (h.ga_area != no_area) ga_held[h.ga_area] += h.quantity;
    for (seat_index i : h.seat_span()) {
      const auto& slot = inventory_.slot(i);
      if (slot.state != seat_state::held || slot.ref != seq) return false;
      ++seats_held;
    }
  }
  for (uint32_t k = 0; k < orders_.size(); ++k) {
    const auto& o = orders_[k];
    places[o.user].second += o.places();
    if (o.ga_area != no_area) ga_sold[o.ga_area] += o.quantity;
    for (seat_index i : o.seat_span()) {
      const auto& slot = inventory_.slot(i);
      if (slot.state != seat_state::sold || slot.ref != k + 1) return false;
    }
  }
  const size_t seats_total = inventory_.slots().size();
  if (seats_held + inventory_.seats_sold() + inventory_.seats_available() != seats_total)
    return false;
  for (uint16_t s = 0; s < prices_.size(); ++s)
    if (inventory_.ga(s).held != ga_held[s] || inventory_.ga(s).sold != ga_sold[s]) return false;
  for (const auto& [user, tally] : users_) {
    auto p = places[user];
    if (tally.held != p.first || tally.bought != p.second) return false;
    if (tally.held + tally.bought > config_.user_seats_max) return false;
  }
  return true;
}

} // namespace holdfast

// Model test of the event state: what this tries to break is every rule at once,
// under contention. A seeded random walk of holds (assigned seats crowded onto a
// small hot region, and GA), releases (own, foreign, dead and never-issued holds),
// confirms (fresh, repeated, stale, foreign), time jumps (small, past deadlines,
// exactly onto a deadline and one millisecond before it), price changes and sale
// open/close, ending in an event cancel. After every step the event state must
// agree with a small reference model written here from the rules, not from the
// implementation: each outcome, each seat's state and owner, the GA counters,
// the per-user holdings, the status; `invariants_hold()` must pass; and no seat
// may ever appear in two orders. Now and then the state is also rebuilt, from
// its snapshot and by replaying its journal from the start; both must equal the
// model, and the walk continues on the rebuilt state. A failure prints the seed
// and step to replay.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/event_state.hpp"
#include "core/venue.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;

namespace {

// -- the reference model ----------------------------------------------------------

enum class hold_end : uint8_t { live, expired, cancelled, confirmed };

struct model_hold {
  uint32_t seq = 0;
  user_id user = 0;
  int64_t expires_at_ms = 0;
  int64_t total_cents = 0;
  uint16_t ga_area = no_area;
  uint16_t quantity = 0;
  std::vector<seat_index> seats;
  hold_end end = hold_end::live;
  uint32_t places() const { return ga_area == no_area ? uint32_t(seats.size()) : quantity; }
};

struct model_order {
  uint32_t hold_seq = 0;
  user_id user = 0;
  int64_t created_at_ms = 0;
  int64_t total_cents = 0;
  uint16_t ga_area = no_area;
  uint16_t quantity = 0;
  std::vector<seat_index> seats;
};

struct model_seat {
  seat_state state = seat_state::available;
  uint32_t ref = 0; // hold seq while held, order seq while sold
};

struct model_area {
  uint32_t capacity = 0, held = 0, sold = 0;
};

// The rules of the spec, kept as plainly as possible: maps and vectors, linear
// scans, no bitmaps, no deadline queue.
class reference_model {
public:
  reference_model(const venue& v, const event_config& c) : venue_(v), config_(c) {
    seats.resize(v.seat_count());
    for (const auto& s : v.sections()) {
      prices.push_back(s.base_price_cents);
      areas.push_back(model_area{s.kind == section_kind::general_admission ? s.ga_capacity : 0});
    }
  }

  // Ends every live hold whose deadline is <= now. Returns how many.
  size_t expire(int64_t now) {
    size_t n = 0;
    for (uint32_t seq : std::vector<uint32_t>(live.begin(), live.end()))
      if (holds[seq - 1].expires_at_ms <= now) {
        end_hold(seq, hold_end::expired);
        ++n;
      }
    return n;
  }

  outcome apply(const command& c, int64_t now) {
    expire(now);
    outcome out;
    out.tag = c.tag;
    switch (c.kind) {
    case command_kind::hold:
      out.code = hold(c, now, out);
      break;
    case command_kind::release:
      out.code = release(c, out);
      break;
    case command_kind::confirm:
      out.code = confirm(c, now, out);
      break;
    default:
      out.code = result_code::invalid_request;
    }
    return out;
  }

  result_code open_sale() {
    if (status == event_status::cancelled) return result_code::event_not_on_sale;
    if (status == event_status::scheduled || status == event_status::closed)
      status = event_status::on_sale;
    if (status == event_status::on_sale && all_sold()) status = event_status::sold_out;
    return result_code::ok;
  }
  result_code close_sale() {
    if (status == event_status::cancelled) return result_code::event_not_on_sale;
    status = event_status::closed;
    return result_code::ok;
  }
  void cancel() {
    status = event_status::cancelled;
    for (uint32_t seq : std::vector<uint32_t>(live.begin(), live.end()))
      end_hold(seq, hold_end::cancelled);
  }

  const venue& venue_;
  event_config config_;
  event_status status = event_status::scheduled;
  std::vector<model_seat> seats;
  std::vector<model_area> areas;
  std::vector<int64_t> prices;
  std::vector<model_hold> holds; // every hold ever made; seq n at index n - 1
  std::set<uint32_t> live;
  std::vector<model_order> orders; // order seq n at index n - 1
  std::map<uint32_t, uint32_t> order_of_hold;
  std::map<user_id, std::pair<uint32_t, uint32_t>> places; // held, bought

private:
  bool all_sold() const {
    for (const auto& s : seats)
      if (s.state != seat_state::sold) return false;
    for (const auto& a : areas)
      if (a.sold != a.capacity) return false;
    return true;
  }

  result_code hold(const command& c, int64_t now, outcome& out) {
    if (status != event_status::on_sale && status != event_status::sold_out)
      return result_code::event_not_on_sale;
    const int64_t ttl_s = c.ttl_s == 0 ? config_.hold_ttl_s : c.ttl_s;
    if (ttl_s < 300 || ttl_s > 900) return result_code::invalid_request;
    const bool ga = c.ga_area != no_area;
    if (ga) {
      if (c.seat_count != 0 || c.quantity == 0 || c.quantity > 16)
        return result_code::invalid_request;
      if (c.ga_area >= areas.size() || areas[c.ga_area].capacity == 0)
        return result_code::unknown_section;
    } else {
      if (c.seat_count == 0 || c.seat_count > 16 || c.quantity != 0)
        return result_code::invalid_request;
      std::set<seat_index> seen;
      for (seat_index s : c.seat_span()) {
        if (s >= seats.size()) return result_code::unknown_seat;
        if (!seen.insert(s).second) return result_code::invalid_request;
      }
    }
    const uint32_t want = ga ? c.quantity : c.seat_count;
    auto& [held, bought] = places[c.user];
    if (held + bought + want > config_.user_seats_max) return result_code::limit_exceeded;
    if (ga) {
      const auto& a = areas[c.ga_area];
      if (a.capacity - a.held - a.sold < want) return result_code::seat_unavailable;
    } else {
      for (seat_index s : c.seat_span())
        if (seats[s].state != seat_state::available) out.seats[out.seat_count++] = s;
      if (out.seat_count > 0) return result_code::seat_unavailable;
    }
    model_hold h;
    h.seq = uint32_t(holds.size() + 1);
    h.user = c.user;
    h.expires_at_ms = now + ttl_s * 1000;
    h.ga_area = c.ga_area;
    h.quantity = ga ? c.quantity : 0;
    h.seats.assign(c.seats, c.seats + c.seat_count);
    if (ga) {
      areas[c.ga_area].held += want;
      h.total_cents = prices[c.ga_area] * want;
    } else {
      for (seat_index s : h.seats) {
        seats[s] = {seat_state::held, h.seq};
        h.total_cents += prices[venue_.seats()[s].section];
      }
    }
    held += want;
    live.insert(h.seq);
    out.id = make_event_scoped_id(config_.id, h.seq);
    out.expires_at_ms = h.expires_at_ms;
    out.total_cents = h.total_cents;
    out.ga_area = h.ga_area;
    out.quantity = h.quantity;
    out.seat_count = uint8_t(h.seats.size());
    std::copy(h.seats.begin(), h.seats.end(), out.seats);
    holds.push_back(std::move(h));
    return result_code::ok;
  }

  // The hold a release or confirm names, if this event ever issued it.
  model_hold* target(const command& c) {
    if (event_of(c.target) != config_.id) return nullptr;
    const uint32_t seq = seq_of(c.target);
    return seq >= 1 && seq <= holds.size() ? &holds[seq - 1] : nullptr;
  }

  static result_code gone(const model_hold* h) {
    return h != nullptr && h->end == hold_end::expired ? result_code::hold_expired
                                                       : result_code::unknown_hold;
  }

  result_code release(const command& c, outcome& out) {
    model_hold* h = target(c);
    if (h == nullptr || h->end != hold_end::live) return gone(h);
    if (h->user != c.user) return result_code::not_holder;
    end_hold(h->seq, hold_end::cancelled);
    out.id = c.target;
    return result_code::ok;
  }

  result_code confirm(const command& c, int64_t now, outcome& out) {
    model_hold* h = target(c);
    if (h != nullptr && h->end == hold_end::confirmed) {
      const uint32_t order_seq = order_of_hold.at(h->seq);
      const model_order& o = orders[order_seq - 1];
      if (o.user != c.user) return result_code::not_holder;
      fill(out, order_seq, o);
      return result_code::ok;
    }
    if (h == nullptr || h->end != hold_end::live) return gone(h);
    if (h->user != c.user) return result_code::not_holder;
    model_order o{h->seq, h->user, now, h->total_cents, h->ga_area, h->quantity, h->seats};
    const uint32_t order_seq = uint32_t(orders.size() + 1);
    if (h->ga_area != no_area) {
      areas[h->ga_area].held -= h->quantity;
      areas[h->ga_area].sold += h->quantity;
    } else {
      for (seat_index s : h->seats)
        seats[s] = {seat_state::sold, order_seq};
    }
    places[h->user].first -= h->places();
    places[h->user].second += h->places();
    h->end = hold_end::confirmed;
    live.erase(h->seq);
    order_of_hold[h->seq] = order_seq;
    orders.push_back(o);
    fill(out, order_seq, o);
    if (status == event_status::on_sale && all_sold()) status = event_status::sold_out;
    return result_code::ok;
  }

  void fill(outcome& out, uint32_t order_seq, const model_order& o) const {
    out.id = make_event_scoped_id(config_.id, order_seq);
    out.total_cents = o.total_cents;
    out.ga_area = o.ga_area;
    out.quantity = o.quantity;
    out.seat_count = uint8_t(o.seats.size());
    std::copy(o.seats.begin(), o.seats.end(), out.seats);
  }

  void end_hold(uint32_t seq, hold_end why) {
    model_hold& h = holds[seq - 1];
    h.end = why;
    live.erase(seq);
    places[h.user].first -= h.places();
    if (h.ga_area != no_area)
      areas[h.ga_area].held -= h.quantity;
    else
      for (seat_index s : h.seats)
        seats[s] = {};
  }
};

// -- comparing the event state with the model ---------------------------------------

std::string describe(const outcome& o) {
  std::ostringstream s;
  s << "{code " << code_name(o.code) << ", tag " << o.tag << ", id " << o.id << ", expires "
    << o.expires_at_ms << ", total " << o.total_cents << ", area " << o.ga_area << ", qty "
    << o.quantity << ", seats [";
  for (seat_index i : o.seat_span())
    s << ' ' << i;
  s << " ]}";
  return s.str();
}

bool same_outcome(const outcome& a, const outcome& b) {
  return a.tag == b.tag && a.code == b.code && a.id == b.id && a.expires_at_ms == b.expires_at_ms &&
         a.total_cents == b.total_cents && a.ga_area == b.ga_area && a.quantity == b.quantity &&
         a.seat_count == b.seat_count && std::equal(a.seats, a.seats + a.seat_count, b.seats);
}

// The first difference between the event state and the model, or "" if none.
std::string first_difference(const event_state& st, const reference_model& m) {
  std::ostringstream why;
  if (st.status() != m.status)
    why << "status " << status_name(st.status()) << " != model " << status_name(m.status);
  else if (!st.invariants_hold())
    why << "invariants_hold() is false";
  else if (st.live_holds() != m.live.size())
    why << "live holds " << st.live_holds() << " != model " << m.live.size();
  else if (st.order_count() != m.orders.size())
    why << "orders " << st.order_count() << " != model " << m.orders.size();
  else if (st.holds_made() != m.holds.size())
    why << "holds made " << st.holds_made() << " != model " << m.holds.size();
  if (!why.str().empty()) return why.str();
  const auto& inv = st.inventory();
  for (seat_index i = 0; i < m.seats.size(); ++i) {
    const auto& got = inv.slot(i);
    const auto& want = m.seats[i];
    if (got.state != want.state || got.ref != want.ref) {
      why << "seat " << i << ": state " << int(got.state) << " ref " << got.ref << " != model "
          << int(want.state) << " ref " << want.ref;
      return why.str();
    }
  }
  for (uint16_t a = 0; a < m.areas.size(); ++a) {
    const auto& got = inv.ga(a);
    const auto& want = m.areas[a];
    if (got.capacity != want.capacity || got.held != want.held || got.sold != want.sold) {
      why << "area " << a << ": held " << got.held << " sold " << got.sold << " != model "
          << want.held << " / " << want.sold;
      return why.str();
    }
  }
  if (!m.live.empty()) {
    int64_t earliest = INT64_MAX;
    for (uint32_t seq : m.live)
      earliest = std::min(earliest, m.holds[seq - 1].expires_at_ms);
    if (!st.next_deadline() || *st.next_deadline() > earliest)
      return "next_deadline is later than the earliest live hold";
  }
  return "";
}

// The user's holdings as the state reports them vs the model, or "" if equal.
std::string holdings_difference(const event_state& st, const reference_model& m, user_id u) {
  const auto h = st.holdings(u);
  std::map<hold_id, const hold_view*> got_holds;
  std::map<order_id, const order_view*> got_orders;
  for (const auto& x : h.holds)
    got_holds[x.id] = &x;
  for (const auto& x : h.orders)
    got_orders[x.id] = &x;
  std::ostringstream why;
  size_t want_holds = 0, want_orders = 0;
  for (uint32_t seq : m.live) {
    const auto& mh = m.holds[seq - 1];
    if (mh.user != u) continue;
    ++want_holds;
    auto it = got_holds.find(make_event_scoped_id(m.config_.id, seq));
    if (it == got_holds.end())
      return "user " + std::to_string(u) + " lacks hold " + std::to_string(seq);
    const hold_view& x = *it->second;
    if (x.expires_at_ms != mh.expires_at_ms || x.total_cents != mh.total_cents ||
        x.ga_area != mh.ga_area || x.quantity != mh.quantity || x.seats != mh.seats)
      return "hold " + std::to_string(seq) + " differs in holdings";
  }
  for (uint32_t k = 0; k < m.orders.size(); ++k) {
    const auto& mo = m.orders[k];
    if (mo.user != u) continue;
    ++want_orders;
    auto it = got_orders.find(make_event_scoped_id(m.config_.id, k + 1));
    if (it == got_orders.end())
      return "user " + std::to_string(u) + " lacks order " + std::to_string(k + 1);
    const order_view& x = *it->second;
    if (x.hold != make_event_scoped_id(m.config_.id, mo.hold_seq) ||
        x.created_at_ms != mo.created_at_ms || x.total_cents != mo.total_cents ||
        x.ga_area != mo.ga_area || x.quantity != mo.quantity || x.seats != mo.seats)
      return "order " + std::to_string(k + 1) + " differs in holdings";
  }
  if (h.holds.size() != want_holds || got_holds.size() != want_holds)
    why << "user " << u << " has " << h.holds.size() << " holds, model " << want_holds;
  else if (h.orders.size() != want_orders || got_orders.size() != want_orders)
    why << "user " << u << " has " << h.orders.size() << " orders, model " << want_orders;
  return why.str();
}

// -- the journal ----------------------------------------------------------------------

// Records what the event state tells its change sink, replays it into a fresh
// state, and checks it against the model: each hold ends at most once, and an
// expiry is journaled at the hold's own deadline.
class journal_recorder : public change_sink {
public:
  enum class kind : uint8_t { placed, released, confirmed, status, price };
  struct record {
    kind what = kind::placed;
    uint32_t seq = 0;
    int64_t now_ms = 0;
    hold_record hold;
    order_record order;
    release_reason why = release_reason::expired;
    event_status status = event_status::scheduled;
    uint16_t section = 0;
    int64_t price_cents = 0;
  };

  void hold_placed(uint32_t seq, const hold_record& h, int64_t now_ms) override {
    add(kind::placed, seq, now_ms).hold = h;
  }
  void hold_released(uint32_t seq, release_reason why, int64_t now_ms) override {
    add(kind::released, seq, now_ms).why = why;
  }
  void order_confirmed(uint32_t order_seq, const order_record& o) override {
    add(kind::confirmed, order_seq, o.created_at_ms).order = o;
  }
  void status_changed(event_status s, int64_t now_ms) override {
    add(kind::status, 0, now_ms).status = s;
  }
  void price_changed(uint16_t section, int64_t price_cents, int64_t now_ms) override {
    record& r = add(kind::price, 0, now_ms);
    r.section = section;
    r.price_cents = price_cents;
  }

  std::string replay_into(event_state& st) const {
    for (size_t k = 0; k < records_.size(); ++k) {
      const record& r = records_[k];
      bool ok = true;
      switch (r.what) {
      case kind::placed:
        ok = st.replay_hold_placed(r.seq, r.hold);
        break;
      case kind::released:
        ok = st.replay_hold_released(r.seq, r.why);
        break;
      case kind::confirmed:
        ok = st.replay_order_confirmed(r.seq, r.order);
        break;
      case kind::status:
        st.replay_status(r.status);
        break;
      case kind::price:
        ok = st.replay_price(r.section, r.price_cents);
        break;
      }
      if (!ok) return "replay refused journal record " + std::to_string(k);
    }
    return "";
  }

  std::string check_against(const reference_model& m) const {
    std::set<uint32_t> ended;
    for (const record& r : records_) {
      const uint32_t hold_seq = r.what == kind::released    ? r.seq
                                : r.what == kind::confirmed ? r.order.hold_seq
                                                            : 0;
      if (hold_seq == 0) continue;
      if (!ended.insert(hold_seq).second)
        return "journal ends hold " + std::to_string(hold_seq) + " twice";
      if (hold_seq > m.holds.size()) return "journal ends unknown hold " + std::to_string(hold_seq);
      const model_hold& h = m.holds[hold_seq - 1];
      if (r.what == kind::released && r.why == release_reason::expired &&
          (h.end != hold_end::expired || r.now_ms != h.expires_at_ms))
        return "journal expiry of hold " + std::to_string(hold_seq) + " is not at its deadline";
    }
    for (const model_hold& h : m.holds)
      if ((h.end != hold_end::live) != (ended.count(h.seq) > 0))
        return "journal and model disagree whether hold " + std::to_string(h.seq) + " ended";
    return "";
  }

private:
  record& add(kind what, uint32_t seq, int64_t now_ms) {
    record& r = records_.emplace_back();
    r.what = what;
    r.seq = seq;
    r.now_ms = now_ms;
    return r;
  }
  std::vector<record> records_;
};

// -- the random walk ----------------------------------------------------------------

struct walk_config {
  uint64_t seed;
  uint32_t sections;
  uint32_t seat_total;
  uint32_t ga_capacity;
  uint32_t user_seats_max;
  int64_t hold_ttl_s;
  uint32_t users;
  uint32_t hot_seats; // most seat holds pick from seats [0, hot_seats)
  int steps;
};

// What the walk saw, summed over every seed, so a generator that stopped
// reaching a path (and so stopped testing it) fails the test.
struct coverage {
  std::map<result_code, size_t> hold_codes, release_codes, confirm_codes;
  size_t repeated_confirms = 0;    // a confirm answered with an existing order
  size_t at_deadline_refusals = 0; // release/confirm landing exactly on the deadline
  size_t expired_by_expire_due = 0;
  size_t sold_out_seen = 0;
  size_t orders = 0;
};

class walk {
public:
  walk(const walk_config& wc, coverage& cov)
      : wc_(wc), cov_(cov), rng_(wc.seed),
        venue_(make_demo_venue(wc.sections, wc.seat_total, wc.ga_capacity)),
        st_(std::make_unique<event_state>(venue_, config())), model_(*venue_, config()) {
    st_->set_sink(&journal_);
  }

  event_config config() const {
    event_config c;
    c.id = 42;
    c.name = "model";
    c.user_seats_max = wc_.user_seats_max;
    c.hold_ttl_s = wc_.hold_ttl_s;
    return c;
  }

  // Runs the walk; stops at the first divergence (later steps would only echo it).
  void run() {
    for (step_ = 0; step_ < wc_.steps; ++step_) {
      if (!one_step()) return;
      if (step_ == 20 && !sale(true)) return; // a few refusals before the sale opens
    }
    // The end: cancel the event, then keep poking at it.
    model_.cancel();
    REQUIRE(st_->cancel(now_) == result_code::ok);
    if (!agree("cancel")) return;
    for (int k = 0; k < 300 && !failed_; ++k, ++step_)
      one_step();
    if (!failed_)
      if (auto d = recovered_difference(); !d.empty()) fail("at the end: " + d);
  }

  int steps_done() const { return step_; }
  bool failed() const { return failed_; }

private:
  uint64_t pick(uint64_t n) { return rng_() % n; }
  bool chance(uint32_t percent) { return pick(100) < percent; }

  bool one_step() {
    const uint64_t r = pick(1000);
    if (r < 430) return send(seat_hold());
    if (r < 530) return send(ga_hold());
    if (r < 730) return send(target_command(command_kind::release));
    if (r < 880) return send(target_command(command_kind::confirm));
    if (r < 975) return jump_time();
    if (r < 991) return change_price();
    if (r < 992) return sale(false);
    return sale(true);
  }

  user_id any_user() { return 1 + pick(wc_.users); }

  command seat_hold() {
    const user_id u = any_user();
    const uint64_t shape = pick(1000);
    std::vector<seat_index> want;
    size_t n = 1 + (chance(70) ? pick(2) : pick(6));
    if (shape < 10) n = 0; // empty
    // The hot region is the first few seats not yet sold, so it keeps moving on
    // as seats sell and contention stays high until the venue is sold out.
    const seat_index seat_count = venue_->seat_count();
    seat_index hot_first = 0;
    while (hot_first < seat_count && model_.seats[hot_first].state == seat_state::sold)
      ++hot_first;
    hot_first = std::min(hot_first, seat_count - std::min(wc_.hot_seats, seat_count));
    const seat_index hot = std::min(wc_.hot_seats, seat_count);
    while (want.size() < n) {
      seat_index s = chance(65) ? hot_first + seat_index(pick(hot)) : seat_index(pick(seat_count));
      if (std::find(want.begin(), want.end(), s) == want.end()) want.push_back(s);
    }
    if (shape >= 10 && shape < 25) want.push_back(want[pick(want.size())]); // a duplicate
    if (shape >= 25 && shape < 35)                                          // past the venue
      want[pick(want.size())] =
          shape % 2 ? 0xFFFFFFFF : venue_->seat_count() + seat_index(pick(50));
    command c = make_hold(0, u, want);
    if (shape >= 35 && shape < 40) c.seat_count = 17; // more than a hold may take
    if (shape >= 40 && shape < 45) c.quantity = 1;    // a seat hold with a GA quantity
    c.ttl_s = ttl();
    return c;
  }

  command ga_hold() {
    const uint16_t floor = uint16_t(venue_->sections().size() - 1);
    uint16_t area = floor;
    if (chance(4)) area = uint16_t(pick(venue_->sections().size() + 2)); // assigned or none
    uint16_t quantity = uint16_t(1 + pick(chance(80) ? 3 : 8));
    if (chance(2)) quantity = chance(50) ? 0 : 17;
    command c = make_ga_hold(0, any_user(), area, quantity);
    if (chance(1)) c.seat_count = 1; // a GA hold naming a seat
    c.ttl_s = ttl();
    return c;
  }

  uint16_t ttl() {
    const uint64_t r = pick(100);
    if (r < 80) return 0;
    if (r < 95) return std::array<uint16_t, 3>{300, 450, 900}[pick(3)];
    return std::array<uint16_t, 4>{1, 299, 901, 65535}[pick(4)];
  }

  // A release or confirm of: a live hold by its holder or by someone else, a
  // dead hold (expired, cancelled or confirmed) by its holder or not, a hold
  // never issued, seq 0, or another event's id.
  command target_command(command_kind kind) {
    user_id u = any_user();
    uint64_t target = 0;
    const uint64_t r = pick(100);
    if (r < 55 && !model_.live.empty()) {
      auto it = model_.live.begin();
      std::advance(it, pick(std::min<size_t>(model_.live.size(), 64)));
      const auto& h = model_.holds[*it - 1];
      target = make_event_scoped_id(42, h.seq);
      if (chance(75)) u = h.user;
    } else if (r < 85 && !model_.holds.empty()) {
      const auto& h = model_.holds[pick(model_.holds.size())];
      target = make_event_scoped_id(42, h.seq);
      if (chance(60)) u = h.user;
    } else if (r < 91) {
      target = make_event_scoped_id(42, uint32_t(model_.holds.size() + 1 + pick(5)));
    } else if (r < 95) {
      target = make_event_scoped_id(42, 0);
    } else {
      target =
          make_event_scoped_id(chance(50) ? 43 : 0, uint32_t(1 + pick(model_.holds.size() + 1)));
    }
    return kind == command_kind::release ? make_release(0, u, target) : make_confirm(0, u, target);
  }

  // Moves the clock: a little, onto a live hold's deadline (or 1 ms before or
  // after it), or past every hold time. Half the time the expiry runs at once
  // through expire_due, otherwise the next command's apply() does it.
  bool jump_time() {
    const uint64_t r = pick(100);
    int64_t deadline = -1;
    if (!model_.live.empty()) {
      auto it = model_.live.begin();
      std::advance(it, pick(std::min<size_t>(model_.live.size(), 64)));
      deadline = model_.holds[*it - 1].expires_at_ms;
    }
    if (r < 40 || deadline < 0)
      now_ += 1 + int64_t(pick(3'000));
    else if (r < 65)
      now_ = std::max(now_, deadline);
    else if (r < 80)
      now_ = std::max(now_, deadline - 1);
    else if (r < 90)
      now_ = std::max(now_, deadline + 1 + int64_t(pick(50)));
    else if (r < 97)
      now_ += 300'000 + int64_t(pick(700'000));
    // else: the clock stands still
    if (chance(50)) {
      const size_t want = model_.expire(now_);
      const size_t got = st_->expire_due(now_);
      cov_.expired_by_expire_due += got;
      if (got != want)
        return fail("expire_due returned " + std::to_string(got) + ", model " +
                    std::to_string(want));
    }
    return agree("time jump");
  }

  bool change_price() {
    const uint16_t s = uint16_t(pick(venue_->sections().size()));
    const int64_t price = int64_t(pick(20'000));
    st_->set_section_price(s, price, now_);
    model_.prices[s] = price;
    return agree("price change");
  }

  bool sale(bool open) {
    const result_code got = open ? st_->open_sale(now_) : st_->close_sale(now_);
    const result_code want = open ? model_.open_sale() : model_.close_sale();
    if (got != want)
      return fail(std::string(open ? "open" : "close") + "_sale returned " +
                  std::string(code_name(got)));
    return agree(open ? "open sale" : "close sale");
  }

  bool send(command c) {
    c.tag = uint64_t(step_) + 1;
    const bool on_deadline = c.kind != command_kind::hold && event_of(c.target) == 42 &&
                             seq_of(c.target) >= 1 && seq_of(c.target) <= model_.holds.size() &&
                             model_.holds[seq_of(c.target) - 1].expires_at_ms == now_;
    const bool was_confirmed =
        c.kind == command_kind::confirm && model_.order_of_hold.count(seq_of(c.target)) > 0;
    const outcome want = model_.apply(c, now_);
    const outcome got = st_->apply(c, now_);
    if (!same_outcome(got, want))
      return fail("command kind " + std::to_string(int(c.kind)) + " by user " +
                  std::to_string(c.user) + " target " + std::to_string(c.target) + ": got " +
                  describe(got) + ", model " + describe(want));
    auto& codes = c.kind == command_kind::hold      ? cov_.hold_codes
                  : c.kind == command_kind::release ? cov_.release_codes
                                                    : cov_.confirm_codes;
    ++codes[got.code];
    if (on_deadline && got.code == result_code::hold_expired) ++cov_.at_deadline_refusals;
    if (c.kind == command_kind::confirm && got.code == result_code::ok) {
      if (was_confirmed && event_of(c.target) == 42) ++cov_.repeated_confirms;
      if (!record_sale(got)) return false;
    }
    if (st_->status() == event_status::sold_out) ++cov_.sold_out_seen;
    if (auto d = holdings_difference(*st_, model_, c.user); !d.empty()) return fail(d);
    return agree("command");
  }

  // Every sale ever reported: a seat may appear in one order only, and GA sales
  // never pass capacity, counted from the outcomes alone.
  bool record_sale(const outcome& got) {
    if (!orders_seen_.insert(got.id).second) return true; // a repeated confirm
    ++cov_.orders;
    for (seat_index s : got.seat_span()) {
      auto [it, fresh] = sold_to_.emplace(s, got.id);
      if (!fresh)
        return fail("seat " + std::to_string(s) + " sold twice: orders " +
                    std::to_string(it->second) + " and " + std::to_string(got.id));
    }
    if (got.ga_area != no_area) {
      ga_sold_[got.ga_area] += got.quantity;
      if (ga_sold_[got.ga_area] > venue_->sections()[got.ga_area].ga_capacity)
        return fail("GA area " + std::to_string(got.ga_area) + " sold past capacity");
    }
    return true;
  }

  bool agree(const char* what) {
    std::string d = first_difference(*st_, model_);
    if (d.empty() && step_ % 997 == 0) d = full_sweep();
    if (d.empty() && step_ % 997 == 0) d = recovered_difference();
    return d.empty() ? true : fail(std::string(what) + ": " + d);
  }

  // Now and then: every user's holdings, every hold and order by id, the seat map.
  std::string full_sweep() {
    for (user_id u = 1; u <= wc_.users; ++u)
      if (auto d = holdings_difference(*st_, model_, u); !d.empty()) return d;
    for (const auto& h : model_.holds) {
      const hold_record* rec = st_->find_hold(make_event_scoped_id(42, h.seq));
      if ((rec != nullptr) != (h.end == hold_end::live))
        return "find_hold " + std::to_string(h.seq);
      if (rec != nullptr && (rec->user != h.user || rec->expires_at_ms != h.expires_at_ms))
        return "find_hold record " + std::to_string(h.seq);
    }
    for (uint32_t k = 0; k < model_.orders.size(); ++k) {
      const order_record* rec = st_->find_order(make_event_scoped_id(42, k + 1));
      if (rec == nullptr || rec->user != model_.orders[k].user ||
          rec->hold_seq != model_.orders[k].hold_seq)
        return "find_order " + std::to_string(k + 1);
    }
    const auto map = st_->seat_map();
    for (seat_index i = 0; i < model_.seats.size(); ++i) {
      const bool avail = (map.available_bits[i / 64] >> (i % 64)) & 1u;
      const bool sold = (map.sold_bits[i / 64] >> (i % 64)) & 1u;
      if (avail != (model_.seats[i].state == seat_state::available) ||
          sold != (model_.seats[i].state == seat_state::sold))
        return "seat map bit of seat " + std::to_string(i);
    }
    return "";
  }

  // Recovery: the state rebuilt from a snapshot, and the state rebuilt by
  // replaying the journal from the start, must both equal the model. Then the
  // walk goes on with one of them (alternately), so the rebuilt deadlines,
  // tallies and expiry marks are tested by everything that follows.
  std::string recovered_difference() {
    auto restored = event_state::restore(venue_, st_->export_snapshot());
    if (!restored) return "restore() refused the state's own snapshot";
    if (auto d = first_difference(*restored, model_); !d.empty()) return "restored snapshot: " + d;
    auto replayed = std::make_unique<event_state>(venue_, config());
    if (auto d = journal_.replay_into(*replayed); !d.empty()) return d;
    if (auto d = first_difference(*replayed, model_); !d.empty()) return "replayed journal: " + d;
    if (auto d = journal_.check_against(model_); !d.empty()) return d;
    for (user_id u = 1; u <= wc_.users; ++u) {
      if (auto d = holdings_difference(*restored, model_, u); !d.empty())
        return "restored snapshot: " + d;
      if (auto d = holdings_difference(*replayed, model_, u); !d.empty())
        return "replayed journal: " + d;
    }
    st_ = ++sweeps_ % 2 ? std::move(restored) : std::move(replayed);
    st_->set_sink(&journal_);
    return "";
  }

  bool fail(const std::string& why) {
    failed_ = true;
    FAIL_CHECK("seed " << wc_.seed << " (0x" << std::hex << wc_.seed << std::dec << "), step "
                       << step_ << ", now " << now_ << ": " << why);
    return false;
  }

  walk_config wc_;
  coverage& cov_;
  std::mt19937_64 rng_;
  std::shared_ptr<const venue> venue_;
  journal_recorder journal_;
  std::unique_ptr<event_state> st_;
  reference_model model_;
  int sweeps_ = 0;
  int64_t now_ = 1'700'000'000'000;
  int step_ = 0;
  bool failed_ = false;
  std::set<order_id> orders_seen_;
  std::unordered_map<seat_index, order_id> sold_to_;
  std::map<uint16_t, uint64_t> ga_sold_;
};

} // namespace

TEST_CASE("model: random holds, releases, confirms and time jumps agree with the reference") {
  // Seeds and shapes are fixed, so every run replays the same walks. The shapes:
  // a mid-size venue under heavy contention; a tiny one that sells out early and
  // then lives sold out; a larger one with a higher cap and the shortest hold time.
  const walk_config walks[] = {
      {0x5EED0001, 4, 1'000, 60, 8, 600, 150, 24, 20'000},
      {0x5EED0002, 2, 48, 12, 8, 600, 100, 16, 10'000},
      {0x5EED0003, 6, 3'000, 200, 16, 300, 200, 32, 20'000},
      {0x5EED0004, 4, 400, 60, 8, 900, 120, 12, 20'000},
      {20261122, 3, 150, 30, 4, 600, 110, 20, 10'000},
  };
  coverage cov;
  int total_steps = 0;
  for (const auto& wc : walks) {
    INFO("seed " << wc.seed);
    walk w(wc, cov);
    w.run();
    if (!w.failed()) CHECK(w.steps_done() >= 10'000);
    total_steps += w.steps_done();
  }
  std::ostringstream codes;
  for (auto [code, n] : cov.hold_codes)
    codes << ' ' << code_name(code) << '=' << n;
  MESSAGE("model walk: " << total_steps << " steps, " << cov.orders << " orders, "
                         << cov.expired_by_expire_due << " expiries via expire_due, "
                         << cov.sold_out_seen << " steps sold out; holds:" << codes.str());

  // The walk must have reached every path it claims to test.
  for (auto code : {result_code::ok, result_code::seat_unavailable, result_code::limit_exceeded,
                    result_code::unknown_seat, result_code::unknown_section,
                    result_code::event_not_on_sale, result_code::invalid_request}) {
    CAPTURE(code_name(code));
    CHECK(cov.hold_codes[code] > 0);
  }
  for (auto code : {result_code::ok, result_code::not_holder, result_code::unknown_hold,
                    result_code::hold_expired}) {
    CAPTURE(code_name(code));
    CHECK(cov.release_codes[code] > 0);
    CHECK(cov.confirm_codes[code] > 0);
  }
  CHECK(cov.repeated_confirms > 0);
  CHECK(cov.at_deadline_refusals > 0);
  CHECK(cov.expired_by_expire_due > 0);
  CHECK(cov.sold_out_seen > 0);
  CHECK(cov.hold_codes[result_code::ok] > 4'000);
  CHECK(cov.orders > 1'000);
}

#include "persistence/journal_format.hpp"

#include <cstring>

#include "core/assert.hpp"

namespace holdfast {

namespace {

journal::Record& scratch(event_id e, int64_t at_ms) {
  // One reused message per thread: encoding on the hot path allocates nothing
  // once the message's buffers have grown.
  thread_local journal::Record r;
  r.Clear();
  r.set_schema_version(journal_schema_version);
  r.set_event_id(e);
  r.set_at_ms(at_ms);
  return r;
}

void finish(std::string& out, const journal::Record& r) {
  out.clear();
  HF_ASSERT(r.SerializeToString(&out));
}

template <class Proto, class Rec> void fill_places(Proto& p, const Rec& rec) {
  p.set_total_cents(rec.total_cents);
  p.set_ga_area(rec.ga_area);
  p.set_quantity(rec.quantity);
  for (seat_index i : rec.seat_span())
    p.add_seats(i);
}

template <class Rec, class Proto> bool read_places(Rec& rec, const Proto& p) {
  if (p.seats_size() > static_cast<int>(limits::hold_seats_max)) return false;
  rec.total_cents = p.total_cents();
  rec.ga_area = static_cast<uint16_t>(p.ga_area());
  rec.quantity = static_cast<uint16_t>(p.quantity());
  rec.seat_count = static_cast<uint8_t>(p.seats_size());
  for (int k = 0; k < p.seats_size(); ++k)
    rec.seats[k] = p.seats(k);
  return true;
}

journal::Status status_to_proto(event_status s) {
  return static_cast<journal::Status>(s);
}

void config_to_proto(journal::EventCreated& p, const event_config& c, std::string_view venue_id) {
  p.set_name(c.name);
  p.set_artist(c.artist);
  p.set_category(c.category);
  p.set_starts_at_ms(c.starts_at_ms);
  p.set_hold_ttl_s(c.hold_ttl_s);
  p.set_user_seats_max(c.user_seats_max);
  p.set_venue_id(std::string(venue_id));
  auto& o = *p.mutable_on_sale();
  o.set_waiting_room(c.onsale.waiting_room);
  o.set_queue_opens_at_ms(c.onsale.queue_opens_at_ms);
  o.set_admit_per_min(c.onsale.admit_per_min);
  o.set_active_max(c.onsale.active_max);
  o.set_access_ttl_s(c.onsale.access_ttl_s);
  o.set_shuffle_seed(c.onsale.shuffle_seed);
  o.set_pricing_interval_s(c.onsale.pricing_interval_s);
  o.set_price_ceiling_pct(c.onsale.price_ceiling_pct);
  o.set_waitlist_offer_s(c.onsale.waitlist_offer_s);
}

void order_to_proto(journal::OrderConfirmed& p, uint32_t seq, const order_record& o) {
  p.set_order_seq(seq);
  p.set_hold_seq(o.hold_seq);
  p.set_user(o.user);
  p.set_created_at_ms(o.created_at_ms);
  fill_places(p, o);
}

} // namespace

void hold_to_proto(journal::HoldPlaced& p, uint32_t seq, const hold_record& h) {
  p.set_hold_seq(seq);
  p.set_user(h.user);
  p.set_expires_at_ms(h.expires_at_ms);
  p.set_duration_ms(h.duration_ms);
  p.set_idempotency_key(h.idempotency_key);
  p.set_request_hash(h.request_hash);
  fill_places(p, h);
}

void encode_event_created(std::string& out, const event_config& c, std::string_view venue_id,
                          int64_t at_ms) {
  auto& r = scratch(c.id, at_ms);
  config_to_proto(*r.mutable_event_created(), c, venue_id);
  finish(out, r);
}

void encode_status_changed(std::string& out, event_id e, event_status s, int64_t at_ms) {
  auto& r = scratch(e, at_ms);
  r.mutable_status_changed()->set_status(status_to_proto(s));
  finish(out, r);
}

void encode_hold_placed(std::string& out, event_id e, uint32_t hold_seq, const hold_record& h,
                        int64_t at_ms) {
  auto& r = scratch(e, at_ms);
  hold_to_proto(*r.mutable_hold_placed(), hold_seq, h);
  finish(out, r);
}

void encode_hold_released(std::string& out, event_id e, uint32_t hold_seq, release_reason why,
                          int64_t at_ms) {
  auto& r = scratch(e, at_ms);
  auto* p = r.mutable_hold_released();
  p->set_hold_seq(hold_seq);
  p->set_reason(static_cast<journal::ReleaseReason>(why));
  finish(out, r);
}

void encode_order_confirmed(std::string& out, event_id e, uint32_t order_seq,
                            const order_record& o) {
  auto& r = scratch(e, o.created_at_ms);
  order_to_proto(*r.mutable_order_confirmed(), order_seq, o);
  finish(out, r);
}

void encode_price_changed(std::string& out, event_id e, uint16_t section, int64_t cents,
                          int64_t at_ms) {
  auto& r = scratch(e, at_ms);
  r.mutable_price_changed()->set_section(section);
  r.mutable_price_changed()->set_price_cents(cents);
  finish(out, r);
}

status decode_record(std::string_view blob, uint32_t shard, uint64_t seq, journal::Record& out) {
  const std::string where =
      "shard " + std::to_string(shard) + " journal seq " + std::to_string(seq);
  if (!out.ParseFromArray(blob.data(), static_cast<int>(blob.size())))
    return status::failure(where + ": record does not parse");
  if (out.schema_version() == 0 || out.schema_version() > journal_schema_version)
    return status::failure(where + ": schema version " + std::to_string(out.schema_version()) +
                           " is not readable by "
                           "this build (knows up to " +
                           std::to_string(journal_schema_version) + ")");
  if (out.body_case() == journal::Record::BODY_NOT_SET)
    return status::failure(where + ": record type unknown to this build");
  return status::success();
}

hold_record hold_from_proto(const journal::HoldPlaced& p) {
  hold_record h;
  h.user = p.user();
  h.expires_at_ms = p.expires_at_ms();
  h.duration_ms = p.duration_ms();
  h.idempotency_key = p.idempotency_key();
  h.request_hash = p.request_hash();
  read_places(h, p);
  return h;
}

order_record order_from_proto(const journal::OrderConfirmed& p) {
  order_record o;
  o.hold_seq = p.hold_seq();
  o.user = p.user();
  o.created_at_ms = p.created_at_ms();
  read_places(o, p);
  return o;
}

event_config config_from_proto(event_id id, const journal::EventCreated& p) {
  event_config c;
  c.id = id;
  c.name = p.name();
  c.artist = p.artist();
  c.category = p.category();
  c.starts_at_ms = p.starts_at_ms();
  c.hold_ttl_s = p.hold_ttl_s();
  c.user_seats_max = p.user_seats_max();
  if (p.has_on_sale()) {
    const auto& o = p.on_sale();
    c.onsale.waiting_room = o.waiting_room();
    c.onsale.queue_opens_at_ms = o.queue_opens_at_ms();
    c.onsale.admit_per_min = o.admit_per_min();
    c.onsale.active_max = o.active_max();
    c.onsale.access_ttl_s = o.access_ttl_s();
    c.onsale.shuffle_seed = o.shuffle_seed();
    c.onsale.pricing_interval_s = o.pricing_interval_s();
    c.onsale.price_ceiling_pct = o.price_ceiling_pct();
    c.onsale.waitlist_offer_s = o.waitlist_offer_s();
  }
  return c;
}

event_status status_from_proto(journal::Status s) {
  return static_cast<event_status>(s);
}
release_reason reason_from_proto(journal::ReleaseReason r) {
  return static_cast<release_reason>(r);
}

std::string encode_venue(const venue& v) {
  journal::Venue p;
  p.set_id(v.id());
  p.set_name(v.name());
  p.set_city(v.city());
  for (const auto& s : v.sections()) {
    auto* ps = p.add_sections();
    ps->set_name(s.name);
    ps->set_tier(s.tier);
    ps->set_base_price_cents(s.base_price_cents);
    ps->set_general_admission(s.kind == section_kind::general_admission);
    ps->set_first_seat(s.first_seat);
    ps->set_seat_count(s.seat_count);
    ps->set_ga_capacity(s.ga_capacity);
    ps->set_x(s.x);
    ps->set_y(s.y);
  }
  for (const auto& s : v.seats()) {
    p.add_seat_section(s.section);
    p.add_seat_row(s.row);
    p.add_seat_number(s.number);
    p.add_seat_x(s.x);
    p.add_seat_y(s.y);
  }
  return p.SerializeAsString();
}

status decode_venue(std::string_view blob, std::shared_ptr<const venue>& out) {
  journal::Venue p;
  if (!p.ParseFromArray(blob.data(), static_cast<int>(blob.size())))
    return status::failure("venue does not parse");
  const int n = p.seat_section_size();
  if (p.seat_row_size() != n || p.seat_number_size() != n || p.seat_x_size() != n ||
      p.seat_y_size() != n || p.sections_size() == 0)
    return status::failure("venue " + p.id() + ": seat columns disagree");
  std::vector<section> sections;
  for (const auto& ps : p.sections()) {
    section s;
    s.name = ps.name();
    s.tier = ps.tier();
    s.base_price_cents = ps.base_price_cents();
    s.kind = ps.general_admission() ? section_kind::general_admission : section_kind::assigned;
    s.first_seat = ps.first_seat();
    s.seat_count = ps.seat_count();
    s.ga_capacity = ps.ga_capacity();
    s.x = ps.x();
    s.y = ps.y();
    sections.push_back(std::move(s));
  }
  if (n > static_cast<int>(limits::venue_seats_max))
    return status::failure("venue " + p.id() + ": too many seats");
  std::vector<seat> seats(n);
  for (int i = 0; i < n; ++i) {
    if (p.seat_section(i) >= sections.size() || p.seat_row(i) > UINT16_MAX ||
        p.seat_number(i) > UINT16_MAX)
      return status::failure("venue " + p.id() + ": seat in unknown section or out of range");
    seats[i] = seat{static_cast<uint16_t>(p.seat_section(i)), static_cast<uint16_t>(p.seat_row(i)),
                    static_cast<uint16_t>(p.seat_number(i)), p.seat_x(i), p.seat_y(i)};
  }
  if (auto st = make_venue(p.id(), p.name(), p.city(), std::move(sections), std::move(seats), out);
      !st)
    return status::failure("venue " + p.id() + ": " + st.message);
  return status::success();
}

namespace {

void waitlist_to_proto(journal::EventSnapshot& p, const waitlist_snapshot& w) {
  p.set_waitlist_live_max(w.config.live_entries_max);
  p.set_waitlist_entries_max(w.config.entries_max);
  p.set_waitlist_user_live_max(w.config.user_live_entries_max);
  p.set_waitlist_next_seq(w.next_seq);
  for (size_t k = 0; k < w.entries.size(); ++k) {
    const auto& e = w.entries[k];
    auto& pe = *p.add_waitlist();
    pe.set_seq(w.seqs.empty() ? static_cast<uint32_t>(k + 1) : w.seqs[k]);
    pe.set_user(e.user);
    pe.set_hold(e.hold);
    pe.set_joined_at_ms(e.joined_at_ms);
    pe.set_offer_expires_at_ms(e.offer_expires_at_ms);
    pe.set_section(e.section);
    pe.set_quantity(e.quantity);
    pe.set_status(static_cast<uint32_t>(e.status));
  }
}

waitlist_snapshot waitlist_from_proto(const journal::EventSnapshot& p) {
  waitlist_snapshot w;
  if (p.waitlist_live_max() != 0) {
    w.config.live_entries_max = p.waitlist_live_max();
    w.config.entries_max = p.waitlist_entries_max();
    w.config.user_live_entries_max = p.waitlist_user_live_max();
  }
  w.next_seq = p.waitlist_next_seq();
  for (const auto& pe : p.waitlist()) {
    waitlist_entry e;
    e.user = pe.user();
    e.hold = pe.hold();
    e.joined_at_ms = pe.joined_at_ms();
    e.offer_expires_at_ms = pe.offer_expires_at_ms();
    e.section = static_cast<uint16_t>(pe.section());
    e.quantity = static_cast<uint16_t>(pe.quantity());
    // Out-of-range statuses read as cancelled; restore() then checks consistency.
    e.status = pe.status() <= static_cast<uint32_t>(waitlist_status::cancelled)
                   ? static_cast<waitlist_status>(pe.status())
                   : waitlist_status::cancelled;
    w.entries.push_back(e);
    w.seqs.push_back(pe.seq()); // restore() refuses seqs out of order
  }
  return w;
}

} // namespace

std::string encode_snapshot(const event_snapshot& s, std::string_view venue_id, uint64_t seq) {
  journal::EventSnapshot p;
  p.set_schema_version(journal_schema_version);
  p.set_event_id(s.config.id);
  p.set_seq(seq);
  config_to_proto(*p.mutable_config(), s.config, venue_id);
  p.set_status(status_to_proto(s.status));
  for (int64_t price : s.prices)
    p.add_prices(price);
  p.set_hold_seq(s.hold_seq);
  for (const auto& [hseq, h] : s.holds)
    hold_to_proto(*p.add_holds(), hseq, h);
  for (size_t k = 0; k < s.orders.size(); ++k)
    order_to_proto(*p.add_orders(), static_cast<uint32_t>(k + 1), s.orders[k]);
  p.set_expired_holds(std::string(reinterpret_cast<const char*>(s.expired_holds.data()),
                                  s.expired_holds.size() * sizeof(uint64_t)));
  waitlist_to_proto(p, s.waitlist);
  return p.SerializeAsString();
}

void encode_waitlist_joined(std::string& out, event_id e, uint32_t seq, const waitlist_entry& w) {
  auto& r = scratch(e, w.joined_at_ms);
  auto& p = *r.mutable_waitlist_joined();
  p.set_seq(seq);
  p.set_user(w.user);
  p.set_section(w.section);
  p.set_quantity(w.quantity);
  finish(out, r);
}

void encode_waitlist_offered(std::string& out, event_id e, uint32_t seq, hold_id hold,
                             int64_t expires_at_ms, int64_t at_ms) {
  auto& r = scratch(e, at_ms);
  auto& p = *r.mutable_waitlist_offered();
  p.set_seq(seq);
  p.set_hold(hold);
  p.set_expires_at_ms(expires_at_ms);
  finish(out, r);
}

void encode_waitlist_ended(std::string& out, event_id e, uint32_t seq, waitlist_status how,
                           int64_t at_ms) {
  auto& r = scratch(e, at_ms);
  auto& p = *r.mutable_waitlist_ended();
  p.set_seq(seq);
  switch (how) {
  case waitlist_status::expired:
    p.set_how(journal::WaitlistEnded::LAPSED);
    break;
  case waitlist_status::fulfilled:
    p.set_how(journal::WaitlistEnded::FULFILLED);
    break;
  default:
    HF_ASSERT(how == waitlist_status::cancelled);
    p.set_how(journal::WaitlistEnded::CANCELLED);
    break;
  }
  finish(out, r);
}

waitlist_entry waitlist_entry_from_proto(const journal::WaitlistJoined& p, int64_t at_ms) {
  waitlist_entry e;
  e.user = p.user();
  e.joined_at_ms = at_ms;
  e.section = static_cast<uint16_t>(p.section());
  e.quantity = static_cast<uint16_t>(p.quantity());
  return e;
}

waitlist_status waitlist_end_from_proto(journal::WaitlistEnded::How how) {
  switch (how) {
  case journal::WaitlistEnded::LAPSED:
    return waitlist_status::expired;
  case journal::WaitlistEnded::FULFILLED:
    return waitlist_status::fulfilled;
  default:
    return waitlist_status::cancelled;
  }
}

status decode_snapshot(std::string_view blob, uint32_t shard, journal::EventSnapshot& out) {
  if (!out.ParseFromArray(blob.data(), static_cast<int>(blob.size())))
    return status::failure("shard " + std::to_string(shard) + ": snapshot does not parse");
  if (out.schema_version() == 0 || out.schema_version() > journal_schema_version)
    return status::failure("shard " + std::to_string(shard) + ": snapshot of event " +
                           std::to_string(out.event_id()) + " has schema version " +
                           std::to_string(out.schema_version()));
  return status::success();
}

event_snapshot snapshot_from_proto(const journal::EventSnapshot& p) {
  event_snapshot s;
  s.config = config_from_proto(p.event_id(), p.config());
  s.status = status_from_proto(p.status());
  s.prices.assign(p.prices().begin(), p.prices().end());
  s.hold_seq = p.hold_seq();
  for (const auto& h : p.holds())
    s.holds.emplace_back(h.hold_seq(), hold_from_proto(h));
  for (const auto& o : p.orders())
    s.orders.push_back(order_from_proto(o));
  const auto& bits = p.expired_holds();
  s.expired_holds.resize(bits.size() / sizeof(uint64_t));
  // memcpy from or to a null pointer is undefined even for 0 bytes (UBSan, found
  // by tests/fuzz/recovery_fuzz.cpp: an empty vector's data() may be null).
  if (!s.expired_holds.empty())
    std::memcpy(s.expired_holds.data(), bits.data(), s.expired_holds.size() * sizeof(uint64_t));
  s.waitlist = waitlist_from_proto(p);
  return s;
}

bool replay_event_record(event_state& state, const journal::Record& r) {
  switch (r.body_case()) {
  case journal::Record::kStatusChanged:
    state.replay_status(status_from_proto(r.status_changed().status()));
    return true;
  case journal::Record::kHoldPlaced:
    return state.replay_hold_placed(r.hold_placed().hold_seq(), hold_from_proto(r.hold_placed()));
  case journal::Record::kHoldReleased:
    return state.replay_hold_released(r.hold_released().hold_seq(),
                                      reason_from_proto(r.hold_released().reason()));
  case journal::Record::kOrderConfirmed:
    return state.replay_order_confirmed(r.order_confirmed().order_seq(),
                                        order_from_proto(r.order_confirmed()));
  case journal::Record::kPriceChanged:
    return state.replay_price(static_cast<uint16_t>(r.price_changed().section()),
                              r.price_changed().price_cents());
  case journal::Record::kWaitlistJoined:
    return state.replay_waitlist_joined(r.waitlist_joined().seq(),
                                        waitlist_entry_from_proto(r.waitlist_joined(), r.at_ms()));
  case journal::Record::kWaitlistOffered:
    return state.replay_waitlist_offered(r.waitlist_offered().seq(), r.waitlist_offered().hold(),
                                         r.waitlist_offered().expires_at_ms());
  case journal::Record::kWaitlistEnded:
    return state.replay_waitlist_ended(r.waitlist_ended().seq(),
                                       waitlist_end_from_proto(r.waitlist_ended().how()));
  default:
    return false;
  }
}

} // namespace holdfast

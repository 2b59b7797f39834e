// Everything one event decides, as a pure state machine: holds (with their
// locked price and absolute deadline), orders, per-user tallies and the seat
// inventory. No CAF, no clock: time arrives as now_ms on every call, so tests and
// recovery replay drive it exactly. The event actor hosts one of these.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/venue.hpp"
#include "domain/best_seats.hpp"
#include "domain/deadline_queue.hpp"
#include "domain/event_config.hpp"
#include "domain/event_messages.hpp"
#include "domain/seat_inventory.hpp"
#include "domain/waitlist.hpp"

namespace holdfast {

// What a hold takes and an order keeps: named seats, or a quantity of one GA
// area, at the price locked when the hold was made. An order copies its
// hold's placement unchanged.
struct placement {
  int64_t total_cents = 0;
  uint16_t ga_area = no_area;
  uint16_t quantity = 0;
  uint8_t seat_count = 0;
  seat_index seats[limits::hold_seats_max] = {};
  std::span<const seat_index> seat_span() const { return {seats, seat_count}; }
  uint32_t places() const { return ga_area == no_area ? seat_count : quantity; }
};

struct hold_record : placement {
  user_id user = 0;
  int64_t expires_at_ms = 0; // absolute: survives restarts unchanged
  int64_t duration_ms = 0;
  // The command's Idempotency-Key hash (0: none) and a hash of the request it
  // came with: a retry with the key gets this hold while it lives; the key
  // with another request is refused. Forgotten with the hold.
  uint64_t idempotency_key = 0;
  uint64_t request_hash = 0;
};

struct order_record : placement {
  uint32_t hold_seq = 0;
  user_id user = 0;
  int64_t created_at_ms = 0;
};

// Numbering matches journal.ReleaseReason in proto/journal.proto.
enum class release_reason : uint8_t {
  expired = 0,
  cancelled = 1,
  confirmed = 2,
  event_cancelled = 3
};

// Told about every state change as it is decided, in decision order. The event
// actor journals what it hears; recovery feeds the journal back through the
// event_state::replay_* functions, which never call the sink.
class change_sink {
public:
  virtual ~change_sink() = default;
  virtual void hold_placed(uint32_t hold_seq, const hold_record& h, int64_t now_ms) = 0;
  // Not called for confirmed holds: order_confirmed implies that release.
  virtual void hold_released(uint32_t hold_seq, release_reason why, int64_t now_ms) = 0;
  virtual void order_confirmed(uint32_t order_seq, const order_record& o) = 0;
  virtual void status_changed(event_status s, int64_t now_ms) = 0;
  virtual void price_changed(uint16_t section, int64_t price_cents, int64_t now_ms) = 0;
  // Where the waitlist's changes go (nullptr: not journaled).
  virtual waitlist_sink* waitlist_events() { return nullptr; }
};

// Everything needed to rebuild an event; seat slots, counters and per-user
// tallies are derived from it on restore.
struct event_snapshot;
// Puts an exported snapshot's holds in deadline order (what restore expects).
void sort_holds_by_deadline(event_snapshot& snap);

struct event_snapshot {
  event_config config;
  event_status status = event_status::scheduled;
  std::vector<int64_t> prices;
  uint32_t hold_seq = 0;
  std::vector<std::pair<uint32_t, hold_record>> holds; // sorted by deadline
  std::vector<order_record> orders;                    // order seq n at index n - 1
  std::vector<uint64_t> expired_holds;
  waitlist_snapshot waitlist;
};

// The answer to a waitlist join or lookup.
struct waitlist_answer {
  result_code code = result_code::ok;
  waitlist_view entry;
};

// Whether event_state accepts `c` (its constructor asserts it): decoders of
// untrusted bytes ask first and refuse.
bool event_config_ok(const event_config& c);

class event_state {
public:
  // REQUIRES: event_config_ok(config).
  event_state(std::shared_ptr<const venue> v, event_config config);

  // Decides one command at now_ms. Holds whose deadline is <= now_ms are expired
  // first, so a decision never sees a hold that is past its deadline.
  outcome apply(const command& cmd, int64_t now_ms);
  // What confirming cmd.target (a confirm command) would answer, deciding
  // nothing: a refusal; the order, if the hold already became one (created_at_ms
  // set); or ok with the live hold's id, total and deadline (created_at_ms 0).
  // The checkout actor validates a hold with it before taking any money.
  outcome check_confirm(const command& cmd) const;

  // Releases every hold with deadline <= now_ms, each exactly once. Returns how many.
  size_t expire_due(int64_t now_ms);
  std::optional<int64_t> next_deadline() const { return deadlines_.next_deadline(); }

  result_code open_sale(int64_t now_ms = 0);
  result_code close_sale(int64_t now_ms = 0);
  result_code cancel(int64_t now_ms);
  void set_section_price(uint16_t section, int64_t price_cents, int64_t now_ms = 0);

  // Journaling: the sink hears every change from now on (nullptr: nobody).
  void set_sink(change_sink* sink) {
    sink_ = sink;
    waitlist_.set_sink(sink ? sink->waitlist_events() : nullptr);
  }

  // Waitlist (waitlist.hpp). A user joins for a section (no_area: any) when it
  // cannot be filled now; seats released later (expiry, cancel) are offered in
  // join order as a hold for the entry's user lasting config.onsale.waitlist_offer_s.
  waitlist_answer join_waitlist(user_id user, uint16_t section, uint16_t quantity, int64_t now_ms);
  // Another user's entry reads as unknown.
  waitlist_answer waitlist_entry_of(user_id user, uint32_t seq) const;
  // Waitlist seqs offered since the last call (the actor notifies their users).
  std::vector<uint32_t> take_new_offers();
  const waitlist& waitlist_ref() const { return waitlist_; }

  // Snapshots: export copies only what restore() needs (a few MB at most for a
  // 50,000-seat event); restore() rebuilds every derived structure from it.
  event_snapshot export_snapshot() const;
  // The same with the holds in no particular order: the copy the event actor
  // takes while decisions wait; sort_holds_by_deadline later, on the thread
  // that encodes it.
  event_snapshot export_snapshot_unsorted() const;
  static std::unique_ptr<event_state> restore(std::shared_ptr<const venue> v,
                                              const event_snapshot& snap);

  // Recovery: re-applies journaled changes. False when a record contradicts the
  // state (a corrupt or foreign journal); the state is then unusable.
  bool replay_hold_placed(uint32_t seq, const hold_record& h);
  bool replay_hold_released(uint32_t seq, release_reason why);
  bool replay_order_confirmed(uint32_t order_seq, const order_record& o);
  void replay_status(event_status s);
  bool replay_waitlist_joined(uint32_t seq, const waitlist_entry& e);
  bool replay_waitlist_offered(uint32_t seq, hold_id hold, int64_t expires_at_ms);
  bool replay_waitlist_ended(uint32_t seq, waitlist_status how);
  bool replay_price(uint16_t section, int64_t price_cents);

  event_id id() const { return config_.id; }
  const event_config& config() const { return config_; }
  const venue& venue_ref() const { return *venue_; }
  event_status status() const { return status_; }
  const seat_inventory& inventory() const { return inventory_; }
  seat_inventory& inventory() { return inventory_; }
  int64_t section_price(uint16_t section) const { return prices_[section]; }

  const hold_record* find_hold(hold_id id) const;
  std::optional<hold_view> hold_view_of(hold_id id) const;
  const order_record* find_order(order_id id) const;
  size_t live_holds() const { return holds_.size(); }
  size_t order_count() const { return orders_.size(); }
  uint64_t holds_made() const { return hold_seq_; }

  // Places newly held per section since the last call: the demand the pricing
  // actor samples once per interval. Not journaled (a restart starts a new window).
  std::vector<uint32_t> take_demand();

  seat_map_view seat_map() const;
  std::vector<section_view> section_views() const;
  user_holdings holdings(user_id user) const;

  // Deep O(n) check of every cross-reference (seats <-> holds <-> orders <->
  // users <-> counters). For tests; the hot path relies on HF_ASSERTs instead.
  bool invariants_hold() const;

private:
  struct user_tally {
    uint32_t held = 0;   // places in live holds
    uint32_t bought = 0; // places in orders
    std::vector<uint32_t> holds;
    std::vector<uint32_t> orders;
  };

  // Places the user holds or bought here: what the per-user cap counts.
  uint32_t places_taken(user_id user) const;
  uint16_t offer_places(const waitlist_view& entry, hold_record& rec);
  outcome hold_keyed(const command& cmd, int64_t now_ms);
  const uint32_t* keyed_hold(user_id user, uint64_t idempotency_key) const;
  outcome hold(const command& cmd, int64_t now_ms, uint64_t request_hash = 0);
  outcome hold_best(const command& cmd, int64_t now_ms, uint64_t request_hash);
  outcome release(const command& cmd, int64_t now_ms);
  outcome confirm(const command& cmd, int64_t now_ms);
  outcome order_outcome(const command& cmd, uint32_t order_seq, const order_record& order) const;
  result_code validate_hold(const command& cmd) const;
  void place_hold(uint32_t seq, const hold_record& rec);
  void count_demand(const hold_record& rec);
  hold_view view_of_hold(uint32_t seq, const hold_record& h) const;
  void hold_ended(uint32_t seq, release_reason reason, int64_t now_ms);
  bool can_fill(uint16_t section, uint16_t quantity) const;
  void offer_released(int64_t now_ms);
  void make_offer(const waitlist_view& entry, int64_t now_ms);
  void record_order(uint32_t order_seq, const order_record& order);
  void end_hold(uint32_t seq, release_reason reason, int64_t now_ms);
  void mark_expired(uint32_t seq);
  void refresh_sold_out();

  std::shared_ptr<const venue> venue_;
  event_config config_;
  event_status status_ = event_status::scheduled;
  seat_inventory inventory_;
  seat_ranking ranking_;         // for best-available holds and waitlist offers
  std::vector<int64_t> prices_;  // current price per section
  std::vector<uint32_t> demand_; // places held per section since take_demand()
  std::unordered_map<uint32_t, hold_record> holds_;
  std::vector<order_record> orders_; // order seq n at index n - 1
  std::unordered_map<uint32_t, uint32_t> order_of_hold_;
  std::vector<uint64_t> expired_holds_; // bit per hold seq: ended by expiry
  std::unordered_map<user_id, user_tally> users_;
  deadline_queue deadlines_;
  uint32_t hold_seq_ = 0;
  waitlist waitlist_;
  bool seats_released_ = false;      // since the waitlist last had a look
  std::vector<uint32_t> new_offers_; // waitlist seqs, for take_new_offers()
  change_sink* sink_ = nullptr;
};

} // namespace holdfast

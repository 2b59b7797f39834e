// The data an event actor exchanges: commands in, outcomes and views out. Plain
// structs with inspect() so CAF can move them between actors and nodes. No CAF
// include here: the pure event state uses the same types.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/limits.hpp"
#include "core/result_code.hpp"

namespace holdfast {

enum class command_kind : uint8_t { hold = 0, release = 1, confirm = 2 };
enum class event_status : uint8_t { scheduled = 0, on_sale, sold_out, closed, cancelled };
std::string_view status_name(event_status s);

// One request to an event. Fixed size (no allocation): the hot path moves
// thousands of these per batch message.
struct command {
  uint64_t tag = 0; // the caller's correlation id, echoed in the outcome
  user_id user = 0;
  uint64_t target = 0; // hold id, for release and confirm
  command_kind kind = command_kind::hold;
  uint8_t seat_count = 0;
  uint16_t ga_area = no_area; // a GA hold names its area and a quantity instead of seats
  uint16_t quantity = 0;
  // Best available: the event picks `quantity` seats side by side, in
  // best_section (no_area: any assigned section), and holds them.
  bool pick_best = false;
  uint16_t best_section = no_area;
  uint16_t ttl_s = 0; // hold time; 0 = the event's default
  // Holds: a 64-bit hash of the client's Idempotency-Key (0: none). A hold
  // retried with the same key returns the user's live hold made with it.
  uint64_t idempotency_key = 0;
  seat_index seats[limits::hold_seats_max] = {};

  std::span<const seat_index> seat_span() const { return {seats, seat_count}; }
};

// The decision on one command.
struct outcome {
  uint64_t tag = 0;
  result_code code = result_code::ok;
  uint8_t seat_count = 0; // held seats on success; conflicting seats on seat_unavailable
  uint16_t ga_area = no_area;
  uint16_t quantity = 0;
  uint64_t id = 0;           // hold id (hold) or order id (confirm)
  int64_t expires_at_ms = 0; // hold: its deadline
  int64_t created_at_ms = 0; // confirm: when the order was made (the same on every retry)
  int64_t total_cents = 0;   // price locked at hold time
  seat_index seats[limits::hold_seats_max] = {};

  std::span<const seat_index> seat_span() const { return {seats, seat_count}; }
};

struct command_batch {
  uint64_t batch_id = 0;
  std::vector<command> commands;
};

struct outcome_batch {
  uint64_t batch_id = 0;
  std::vector<outcome> outcomes; // same order as the commands
};

command make_hold(uint64_t tag, user_id user, std::span<const seat_index> seats);
command make_ga_hold(uint64_t tag, user_id user, uint16_t area, uint16_t quantity);
command make_best_hold(uint64_t tag, user_id user, uint16_t section, uint16_t quantity);
command make_release(uint64_t tag, user_id user, hold_id hold);
command make_confirm(uint64_t tag, user_id user, hold_id hold);

struct section_view {
  uint32_t available = 0; // seats, or GA places
  int64_t price_cents = 0;
};

// The seat map at one version: bit i of available_bits = seat i available,
// of sold_bits = sold; neither = held.
struct seat_map_view {
  event_id event = 0;
  uint64_t version = 0;
  event_status status = event_status::scheduled;
  std::vector<uint64_t> available_bits;
  std::vector<uint64_t> sold_bits;
  std::vector<section_view> sections;
};

// Seat changes coalesced over one window, pushed to subscribers. A subscriber
// whose last version is not from_version missed a delta and refetches the map.
struct seat_delta {
  event_id event = 0;
  uint64_t from_version = 0;
  uint64_t version = 0;
  std::vector<seat_index> seats;
  std::vector<uint8_t> states; // seat_state per entry of seats
  std::vector<section_view> sections;
};

struct hold_view {
  hold_id id = 0;
  int64_t expires_at_ms = 0;
  int64_t total_cents = 0;
  uint16_t ga_area = no_area;
  uint16_t quantity = 0;
  std::vector<seat_index> seats;
};

struct order_view {
  order_id id = 0;
  hold_id hold = 0;
  int64_t created_at_ms = 0;
  int64_t total_cents = 0;
  uint16_t ga_area = no_area;
  uint16_t quantity = 0;
  std::vector<seat_index> seats;
};

struct user_holdings {
  event_id event = 0;
  user_id user = 0;
  std::vector<hold_view> holds;
  std::vector<order_view> orders;
};

// What the pricing actor samples once per interval: places newly held per
// section since the previous sample, and the sections as they are now.
struct demand_sample {
  std::vector<uint32_t> taken;
  std::vector<section_view> sections;
};

// Upper bounds of the commit-duration histogram's buckets (Prometheus "le"),
// in microseconds: an fsync on an SSD takes from about 100 us to a few ms.
inline constexpr std::array<uint64_t, 10> journal_commit_buckets_us{
    250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000};

// Counters of a shard's journal writer.
struct journal_stats {
  uint64_t last_seq = 0;
  uint64_t records = 0;
  uint64_t commits = 0;
  uint64_t snapshots = 0;
  uint64_t commit_us_total = 0;
  uint64_t commit_us_max = 0;
  // Commits by duration: [k] took at most journal_commit_buckets_us[k] and more
  // than the bucket before (not cumulative); longer ones only in `commits`.
  std::vector<uint64_t> commit_buckets = std::vector<uint64_t>(journal_commit_buckets_us.size());

  // Adds another shard's counters (max for the max, sums for the rest).
  void add(const journal_stats& other);
};

// -- inspection (CAF serialization and to_string) -----------------------------

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, command& x) {
  return f(x.tag, x.user, x.target, x.kind, x.seat_count, x.ga_area, x.quantity, x.pick_best,
           x.best_section, x.ttl_s, x.idempotency_key, x.seats);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, outcome& x) {
  return f(x.tag, x.code, x.seat_count, x.ga_area, x.quantity, x.id, x.expires_at_ms,
           x.created_at_ms, x.total_cents, x.seats);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, command_batch& x) {
  return f(x.batch_id, x.commands);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, outcome_batch& x) {
  return f(x.batch_id, x.outcomes);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, section_view& x) {
  return f(x.available, x.price_cents);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, seat_map_view& x) {
  return f(x.event, x.version, x.status, x.available_bits, x.sold_bits, x.sections);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, seat_delta& x) {
  return f(x.event, x.from_version, x.version, x.seats, x.states, x.sections);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, hold_view& x) {
  return f(x.id, x.expires_at_ms, x.total_cents, x.ga_area, x.quantity, x.seats);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, order_view& x) {
  return f(x.id, x.hold, x.created_at_ms, x.total_cents, x.ga_area, x.quantity, x.seats);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, user_holdings& x) {
  return f(x.event, x.user, x.holds, x.orders);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, demand_sample& x) {
  return f(x.taken, x.sections);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, journal_stats& x) {
  return f(x.last_seq, x.records, x.commits, x.snapshots, x.commit_us_total, x.commit_us_max,
           x.commit_buckets);
}

} // namespace holdfast

// The seat inventory state machine of one event: who holds or bought each seat,
// and how many places each general-admission (GA) area has left. Pure: no CAF,
// no clock, no I/O. The event state drives it; tests drive it directly.
//
//                 hold(h)                      sell(h, o)
//   +-----------+ ---------> +-------------+ ------------> +---------+
//   | available |            |   held(h)   |               | sold(o) |
//   +-----------+ <--------- +-------------+               +---------+
//        ^        release(h): expiry | cancel                   |
//        +------------------------------------------------------+
//                          refund(o)
//
// GA areas follow the same lifecycle by count: available + held + sold == capacity.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/ids.hpp"
#include "core/venue.hpp"

namespace holdfast {

enum class seat_state : uint8_t { available = 0, held = 1, sold = 2 };

// 8 bytes a seat: the state and the hold or order sequence it belongs to. The
// hold's user, deadline and locked price live once in the hold record, not per seat.
struct seat_slot {
  uint32_t ref = 0; // hold seq while held, order seq while sold, 0 while available
  seat_state state = seat_state::available;
};
static_assert(sizeof(seat_slot) <= 8, "a 50,000-seat event must stay cheap to snapshot");

struct ga_counter {
  uint32_t capacity = 0;
  uint32_t held = 0;
  uint32_t sold = 0;
  uint32_t available() const { return capacity - held - sold; }
};

class seat_inventory {
public:
  explicit seat_inventory(const venue& v);

  // True when every seat is available. Otherwise appends every unavailable one
  // to `conflicts` (if given) and returns false. Changes nothing.
  bool all_available(std::span<const seat_index> seats, std::vector<seat_index>* conflicts) const;

  // REQUIRES: all_available(seats). Marks them held by hold_seq.
  void hold(std::span<const seat_index> seats, uint32_t hold_seq);
  // REQUIRES: every seat held by hold_seq.
  void release(std::span<const seat_index> seats, uint32_t hold_seq);
  void sell(std::span<const seat_index> seats, uint32_t hold_seq, uint32_t order_seq);
  // REQUIRES: every seat sold to order_seq.
  void refund(std::span<const seat_index> seats, uint32_t order_seq);

  bool ga_can_hold(uint16_t area, uint32_t quantity) const;
  void ga_hold(uint16_t area, uint32_t quantity);
  void ga_release(uint16_t area, uint32_t quantity);
  void ga_sell(uint16_t area, uint32_t quantity);
  void ga_refund(uint16_t area, uint32_t quantity);

  const seat_slot& slot(seat_index i) const { return slots_[i]; }
  const std::vector<seat_slot>& slots() const { return slots_; }
  const ga_counter& ga(uint16_t area) const { return ga_[area]; }
  const std::vector<ga_counter>& ga_counters() const { return ga_; }
  // Bit i set = seat i available / sold. Held = neither.
  const std::vector<uint64_t>& available_bits() const { return available_bits_; }
  const std::vector<uint64_t>& sold_bits() const { return sold_bits_; }
  uint32_t section_available(uint16_t section) const { return section_available_[section]; }
  // Available seats in venue row `row` (an index into venue::rows()).
  uint32_t row_available(uint32_t row) const { return row_available_[row]; }
  // Changes whenever a seat of the row changes state: a best-available search
  // caches each row's best block and trusts it while this stays the same.
  uint32_t row_version(uint32_t row) const { return row_version_[row]; }
  // Rows where a seat became available since the last drain: a search's cached
  // bounds for them may now be too high.
  template <class Fn> void drain_freed_rows(Fn&& on_row);

  uint32_t seats_available() const { return seats_available_; }
  uint32_t seats_sold() const { return seats_sold_; }
  uint64_t places_sold() const; // seats + GA places
  uint64_t capacity() const { return slots_.size() + venue_->ga_capacity_total(); }
  uint64_t version() const { return version_; }

  // Seat-map deltas: while tracking, every seat or GA area whose state changes is
  // remembered once until drain_changes() hands the set over.
  void track_changes(bool on);
  template <class SeatFn, class AreaFn> void drain_changes(SeatFn&& on_seat, AreaFn&& on_area);
  bool has_changes() const { return !dirty_seats_.empty() || !dirty_areas_.empty(); }

  // O(n) cross-check of every counter and bitmap against the slots. For tests.
  bool invariants_hold() const;

private:
  void set(seat_index i, seat_state state, uint32_t ref);
  void touch_area(uint16_t area);

  const venue* venue_;
  std::vector<seat_slot> slots_;
  std::vector<uint64_t> available_bits_;
  std::vector<uint64_t> sold_bits_;
  std::vector<uint32_t> section_available_;
  std::vector<uint32_t> row_available_;
  std::vector<uint32_t> row_version_;
  std::vector<uint32_t> freed_rows_;
  std::vector<bool> row_freed_; // in freed_rows_ already
  std::vector<ga_counter> ga_;  // indexed by section; zero capacity for assigned sections
  uint32_t seats_available_ = 0;
  uint32_t seats_sold_ = 0;
  uint64_t version_ = 0;
  bool tracking_ = false;
  std::vector<uint64_t> dirty_bits_;
  std::vector<seat_index> dirty_seats_;
  std::vector<uint16_t> dirty_areas_;
};

template <class Fn> void seat_inventory::drain_freed_rows(Fn&& on_row) {
  for (uint32_t r : freed_rows_) {
    row_freed_[r] = false;
    on_row(r);
  }
  freed_rows_.clear();
}

template <class SeatFn, class AreaFn>
void seat_inventory::drain_changes(SeatFn&& on_seat, AreaFn&& on_area) {
  for (seat_index i : dirty_seats_) {
    dirty_bits_[i / 64] &= ~(uint64_t{1} << (i % 64));
    on_seat(i, slots_[i].state);
  }
  dirty_seats_.clear();
  for (uint16_t a : dirty_areas_)
    on_area(a, ga_[a]);
  dirty_areas_.clear();
}

} // namespace holdfast

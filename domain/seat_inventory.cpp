#include "domain/seat_inventory.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace holdfast {

namespace {
inline bool bit(const std::vector<uint64_t>& bits, seat_index i) {
  return (bits[i / 64] >> (i % 64)) & 1u;
}
inline void put_bit(std::vector<uint64_t>& bits, seat_index i, bool on) {
  const uint64_t mask = uint64_t{1} << (i % 64);
  bits[i / 64] = on ? (bits[i / 64] | mask) : (bits[i / 64] & ~mask);
}
} // namespace

seat_inventory::seat_inventory(const venue& v)
    : venue_(&v), slots_(v.seat_count()), available_bits_((v.seat_count() + 63) / 64, 0),
      sold_bits_(available_bits_.size(), 0), section_available_(v.sections().size(), 0),
      row_available_(v.rows().size(), 0), row_version_(v.rows().size(), 0),
      row_freed_(v.rows().size(), false), ga_(v.sections().size()),
      seats_available_(v.seat_count()) {
  for (uint32_t r = 0; r < v.rows().size(); ++r)
    row_available_[r] = v.rows()[r].count;
  for (seat_index i = 0; i < v.seat_count(); ++i)
    put_bit(available_bits_, i, true);
  for (uint16_t s = 0; s < v.sections().size(); ++s) {
    const auto& sec = v.sections()[s];
    section_available_[s] = sec.seat_count;
    if (sec.kind == section_kind::general_admission) ga_[s].capacity = sec.ga_capacity;
  }
}

void seat_inventory::set(seat_index i, seat_state state, uint32_t ref) {
  auto& slot = slots_[i];
  const uint16_t section = venue_->seats()[i].section;
  const uint32_t row = venue_->row_of(i);
  if (slot.state == seat_state::available) {
    --seats_available_;
    --section_available_[section];
    --row_available_[row];
  }
  if (slot.state == seat_state::sold) --seats_sold_;
  if (state == seat_state::available) {
    ++seats_available_;
    ++section_available_[section];
    ++row_available_[row];
    if (!row_freed_[row]) {
      row_freed_[row] = true;
      freed_rows_.push_back(row);
    }
  }
  ++row_version_[row];
  if (state == seat_state::sold) ++seats_sold_;
  slot.state = state;
  slot.ref = ref;
  put_bit(available_bits_, i, state == seat_state::available);
  put_bit(sold_bits_, i, state == seat_state::sold);
  if (tracking_ && !bit(dirty_bits_, i)) {
    put_bit(dirty_bits_, i, true);
    dirty_seats_.push_back(i);
  }
}

bool seat_inventory::all_available(std::span<const seat_index> seats,
                                   std::vector<seat_index>* conflicts) const {
  bool ok = true;
  for (seat_index i : seats) {
    HF_ASSERT(i < slots_.size());
    if (slots_[i].state != seat_state::available) {
      ok = false;
      if (conflicts == nullptr) return false;
      conflicts->push_back(i);
    }
  }
  return ok;
}

void seat_inventory::hold(std::span<const seat_index> seats, uint32_t hold_seq) {
  HF_ASSERT(hold_seq != 0);
  for (seat_index i : seats) {
    HF_ASSERT(slots_[i].state == seat_state::available);
    set(i, seat_state::held, hold_seq);
  }
  ++version_;
}

void seat_inventory::release(std::span<const seat_index> seats, uint32_t hold_seq) {
  for (seat_index i : seats) {
    HF_ASSERT(slots_[i].state == seat_state::held && slots_[i].ref == hold_seq);
    set(i, seat_state::available, 0);
  }
  ++version_;
}

void seat_inventory::sell(std::span<const seat_index> seats, uint32_t hold_seq,
                          uint32_t order_seq) {
  HF_ASSERT(order_seq != 0);
  for (seat_index i : seats) {
    // The one place a seat becomes sold: only from a hold, only by its own hold.
    HF_ASSERT(slots_[i].state == seat_state::held && slots_[i].ref == hold_seq);
    set(i, seat_state::sold, order_seq);
  }
  ++version_;
}

void seat_inventory::refund(std::span<const seat_index> seats, uint32_t order_seq) {
  for (seat_index i : seats) {
    HF_ASSERT(slots_[i].state == seat_state::sold && slots_[i].ref == order_seq);
    set(i, seat_state::available, 0);
  }
  ++version_;
}

bool seat_inventory::ga_can_hold(uint16_t area, uint32_t quantity) const {
  HF_ASSERT(area < ga_.size() && ga_[area].capacity > 0);
  return quantity <= ga_[area].available();
}

void seat_inventory::touch_area(uint16_t area) {
  ++version_;
  if (tracking_ && std::find(dirty_areas_.begin(), dirty_areas_.end(), area) == dirty_areas_.end())
    dirty_areas_.push_back(area);
}

void seat_inventory::ga_hold(uint16_t area, uint32_t quantity) {
  HF_ASSERT(ga_can_hold(area, quantity));
  ga_[area].held += quantity;
  touch_area(area);
}

void seat_inventory::ga_release(uint16_t area, uint32_t quantity) {
  HF_ASSERT(ga_[area].held >= quantity);
  ga_[area].held -= quantity;
  touch_area(area);
}

void seat_inventory::ga_sell(uint16_t area, uint32_t quantity) {
  HF_ASSERT(ga_[area].held >= quantity);
  ga_[area].held -= quantity;
  ga_[area].sold += quantity;
  HF_ASSERT(ga_[area].sold <= ga_[area].capacity); // never past capacity
  touch_area(area);
}

void seat_inventory::ga_refund(uint16_t area, uint32_t quantity) {
  HF_ASSERT(ga_[area].sold >= quantity);
  ga_[area].sold -= quantity;
  touch_area(area);
}

uint64_t seat_inventory::places_sold() const {
  uint64_t total = seats_sold_;
  for (const auto& g : ga_)
    total += g.sold;
  return total;
}

void seat_inventory::track_changes(bool on) {
  tracking_ = on;
  if (on && dirty_bits_.empty()) dirty_bits_.assign(available_bits_.size(), 0);
}

bool seat_inventory::invariants_hold() const {
  uint32_t available = 0, sold = 0;
  std::vector<uint32_t> per_section(section_available_.size(), 0);
  std::vector<uint32_t> per_row(row_available_.size(), 0);
  for (seat_index i = 0; i < slots_.size(); ++i) {
    const auto& s = slots_[i];
    const bool is_available = s.state == seat_state::available;
    if (is_available != bit(available_bits_, i)) return false;
    if ((s.state == seat_state::sold) != bit(sold_bits_, i)) return false;
    if (is_available != (s.ref == 0)) return false;
    if (is_available) {
      ++available;
      ++per_section[venue_->seats()[i].section];
      ++per_row[venue_->row_of(i)];
    }
    if (s.state == seat_state::sold) ++sold;
  }
  if (available != seats_available_ || sold != seats_sold_ || per_section != section_available_ ||
      per_row != row_available_)
    return false;
  for (const auto& g : ga_)
    if (g.held + g.sold > g.capacity) return false;
  return true;
}

} // namespace holdfast

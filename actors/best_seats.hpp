// "Best available": the block of N seats side by side (one row, consecutive
// numbers) nearest the middle of the venue, chosen by the event at the moment
// it decides. Thousands of fans asking at once then each get a different block;
// picking in the browser, they would all pick the same seats and all but one
// would get a 409. Pure: no CAF, no clock.
//
// A block's distance is the mean of its seats' distances to the centre of the
// venue's seats (the stage or the floor is there in the demo stadium). A row's
// nearest seat bounds every block in it from below, so rows are searched
// nearest first and the search stops at the first row that cannot beat the
// block in hand; rows with fewer free seats than wanted are skipped by their
// counter without looking at a seat. Ties go to the cheaper section, then to
// the row searched first, so the choice is deterministic.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "actors/seat_inventory.hpp"
#include "core/venue.hpp"

namespace holdfast {

class seat_ranking {
public:
  explicit seat_ranking(const venue& v);

  // Writes the best block of `quantity` available seats in assigned section
  // `section` (no_area: any assigned section) to out[0..quantity), in seat
  // number order. False when no row has that many free seats side by side.
  // `prices` is the current price per section.
  bool best_block(const seat_inventory& inv, std::span<const int64_t> prices, uint16_t section,
                  uint16_t quantity, seat_index* out) const;

private:
  float distance(seat_index i) const;

  const venue* venue_;
  float centre_x_ = 0, centre_y_ = 0;
  std::vector<uint32_t> by_nearest_; // venue row indexes, nearest row first
  std::vector<float> nearest_;       // per venue row: its nearest seat's distance
};

} // namespace holdfast

// "Best available": the block of N seats side by side (one row, consecutive
// numbers) nearest the middle of the venue, chosen by the event at the moment
// it decides. Thousands of fans asking at once then each get a different block;
// picking in the browser, they would all pick the same seats and all but one
// would get a 409. Pure: no CAF, no clock.
//
// A block's distance is the mean of its seats' distances to the centre of the
// venue's seats (the stage or the floor is there in the demo stadium). Ties go
// to the cheaper section, then to the row whose nearest seat is nearer, so the
// choice is deterministic. Distances compare in steps of a millionth of a unit.
//
// Cost. Each row caches, per quantity, its best block and the row version
// (seat_inventory::row_version) it was computed at. For "any section" a min
// tree over the rows' cached scores finds the best row in O(log rows): a
// cached score is always a lower bound (taking seats only makes a row's best
// block worse; rows where a seat came free are reset to their nearest seat's
// distance), and a row whose cache is stale is recomputed when it reaches the
// top. A pick thus costs about one row's scan plus a few tree steps, however
// large the venue and however sold out its front rows. A section's search scans
// that section's rows through the same cache.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "domain/seat_inventory.hpp"
#include "core/venue.hpp"

namespace holdfast {

class seat_ranking {
public:
  explicit seat_ranking(const venue& v);
  ~seat_ranking();

  // Writes the best block of `quantity` available seats in assigned section
  // `section` (no_area: any assigned section) to out[0..quantity), in seat
  // number order. False when no row has that many free seats side by side.
  // `prices` is the current price per section. Drains the inventory's freed rows.
  bool best_block(seat_inventory& inv, std::span<const int64_t> prices, uint16_t section,
                  uint16_t quantity, seat_index* out);

private:
  struct per_quantity;
  using score = int64_t; // mean distance in millionths of a unit
  static constexpr score none = INT64_MAX;

  float distance(seat_index i) const;
  per_quantity& cache_for(uint16_t quantity, std::span<const int64_t> prices);
  // Brings row r's cache for q up to date with the inventory; returns its score.
  score refresh(per_quantity& q, const seat_inventory& inv, uint32_t r) const;
  bool before(const per_quantity& q, uint32_t a, uint32_t b) const;
  void update_tree(per_quantity& q, uint32_t r) const;
  void build_tree(per_quantity& q) const;

  const venue* venue_;
  float centre_x_ = 0, centre_y_ = 0;
  std::vector<score> nearest_;         // per venue row: its nearest seat, a bound for any block
  std::vector<uint32_t> rank_;         // per venue row: its place in nearest-first order
  std::vector<uint32_t> section_rows_; // rows of section s: [section_rows_[s], section_rows_[s+1])
  std::vector<int64_t> prices_;        // the prices the trees were ordered with
  std::vector<std::unique_ptr<per_quantity>> by_quantity_; // made on first use
};

} // namespace holdfast

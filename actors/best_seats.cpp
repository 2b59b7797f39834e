#include "actors/best_seats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/assert.hpp"

namespace holdfast {

seat_ranking::seat_ranking(const venue& v) : venue_(&v) {
  const auto& seats = v.seats();
  if (!seats.empty()) {
    auto [min_x, max_x] = std::minmax_element(
        seats.begin(), seats.end(), [](const seat& a, const seat& b) { return a.x < b.x; });
    auto [min_y, max_y] = std::minmax_element(
        seats.begin(), seats.end(), [](const seat& a, const seat& b) { return a.y < b.y; });
    centre_x_ = (min_x->x + max_x->x) / 2;
    centre_y_ = (min_y->y + max_y->y) / 2;
  }
  const auto& rows = v.rows();
  nearest_.assign(rows.size(), std::numeric_limits<float>::infinity());
  for (uint32_t r = 0; r < rows.size(); ++r)
    for (seat_index i : v.row_seats(rows[r]))
      nearest_[r] = std::min(nearest_[r], distance(i));
  by_nearest_.resize(rows.size());
  for (uint32_t r = 0; r < rows.size(); ++r)
    by_nearest_[r] = r;
  std::stable_sort(by_nearest_.begin(), by_nearest_.end(),
                   [this](uint32_t a, uint32_t b) { return nearest_[a] < nearest_[b]; });
}

float seat_ranking::distance(seat_index i) const {
  const auto& s = venue_->seats()[i];
  return std::hypot(s.x - centre_x_, s.y - centre_y_);
}

bool seat_ranking::best_block(const seat_inventory& inv, std::span<const int64_t> prices,
                              uint16_t section, uint16_t quantity, seat_index* out) const {
  if (quantity == 0) return false;
  if (section != no_area && inv.section_available(section) < quantity) return false;
  constexpr double tie = 1e-6; // distances are floats: closer than this is a tie
  const auto& rows = venue_->rows();
  double best = std::numeric_limits<double>::infinity();
  int64_t best_price = 0;
  std::span<const seat_index> best_seats;
  for (uint32_t r : by_nearest_) {
    if (nearest_[r] > best + tie) break; // no block here or further can beat it
    const seat_row& row = rows[r];
    if ((section != no_area && row.section != section) || inv.row_available(r) < quantity) continue;
    const auto seats = venue_->row_seats(row);
    const int64_t price = prices[row.section];
    // A sliding window over each run of free seats with consecutive numbers.
    uint32_t run = 0;
    double sum = 0;
    for (size_t k = 0; k < seats.size(); ++k) {
      const seat_index i = seats[k];
      if (inv.slot(i).state != seat_state::available) {
        run = 0;
        sum = 0;
        continue;
      }
      const bool next =
          run > 0 && venue_->seats()[i].number == venue_->seats()[seats[k - 1]].number + 1;
      if (!next) {
        run = 0;
        sum = 0;
      }
      ++run;
      sum += distance(i);
      if (run > quantity) sum -= distance(seats[k - quantity]);
      if (run < quantity) continue;
      const double mean = sum / quantity;
      if (mean < best - tie || (mean <= best + tie && price < best_price)) {
        best = mean;
        best_price = price;
        best_seats = seats.subspan(k + 1 - quantity, quantity);
      }
    }
  }
  if (best_seats.empty()) return false;
  HF_ASSERT(inv.all_available(best_seats, nullptr));
  std::copy(best_seats.begin(), best_seats.end(), out);
  return true;
}

} // namespace holdfast

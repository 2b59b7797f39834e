#include "domain/best_seats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/assert.hpp"
#include "core/limits.hpp"

namespace holdfast {

namespace {
constexpr uint32_t never = std::numeric_limits<uint32_t>::max(); // no exact cache yet
}

// One quantity's cache: per row its score (exact while `version` matches the
// row's, else a lower bound) and where its best block starts; and a min tree
// over the rows (leaves at size..2*size-1, each node the better of its two).
struct seat_ranking::per_quantity {
  uint16_t quantity = 0;
  std::vector<score> best;
  std::vector<uint32_t> start; // index into the row's seats
  std::vector<uint32_t> version;
  uint32_t size = 1;
  std::vector<uint32_t> tree; // row indexes; `never` for padding
};

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
  nearest_.assign(rows.size(), none);
  for (uint32_t r = 0; r < rows.size(); ++r)
    for (seat_index i : v.row_seats(rows[r]))
      nearest_[r] =
          std::min(nearest_[r], static_cast<score>(std::floor(double{distance(i)} * 1e6)));
  std::vector<uint32_t> order(rows.size());
  for (uint32_t r = 0; r < rows.size(); ++r)
    order[r] = r;
  std::stable_sort(order.begin(), order.end(),
                   [this](uint32_t a, uint32_t b) { return nearest_[a] < nearest_[b]; });
  rank_.resize(rows.size());
  for (uint32_t k = 0; k < order.size(); ++k)
    rank_[order[k]] = k;
  // Rows come section by section (venue::rows), so each section's are one range.
  section_rows_.assign(v.sections().size() + 1, 0);
  for (const auto& row : rows)
    ++section_rows_[row.section + 1];
  for (size_t s = 1; s < section_rows_.size(); ++s)
    section_rows_[s] += section_rows_[s - 1];
}

seat_ranking::~seat_ranking() = default;

float seat_ranking::distance(seat_index i) const {
  const auto& s = venue_->seats()[i];
  return std::hypot(s.x - centre_x_, s.y - centre_y_);
}

seat_ranking::score seat_ranking::refresh(per_quantity& q, const seat_inventory& inv,
                                          uint32_t r) const {
  const uint32_t version = inv.row_version(r);
  if (q.version[r] == version) return q.best[r];
  q.version[r] = version;
  q.best[r] = none;
  if (inv.row_available(r) < q.quantity) return none;
  const auto seats = venue_->row_seats(venue_->rows()[r]);
  // A sliding window over each run of free seats with consecutive numbers.
  uint32_t run = 0;
  double sum = 0;
  for (size_t k = 0; k < seats.size(); ++k) {
    const seat_index i = seats[k];
    if (inv.slot(i).state != seat_state::available) {
      run = 0;
      continue;
    }
    if (run == 0 || venue_->seats()[i].number != venue_->seats()[seats[k - 1]].number + 1) {
      run = 0;
      sum = 0;
    }
    ++run;
    sum += distance(i);
    if (run > q.quantity) sum -= distance(seats[k - q.quantity]);
    if (run < q.quantity) continue;
    const auto mean = static_cast<score>(std::floor(sum / q.quantity * 1e6));
    if (mean < q.best[r]) {
      q.best[r] = mean;
      q.start[r] = static_cast<uint32_t>(k + 1 - q.quantity);
    }
  }
  return q.best[r];
}

// Strictly better: nearer, then cheaper, then the row nearer by its nearest seat.
bool seat_ranking::before(const per_quantity& q, uint32_t a, uint32_t b) const {
  if (b == never) return a != never;
  if (a == never) return false;
  if (q.best[a] != q.best[b]) return q.best[a] < q.best[b];
  const int64_t pa = prices_[venue_->rows()[a].section], pb = prices_[venue_->rows()[b].section];
  if (pa != pb) return pa < pb;
  return rank_[a] < rank_[b];
}

void seat_ranking::update_tree(per_quantity& q, uint32_t r) const {
  for (uint32_t n = (q.size + r) / 2; n >= 1; n /= 2) {
    const uint32_t l = q.tree[2 * n], rr = q.tree[2 * n + 1];
    q.tree[n] = before(q, rr, l) ? rr : l;
  }
}

void seat_ranking::build_tree(per_quantity& q) const {
  for (uint32_t n = q.size - 1; n >= 1; --n) {
    const uint32_t l = q.tree[2 * n], r = q.tree[2 * n + 1];
    q.tree[n] = before(q, r, l) ? r : l;
  }
}

seat_ranking::per_quantity& seat_ranking::cache_for(uint16_t quantity,
                                                    std::span<const int64_t> prices) {
  const bool repriced = !std::equal(prices.begin(), prices.end(), prices_.begin(), prices_.end());
  if (repriced) prices_.assign(prices.begin(), prices.end());
  if (by_quantity_.size() <= quantity) by_quantity_.resize(quantity + 1);
  auto& slot = by_quantity_[quantity];
  if (!slot) {
    // Every row starts at its bound, to be made exact when it reaches the top.
    slot = std::make_unique<per_quantity>();
    auto& q = *slot;
    const auto rows = static_cast<uint32_t>(nearest_.size());
    q.quantity = quantity;
    q.best = nearest_;
    q.start.assign(rows, 0);
    q.version.assign(rows, never);
    while (q.size < rows)
      q.size *= 2;
    q.tree.assign(2 * q.size, never);
    for (uint32_t r = 0; r < rows; ++r)
      q.tree[q.size + r] = r;
    build_tree(q);
  } else if (repriced) {
    build_tree(*slot);
  }
  if (repriced)
    for (auto& other : by_quantity_)
      if (other && other.get() != slot.get()) build_tree(*other);
  return *slot;
}

bool seat_ranking::best_block(seat_inventory& inv, std::span<const int64_t> prices,
                              uint16_t section, uint16_t quantity, seat_index* out) {
  if (quantity == 0 || quantity > limits::hold_seats_max) return false;
  if (section != no_area && inv.section_available(section) < quantity) return false;
  auto& q = cache_for(quantity, prices);
  // Rows where seats came free: their cached scores may be too high now.
  inv.drain_freed_rows([&](uint32_t r) {
    for (auto& each : by_quantity_) {
      if (!each) continue;
      each->best[r] = nearest_[r];
      each->version[r] = never;
      update_tree(*each, r);
    }
  });
  uint32_t found = never;
  if (section == no_area) {
    // The top row, once its cache is exact, beats every bound and so every row.
    while (q.tree[1] != never) {
      const uint32_t top = q.tree[1];
      if (q.version[top] == inv.row_version(top)) {
        if (q.best[top] != none) found = top;
        break;
      }
      refresh(q, inv, top);
      update_tree(q, top);
    }
  } else {
    for (uint32_t r = section_rows_[section]; r < section_rows_[section + 1]; ++r) {
      const score was = q.best[r];
      refresh(q, inv, r);
      if (q.best[r] != was) update_tree(q, r);
      if (q.best[r] != none && (found == never || before(q, r, found))) found = r;
    }
  }
  if (found == never) return false;
  const auto seats = venue_->row_seats(venue_->rows()[found]).subspan(q.start[found], quantity);
  HF_ASSERT(inv.all_available(seats, nullptr));
  std::copy(seats.begin(), seats.end(), out);
  return true;
}

} // namespace holdfast

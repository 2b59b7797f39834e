#include "domain/pricing.hpp"

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"
#include "core/limits.hpp"

namespace holdfast {

namespace {

bool finite_in(double x, double lo, double hi) {
  return std::isfinite(x) && x >= lo && x <= hi;
}

int64_t ceiling_cents(int64_t base_cents, const pricing_config& c) {
  const auto ceiling = static_cast<int64_t>(std::floor(base_cents * c.ceiling_multiple));
  return std::max(ceiling, base_cents);
}

// The prices next_price() may return: base itself, then every multiple of
// `unit` above base up to the ceiling. Base need not be a multiple of the unit
// (a 1-cent base still works); the ceiling need not be one either, so the
// highest grid price is the largest multiple at or below it (or base).
class price_grid {
public:
  price_grid(int64_t base, int64_t ceiling, int64_t unit)
      : base_(base), unit_(unit), top_(std::max(base, ceiling / unit * unit)) {}

  int64_t at_or_below(int64_t x) const {
    x = std::clamp(x, base_, top_);
    const int64_t m = x / unit_ * unit_;
    return m > base_ ? m : base_;
  }
  int64_t at_or_above(int64_t x) const {
    x = std::clamp(x, base_, top_);
    if (x == base_) return base_;
    return (x + unit_ - 1) / unit_ * unit_; // <= top_: top_ is a multiple >= x
  }
  // Ties go down: a price never rounds up on a coin toss.
  int64_t nearest(int64_t x) const {
    const int64_t lo = at_or_below(x);
    const int64_t hi = at_or_above(x);
    return x - lo <= hi - x ? lo : hi;
  }
  bool contains(int64_t x) const {
    return x == base_ || (x > base_ && x <= top_ && x % unit_ == 0);
  }

private:
  int64_t base_;
  int64_t unit_;
  int64_t top_;
};

} // namespace

bool pricing_config_valid(const pricing_config& c) {
  return c.interval_ms > 0 &&
         finite_in(c.ceiling_multiple, 1.0, limits::price_ceiling_multiple_max) &&
         finite_in(c.k_velocity, 0.0, 1e6) && finite_in(c.k_scarcity, 0.0, 1e6) &&
         finite_in(c.v_ref, 1e-9, 1e6) && finite_in(c.velocity_ratio_max, 0.0, 1e6) &&
         finite_in(c.max_step, 0.0, 0.99) && c.rounding_cents >= 1 &&
         c.rounding_cents <= limits::price_rounding_cents_max;
}

double target_price(const section_demand& d, const pricing_config& c) {
  HF_ASSERT(pricing_config_valid(c));
  // A free section (base 0) stays free: the ceiling is a multiple of base.
  HF_ASSERT(d.base_cents >= 0 && d.base_cents <= limits::price_base_cents_max);
  HF_ASSERT(d.available <= d.capacity);
  HF_ASSERT(d.interval_ms > 0);
  const auto base = static_cast<double>(d.base_cents);
  // An empty section has nothing to sell, so nothing to price up.
  if (d.capacity == 0) return base;
  const double capacity = d.capacity;
  // Share of the section taken per configured interval, whatever the real tick length.
  const double velocity = d.taken_in_interval / capacity *
                          (static_cast<double>(c.interval_ms) / static_cast<double>(d.interval_ms));
  const double velocity_ratio = std::min(velocity / c.v_ref, c.velocity_ratio_max);
  const double scarcity = 1.0 - d.available / capacity;
  const double target =
      base * (1.0 + c.k_velocity * velocity_ratio + c.k_scarcity * scarcity * scarcity);
  return std::clamp(target, base, static_cast<double>(ceiling_cents(d.base_cents, c)));
}

int64_t next_price(const section_demand& d, const pricing_config& c) {
  const double target = target_price(d, c); // asserts the inputs
  const int64_t base = d.base_cents;
  const int64_t ceiling = ceiling_cents(base, c);
  const price_grid grid(base, ceiling, c.rounding_cents);
  // After an operator changes the base price, the old price may lie outside the
  // new bounds; it re-enters at the nearest bound and moves on from there.
  const int64_t current = std::clamp(d.current_cents, base, ceiling);
  const int64_t goal = grid.nearest(std::llround(target));
  // The step in whole cents, rounded: 12100 * 1.15 is 13914.999... in a double.
  const int64_t step = std::llround(static_cast<double>(current) * c.max_step);
  int64_t next = current;
  if (goal > current) {
    next = std::min(goal, grid.at_or_below(current + step));
    // A step smaller than one unit rounds back to where we are; take one unit so
    // cheap sections still move. goal is a grid price above current, so this
    // cannot pass it.
    if (next <= current) next = grid.at_or_above(current + 1);
  } else if (goal < current) {
    next = std::max(goal, grid.at_or_above(current - step));
    if (next >= current) next = grid.at_or_below(current - 1);
  }
  HF_ASSERT(next >= base && next <= ceiling);
  HF_ASSERT(grid.contains(next));
  HF_ASSERT((goal >= current) == (next >= current)); // never moves away from the goal
  return next;
}

std::vector<int64_t> next_prices(std::span<const section_demand> sections,
                                 const pricing_config& c) {
  std::vector<int64_t> out;
  out.reserve(sections.size());
  for (const auto& d : sections)
    out.push_back(next_price(d, c));
  return out;
}

} // namespace holdfast

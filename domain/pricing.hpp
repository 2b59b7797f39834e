// Dynamic section prices, recomputed once per pricing interval from demand.
// Pure: no CAF, no clock. The event actor counts what left each section's
// availability since the last tick, calls next_prices() once per interval and
// applies (and journals, via event_state::set_section_price) what changed.
// The formula, its defaults and a worked example are in docs/pricing.md.
//
// Guarantees, whatever the inputs: base <= price <= ceiling; the price is base
// itself or a whole multiple of rounding_cents; it never passes the target, so
// it cannot oscillate around a steady target; and it moves by at most max_step
// of the current price per interval, except that it always moves at least one
// rounding unit towards the target (else small prices would never move).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/limits.hpp"

namespace holdfast {

struct pricing_config {
  // One next_price() call per section per interval.
  int64_t interval_ms = limits::price_interval_ms_default;
  // Ceiling = base * this, rounded down to whole cents.
  double ceiling_multiple = limits::price_ceiling_pct_default / 100.0;
  double k_velocity = limits::price_k_velocity_default; // weight of the velocity term
  double k_scarcity = limits::price_k_scarcity_default; // weight of the scarcity term
  // Share of capacity taken per interval that counts as "hot".
  double v_ref = limits::price_v_ref_default;
  // v / v_ref is capped here, so a spike cannot run away.
  double velocity_ratio_max = limits::price_velocity_ratio_max_default;
  // Largest relative move per interval (beyond one unit).
  double max_step = limits::price_max_step_default;
  // Prices above base are whole multiples of this.
  int64_t rounding_cents = limits::price_rounding_cents_default;
};

// False for a configuration next_price() would refuse (it asserts); check
// operator-supplied values with this at load time.
bool pricing_config_valid(const pricing_config& c);

struct section_demand {
  uint32_t capacity = 0;  // places in the section (seats, or GA capacity)
  uint32_t available = 0; // neither held nor sold right now
  // Places that left `available` during the interval: newly held, or sold
  // without a hold. Confirming a hold is not counted again, and releases are not
  // subtracted: this measures demand, not the net change.
  uint32_t taken_in_interval = 0;
  // How long taken_in_interval was counted over. Usually config.interval_ms; a
  // late or early tick passes its real length so velocity stays per interval.
  int64_t interval_ms = 30'000;
  int64_t base_cents = 0;    // the floor, from the venue's section price
  int64_t current_cents = 0; // the price now; clamped into [base, ceiling] first
};

// The unrounded, unlimited price the formula asks for, clamped to [base,
// ceiling]. Exposed for metrics and docs; next_price() moves towards it.
double target_price(const section_demand& d, const pricing_config& c);

// The section's price for the next interval.
int64_t next_price(const section_demand& d, const pricing_config& c);

// next_price() for every section, in order.
std::vector<int64_t> next_prices(std::span<const section_demand> sections, const pricing_config& c);

} // namespace holdfast

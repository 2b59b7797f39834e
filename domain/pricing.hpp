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

namespace holdfast {

struct pricing_config {
  int64_t interval_ms = 30'000;    // one next_price() call per section per interval
  double ceiling_multiple = 3.0;   // ceiling = base * this, rounded down to whole cents
  double k_velocity = 1.0;         // weight of the velocity term
  double k_scarcity = 1.0;         // weight of the scarcity term
  double v_ref = 0.02;             // share of capacity taken per interval that counts as "hot"
  double velocity_ratio_max = 2.0; // v / v_ref is capped here, so a spike cannot run away
  double max_step = 0.15;          // largest relative move per interval (beyond one unit)
  int64_t rounding_cents = 50;     // prices above base are whole multiples of this
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

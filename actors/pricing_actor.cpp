#include "actors/pricing_actor.hpp"

#include <caf/all.hpp>

#include "core/assert.hpp"

namespace holdfast {

namespace {

struct pricing_state {
  static inline const char* name = "holdfast.pricing";
  pricing_setup setup;
  caf::actor_clock::time_point last_sample;
  bool sampling = false;
};

using self_ptr = caf::stateful_actor<pricing_state>*;

// Capacity and floor of every section, with the sample's demand and prices.
std::vector<section_demand> demand_of(const venue& v, const demand_sample& sample,
                                      int64_t interval_ms) {
  const auto& sections = v.sections();
  HF_ASSERT(sample.taken.size() == sections.size() && sample.sections.size() == sections.size());
  std::vector<section_demand> out(sections.size());
  for (size_t s = 0; s < sections.size(); ++s) {
    const bool ga = sections[s].kind == section_kind::general_admission;
    out[s].capacity = ga ? sections[s].ga_capacity : sections[s].seat_count;
    out[s].available = sample.sections[s].available;
    out[s].taken_in_interval = sample.taken[s];
    out[s].interval_ms = interval_ms;
    out[s].base_cents = sections[s].base_price_cents;
    out[s].current_cents = sample.sections[s].price_cents;
  }
  return out;
}

void sample(self_ptr self) {
  auto& st = self->state;
  if (st.sampling) return; // the event is slow to answer: skip a beat, never pile up
  st.sampling = true;
  const auto interval = std::chrono::milliseconds(st.setup.config.interval_ms);
  self->request(st.setup.event, interval, demand_atom::value)
      .then(
          [self](demand_sample& sample) {
            auto& st = self->state;
            st.sampling = false;
            const auto now = self->clock().now();
            const auto measured =
                std::chrono::duration_cast<std::chrono::milliseconds>(now - st.last_sample).count();
            st.last_sample = now;
            auto demand = demand_of(*st.setup.venue, sample, std::max<int64_t>(measured, 1));
            self->send(st.setup.event, prices_atom::value, next_prices(demand, st.setup.config));
          },
          [self](caf::error&) { self->state.sampling = false; });
}

caf::behavior pricing_behavior(self_ptr self, pricing_setup setup) {
  HF_ASSERT(pricing_config_valid(setup.config));
  self->state.setup = std::move(setup);
  self->state.last_sample = self->clock().now();
  const auto interval = std::chrono::milliseconds(self->state.setup.config.interval_ms);
  self->delayed_send(self, interval, tick_atom::value);
  return {
      [self, interval](tick_atom) {
        sample(self);
        self->delayed_send(self, interval, tick_atom::value);
      },
  };
}

} // namespace

pricing_config pricing_config_of(const onsale_config& onsale) {
  pricing_config c;
  c.interval_ms = onsale.pricing_interval_s * 1000;
  c.ceiling_multiple = onsale.price_ceiling_pct / 100.0;
  return c;
}

caf::actor spawn_pricing_actor(caf::actor_system& sys, pricing_setup setup) {
  return sys.spawn(pricing_behavior, std::move(setup));
}

} // namespace holdfast

// The demo the node loads when [demo] load is on (scripts/run): two events in
// the generated stadium of node/demo_venue.hpp, created through the shards like
// any event and found again, recovered, after a restart.
#pragma once

#include <cstdint>

#include <caf/fwd.hpp>

namespace holdfast {

class directory;
class catalog;
struct node_config;

// Event 1 sells straight away; event 2 (when demo.room is on) sells behind a
// waiting room that opens demo.room_opens_after_s after its creation, so the
// pre-queue is visible. Both reprice every demo.pricing_interval_s.
void load_demo(caf::actor_system& sys, const directory& dir, const node_config& conf,
               catalog& events);

} // namespace holdfast

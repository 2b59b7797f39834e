#include "net/gateway.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "core/limits.hpp"

namespace holdfast {

void lookup_event(caf::event_based_actor* self, const directory& dir, event_id event,
                  std::function<void(event_actor)> found) {
  self->request(dir.shard_for(event), std::chrono::milliseconds(limits::actor_answer_timeout_ms),
                lookup_atom::value, event)
      .then([found](event_actor& actor) { found(actor); },
            [found](caf::error&) { found(event_actor{}); });
}

caf::actor spawn_gateway(caf::actor_system& sys) {
  return sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](gateway_task& t) { t.run(self); }};
  });
}

} // namespace holdfast

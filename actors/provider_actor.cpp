#include "actors/provider_actor.hpp"

#include <optional>

#include <caf/all.hpp>

#include "core/assert.hpp"

namespace holdfast {

namespace {

struct provider_actor_state {
  static inline const char* name = "holdfast.provider";
  std::shared_ptr<payment_provider> provider;
  caf::actor_clock::time_point steady_origin;
  int64_t wall_origin_ms = 0;
  std::optional<int64_t> wake_at_ms; // the earliest wake-up already scheduled
};

using self_ptr = caf::stateful_actor<provider_actor_state>*;

int64_t now_ms(self_ptr self) {
  auto elapsed = self->clock().now() - self->state.steady_origin;
  return self->state.wall_origin_ms +
         std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

// Keeps one pending wake-up at or before the provider's next answer.
void schedule(self_ptr self, int64_t now) {
  auto& st = self->state;
  auto next = st.provider->next_due_ms();
  if (!next || (st.wake_at_ms && *st.wake_at_ms <= *next)) return;
  st.wake_at_ms = *next;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(*next - now, 0)),
                     tick_atom::value);
}

void submit(self_ptr self, provider_request& req) {
  auto& p = *self->state.provider;
  const int64_t now = now_ms(self);
  auto reply_to = req.reply_to;
  payment_callback done = [reply_to](const payment_result& r) { caf::anon_send(reply_to, r); };
  switch (req.op) {
  case payment_op::authorize:
    p.authorize(req.key, req.amount_cents, req.card, now, std::move(done));
    break;
  case payment_op::capture:
    p.capture(req.key, now, std::move(done));
    break;
  case payment_op::refund:
    p.refund(req.key, now, std::move(done));
    break;
  case payment_op::lookup:
    p.lookup(req.key, now, std::move(done));
    break;
  }
  // A zero-latency provider answers on the next advance, which runs at once.
  schedule(self, now);
}

caf::behavior provider_behavior(self_ptr self, provider_setup setup) {
  HF_ASSERT(setup.provider != nullptr);
  auto& st = self->state;
  st.provider = std::move(setup.provider);
  st.steady_origin = self->clock().now();
  st.wall_origin_ms = setup.wall_origin_ms;
  // A provider that outlived its previous host still has answers queued.
  schedule(self, now_ms(self));
  return {
      [self](provider_request& req) {
        if (!req.key.empty() && req.reply_to) submit(self, req);
      },
      [self](tick_atom) {
        auto& st = self->state;
        const int64_t now = now_ms(self);
        if (st.wake_at_ms && *st.wake_at_ms <= now) st.wake_at_ms.reset();
        st.provider->advance(now);
        schedule(self, now);
      },
  };
}

} // namespace

caf::actor spawn_provider_actor(caf::actor_system& sys, provider_setup setup) {
  const bool detached = setup.detached;
  if (detached) return sys.spawn<caf::detached>(provider_behavior, std::move(setup));
  return sys.spawn(provider_behavior, std::move(setup));
}

} // namespace holdfast

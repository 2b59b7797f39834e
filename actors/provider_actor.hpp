// The provider actor: hosts one payment_provider (the built-in test provider,
// or later a real one) for a whole node. Spawned detached in production
// because the test provider fsyncs its SQLite ledger on every change. It hands
// every request to the provider with its own clock's time, calls advance()
// from a timer armed at next_due_ms(), and sends each answer to the actor
// that asked (a checkout actor) as a plain payment_result message.
//
// Protocol (local only):
//   provider_request{op, key, amount, card, reply_to}  -> later payment_result to reply_to
//   (tick_atom)                                        internal timer
#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/type_ids.hpp"
#include "domain/payment_provider.hpp"

namespace holdfast {

// Whoever asks the provider (the checkout actors) hears its results here.
using payment_listener = caf::typed_actor<caf::reacts_to<payment_result>>;

struct provider_request {
  payment_op op = payment_op::lookup;
  std::string key;
  int64_t amount_cents = 0; // authorize only
  std::string card;         // authorize only; never logged or stored
  payment_listener reply_to;
};

} // namespace holdfast

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::provider_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::payment_result)

namespace holdfast {

struct provider_setup {
  std::shared_ptr<payment_provider> provider;
  int64_t wall_origin_ms = 0; // now = origin + elapsed actor clock, as for the event actor
  bool detached = true;       // false only under the deterministic test scheduler
};

caf::actor spawn_provider_actor(caf::actor_system& sys, provider_setup setup);

} // namespace holdfast

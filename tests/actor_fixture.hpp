// A deterministic actor system for tests: CAF's test coordinator runs every
// actor on one thread, and time only moves when a test advances it.
#pragma once

#include <caf/test/dsl.hpp>

#include "actors/event_actor.hpp"
#include "actors/message_registry.hpp"

namespace holdfast::testing {

struct holdfast_test_config : caf::actor_system_config {
  holdfast_test_config() { register_message_types(*this); }
};

// Wall clock at the start of every test: 2026-11-22T00:00:00Z.
inline constexpr int64_t test_wall_origin_ms = 1'795'305'600'000;

struct actor_fixture : test_coordinator_fixture<holdfast_test_config> {
  // Delivers everything due now, without firing timers (unlike run()).
  void deliver() { sched.run(); }

  // Moves time forward, firing only the timers that fall due, then delivers.
  void advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    sched.run();
  }

  template <class T> T reply_of_type() {
    T result{};
    bool got = false;
    self->receive(
        [&](T& x) {
          result = std::move(x);
          got = true;
        },
        caf::after(std::chrono::seconds(0)) >> [] {});
    REQUIRE_MESSAGE(got, "no reply in the test actor's mailbox");
    return result;
  }

  outcome_batch send_batch(const event_actor& ev, std::vector<command> cmds, uint64_t id = 1) {
    self->send(ev, command_batch{id, std::move(cmds)});
    deliver();
    return reply_of_type<outcome_batch>();
  }

  outcome send_one(const event_actor& ev, command cmd) {
    auto out = send_batch(ev, {cmd});
    REQUIRE(out.outcomes.size() == 1);
    return out.outcomes[0];
  }

  template <class T, class... Ts> T ask(const event_actor& ev, Ts... xs) {
    self->send(ev, xs...);
    deliver();
    return reply_of_type<T>();
  }
};

} // namespace holdfast::testing

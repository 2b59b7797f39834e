// Command lanes: where an I/O thread hands holds, releases and confirms to the
// event actors without another thread in between. Each I/O thread owns one.
// A session submits a command with a completion callback; the lanes collect
// the commands of each event read in one pass of the event loop (a flush
// posted behind the pass), send them as one command_batch per event, and the
// outcome_batch comes back into the same io_context: the sender of every
// batch is a CAF actor_companion whose mailbox is a post into this thread's
// loop. So a hold crosses threads only to the event actor and back (plus the
// journal), and one wake-up of the I/O thread answers a whole batch.
//
// Everything here runs on the owning I/O thread except the companion's
// enqueue, which only posts. Callbacks run on the I/O thread.
//
// Bounds (see the CAF pitfall in SPEC.md): at most batches_in_flight_max
// batches per event in flight from one thread, more work waits and goes out in
// bigger batches; at most pending_commands_max waiting per event (beyond:
// overloaded); a batch unanswered for batch_timeout fails its callers with
// overloaded and the event's actor is looked up again.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/directory.hpp"
#include "actors/event_actor.hpp"

namespace holdfast {

using outcome_callback = std::function<void(const outcome&)>;

class command_lanes : public std::enable_shared_from_this<command_lanes> {
public:
  // `tasks`: the gateway actor of this thread, which looks event actors up.
  command_lanes(caf::actor_system& sys, directory dir, std::shared_ptr<boost::asio::io_context> io,
                caf::actor tasks);
  ~command_lanes();
  command_lanes(const command_lanes&) = delete;
  command_lanes& operator=(const command_lanes&) = delete;

  // Binds the companion and starts the stuck-batch sweep. Call once, after
  // construction (it needs shared_from_this).
  void start();
  // Fails everything outstanding and detaches from CAF. I/O thread (or after
  // it stopped).
  void stop();

  // done(outcome) runs exactly once, on this I/O thread.
  void submit(event_id event, const command& cmd, outcome_callback done);

private:
  struct lane {
    event_actor actor;
    bool resolving = false;
    std::vector<command> commands;
    std::vector<outcome_callback> callbacks;
    size_t in_flight = 0;
  };
  struct batch_in_flight {
    event_id event = 0;
    std::vector<outcome_callback> callbacks;
    std::chrono::steady_clock::time_point sent_at;
  };

  void schedule_flush();
  void flush();
  void resolve(event_id event);
  void on_resolved(event_id event, event_actor actor);
  void on_outcomes(outcome_batch& got);
  void sweep();

  caf::actor_system& sys_;
  directory dir_;
  std::shared_ptr<boost::asio::io_context> io_;
  caf::actor tasks_;
  caf::actor companion_; // the sender of every batch; its mailbox is io_
  boost::asio::steady_timer sweep_timer_;
  std::unordered_map<event_id, lane> lanes_;
  std::unordered_map<uint64_t, batch_in_flight> in_flight_;
  uint64_t next_batch_ = 1;
  bool flush_posted_ = false;
  bool stopped_ = false;
};

} // namespace holdfast

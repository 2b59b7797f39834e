#include "net/command_lanes.hpp"

#include <iterator>

#include <boost/asio/post.hpp>
#include <caf/actor_companion.hpp>
#include <caf/all.hpp>

#include "core/assert.hpp"
#include "core/limits.hpp"
#include "net/gateway.hpp"

namespace holdfast {

namespace net = boost::asio;

namespace {
void fail_all(std::vector<outcome_callback>& callbacks, result_code code) {
  for (auto& done : callbacks)
    done(outcome{0, code});
  callbacks.clear();
}

caf::actor_companion* companion_of(const caf::actor& handle) {
  return static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(handle));
}

// Stops posting into the loop and terminates the companion (as CAF's own Qt
// bridge does: the companion has no mailbox of its own to receive an exit).
void retire(caf::actor_system& sys, caf::actor& companion) {
  if (!companion) return;
  auto* c = companion_of(companion);
  c->on_enqueue(nullptr);
  caf::scoped_execution_unit context{&sys};
  c->cleanup(caf::error{}, &context);
  companion = caf::actor{};
}
} // namespace

command_lanes::command_lanes(caf::actor_system& sys, directory dir,
                             std::shared_ptr<net::io_context> io, caf::actor tasks)
    : sys_(sys), dir_(std::move(dir)), io_(std::move(io)), tasks_(std::move(tasks)),
      sweep_timer_(*io_) {}

command_lanes::~command_lanes() {
  retire(sys_, companion_);
}

void command_lanes::start() {
  companion_ = sys_.spawn<caf::actor_companion>();
  std::weak_ptr<command_lanes> weak = shared_from_this();
  // Runs on whichever thread sends (an event actor's worker): only a post.
  companion_of(companion_)->on_enqueue([weak, io = io_](caf::mailbox_element_ptr msg) {
    net::post(*io, [weak, msg = std::move(msg)]() mutable {
      auto lanes = weak.lock();
      if (!lanes) return;
      auto& content = msg->content();
      if (content.match_elements<outcome_batch>())
        lanes->on_outcomes(content.get_mutable_as<outcome_batch>(0));
      // Anything else (errors, exits) is left to the sweep.
    });
  });
  sweep();
}

void command_lanes::stop() {
  if (stopped_) return;
  stopped_ = true;
  sweep_timer_.cancel();
  for (auto& [_, l] : lanes_)
    fail_all(l.callbacks, result_code::overloaded);
  lanes_.clear();
  for (auto& [_, f] : in_flight_)
    fail_all(f.callbacks, result_code::overloaded);
  in_flight_.clear();
  retire(sys_, companion_);
}

void command_lanes::submit(event_id event, const command& cmd, outcome_callback done) {
  if (stopped_) return done(outcome{cmd.tag, result_code::overloaded});
  auto& l = lanes_[event];
  if (l.commands.size() >= limits::command_lane_pending_commands_max)
    return done(outcome{cmd.tag, result_code::overloaded});
  l.commands.push_back(cmd);
  l.callbacks.push_back(std::move(done));
  if (!l.actor)
    resolve(event);
  else
    schedule_flush();
}

// The flush runs behind every completion this pass of the loop already
// queued: the requests read together go out together.
void command_lanes::schedule_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  net::post(*io_, [weak = weak_from_this()] {
    if (auto lanes = weak.lock()) lanes->flush();
  });
}

void command_lanes::flush() {
  flush_posted_ = false;
  if (stopped_) return;
  for (auto& [id, l] : lanes_) {
    if (l.commands.empty() || !l.actor || l.in_flight >= limits::command_lane_batches_in_flight_max)
      continue;
    const uint64_t batch = next_batch_++;
    // Large backlogs go out in slices the event actor accepts.
    const size_t n = std::min<size_t>(l.commands.size(), limits::batch_commands_max);
    command_batch b{batch, {}};
    batch_in_flight f{id, {}, std::chrono::steady_clock::now()};
    if (n == l.commands.size()) { // the usual case: the whole backlog goes, no copy
      b.commands.swap(l.commands);
      f.callbacks.swap(l.callbacks);
    } else {
      b.commands.assign(l.commands.begin(), l.commands.begin() + n);
      f.callbacks.assign(std::make_move_iterator(l.callbacks.begin()),
                         std::make_move_iterator(l.callbacks.begin() + n));
      l.commands.erase(l.commands.begin(), l.commands.begin() + n);
      l.callbacks.erase(l.callbacks.begin(), l.callbacks.begin() + n);
    }
    ++l.in_flight;
    in_flight_.emplace(batch, std::move(f));
    caf::send_as(companion_, l.actor, std::move(b));
    if (!l.commands.empty()) schedule_flush();
  }
}

void command_lanes::resolve(event_id event) {
  auto& l = lanes_[event];
  if (l.resolving) return;
  l.resolving = true;
  auto found = [weak = weak_from_this(), io = io_, event](event_actor actor) {
    net::post(*io, [weak, event, actor = std::move(actor)]() mutable {
      if (auto lanes = weak.lock()) lanes->on_resolved(event, std::move(actor));
    });
  };
  caf::anon_send(tasks_, gateway_task{[dir = dir_, event, found](caf::event_based_actor* self) {
                   lookup_event(self, dir, event, found);
                 }});
}

void command_lanes::on_resolved(event_id event, event_actor actor) {
  if (stopped_) return;
  auto& l = lanes_[event];
  l.resolving = false;
  if (!actor) {
    fail_all(l.callbacks, result_code::unknown_event);
    l.commands.clear();
    if (l.in_flight == 0) lanes_.erase(event);
    return;
  }
  l.actor = std::move(actor);
  schedule_flush();
}

void command_lanes::on_outcomes(outcome_batch& got) {
  auto it = in_flight_.find(got.batch_id);
  if (it == in_flight_.end()) return; // timed out earlier: its callers were answered
  auto f = std::move(it->second);
  in_flight_.erase(it);
  HF_ASSERT(f.callbacks.size() == got.outcomes.size());
  if (auto l = lanes_.find(f.event); l != lanes_.end()) {
    --l->second.in_flight;
    if (!l->second.commands.empty()) schedule_flush();
  }
  for (size_t k = 0; k < f.callbacks.size(); ++k)
    f.callbacks[k](got.outcomes[k]);
}

// Fails batches whose event never answered (a dead or wedged event actor) and
// forgets that actor: the next command looks the event up again.
void command_lanes::sweep() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (now - it->second.sent_at <
        std::chrono::milliseconds(limits::command_lane_batch_timeout_ms)) {
      ++it;
      continue;
    }
    fail_all(it->second.callbacks, result_code::overloaded);
    if (auto l = lanes_.find(it->second.event); l != lanes_.end()) {
      --l->second.in_flight;
      l->second.actor = event_actor{};
    }
    it = in_flight_.erase(it);
  }
  for (auto& [id, l] : lanes_)
    if (!l.actor && !l.commands.empty()) resolve(id);
  sweep_timer_.expires_after(std::chrono::milliseconds(limits::command_lane_sweep_interval_ms));
  sweep_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto lanes = weak.lock()) lanes->sweep();
  });
}

} // namespace holdfast

// The virtual waiting room of one event, as a pure state machine: no CAF, no
// clock (time arrives as now_ms on every call), so tests and recovery replay
// drive it exactly. The queue actor (actors/queue_actor.hpp) hosts one and
// journals what its sink hears.
//
//   join (before opens_at) ──> pre_queue ──open: seeded shuffle──┐
//   join (at/after open) ───────────────────────────────> queued <┘
//   queued ──tick (rate + active cap, strict seq order)──> admitted
//   admitted ──finish──> finished      admitted ──access_ttl passes──> expired
//   pre_queue | queued | admitted ──remove (bot)──> removed
//   pre_queue | queued ──finish (user left)──> finished
//
// Fairness: everyone who waited in the pre-queue gets a uniformly random place
// ahead of everyone who joined after the open; after that, admission order is
// exactly join order (seq order), minus users who were removed or left.
// Position is O(log n): seq - head + 1, less the users who left in between
// (counted in a Fenwick tree).
//
// Bounded memory: queue_users_max counts the users the room remembers. When a
// join finds it full, everyone before the cursor (finished, or whose access
// expired) is forgotten: a later status() says unknown and they may join again,
// at the back. Users removed as bots stay remembered (without their place), so
// they cannot come back. Compaction happens only at joins, live or replayed,
// so recovery forgets exactly what the live room forgot; no one user can
// exhaust the bound, since what they leave behind is compacted.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/ids.hpp"
#include "core/limits.hpp"
#include "core/result_code.hpp"
#include "domain/event_config.hpp"

namespace holdfast {

struct admission_config {
  int64_t opens_at_ms = 0;
  uint32_t admit_per_min = 0; // >= 1
  uint32_t active_max = 0;    // >= 1: admitted users whose access is still live
  int64_t access_ttl_ms = limits::queue_access_ttl_ms_default;
  uint64_t shuffle_seed = 0;    // drawn once per event; the opened record keeps it
  uint32_t admit_burst_max = 0; // 0: burst_window_ms_default worth, at least 1
  uint32_t queue_users_max = limits::queue_users_max_default;
};

// Whether admission_queue accepts `c` (its constructor asserts it): decoders
// of untrusted bytes ask first and refuse.
bool admission_config_ok(const admission_config& c);

enum class queue_state : uint8_t {
  unknown = 0,
  pre_queue,
  queued,
  admitted,
  finished,
  expired,
  removed
};

struct queue_status {
  queue_state state = queue_state::unknown;
  uint32_t seq = 0;                 // 0 while in the pre-queue
  uint32_t position = 0;            // queued only: 1 = next to be admitted
  uint32_t queue_length = 0;        // users waiting (the pre-queue before the open)
  int64_t eta_s = 0;                // queued / pre_queue: seconds until admission
  int64_t access_expires_at_ms = 0; // admitted / expired only
};

struct join_result {
  result_code code = result_code::ok; // overloaded: queue full; invalid_request: user 0
  queue_status status;
};

struct admission {
  user_id user = 0;
  uint32_t seq = 0;
  int64_t admitted_at_ms = 0;
  int64_t access_expires_at_ms = 0;
};

// Told about every change as it is decided, in decision order. Expiry is not
// reported: it follows from the admitted record's expires_ms and the clock.
// Ticks that admit nobody produce no record; the rate limiter's credit is
// path-independent (capped linear accrual), so replay recomputes it exactly.
class admission_sink {
public:
  virtual ~admission_sink() = default;
  virtual void joined(user_id user, uint32_t seq, bool pre_queue, int64_t now_ms) = 0;
  virtual void opened(uint64_t seed, int64_t now_ms) = 0;
  virtual void admitted(user_id user, uint32_t seq, int64_t now_ms, int64_t expires_ms) = 0;
  virtual void finished(user_id user, int64_t now_ms) = 0;
  virtual void removed(user_id user, int64_t now_ms) = 0;
};

// One sequenced user. Seq n lives at index n - 1.
struct queue_entry {
  user_id user = 0;
  int64_t admitted_at_ms = 0; // meaningful once admitted
  queue_state state = queue_state::queued;
};

struct rate_bucket {
  int64_t second = -1;   // now_ms / rate_bucket_ms; -1: never used
  uint32_t admitted = 0; // admissions in that second
  bool drained = false;  // an admission left nobody waiting (demand-limited)
};

// Everything needed to rebuild a waiting room (with its config, which restore
// takes separately); the user index, Fenwick tree, counters and cursors are
// derived from it on restore.
struct admission_snapshot {
  int64_t clock_ms = 0;
  bool opened = false;
  int64_t opened_at_ms = 0;
  uint64_t seed = 0; // the seed the shuffle used
  std::vector<user_id> pre_queue;
  // Users remembered without a seq: who left the pre-queue (removed or
  // finished), and bots removed whose place was compacted away, in that order.
  std::vector<std::pair<user_id, queue_state>> left_pre_queue;
  std::vector<queue_entry> entries; // seqs first_seq, first_seq + 1, ...
  uint32_t first_seq = 1;           // seqs before it were compacted away
  int64_t credit_units = 0;
  int64_t refill_at_ms = 0;
  std::array<rate_bucket, limits::queue_rate_buckets> rate = {};
};

// Fisher-Yates with splitmix64 and Lemire's unbiased bounded draw: a uniform
// permutation that depends only on the seed. Public so replay tools and tests
// can reproduce an open's order.
void seeded_shuffle(std::span<user_id> users, uint64_t seed);

class admission_queue {
public:
  explicit admission_queue(admission_config config);

  // Idempotent: a user who joined before gets their current place back. Opens
  // the room first when now_ms has reached opens_at_ms.
  join_result join(user_id user, int64_t now_ms);
  // Shuffles the pre-queue into the FIFO. A no-op once open.
  void open(int64_t now_ms);
  // Opens when due, expires lapsed access, then admits from the head in seq
  // order while the rate allows and the active cap has room.
  std::vector<admission> tick(int64_t now_ms);
  // The user bought or left: frees an admitted slot, or leaves the queue.
  // invalid_request for a user who never joined; ok otherwise (even if nothing changed).
  result_code finish(user_id user, int64_t now_ms);
  // A bot: skipped at admission, access revoked if admitted.
  result_code remove(user_id user, int64_t now_ms);

  queue_status status(user_id user, int64_t now_ms) const;
  // When the next tick could change something (open, credit, a slot freeing);
  // nothing while nobody waits. May be early, never late.
  std::optional<int64_t> next_tick_ms() const;

  void set_sink(admission_sink* sink) { sink_ = sink; }

  admission_snapshot export_snapshot() const;
  // nullptr when the snapshot or config contradicts itself (a corrupt snapshot).
  static std::unique_ptr<admission_queue> restore(const admission_config& config,
                                                  const admission_snapshot& snap);

  // Recovery: re-applies journaled records without calling the sink. False when
  // a record contradicts the state (corrupt or foreign journal, or a changed
  // config); the queue is then unusable. The rate credit is not checked, so a
  // changed admit_per_min does not make recovery fail.
  bool replay_joined(user_id user, uint32_t seq, bool pre_queue, int64_t now_ms);
  bool replay_opened(uint64_t seed, int64_t now_ms);
  bool replay_admitted(user_id user, uint32_t seq, int64_t now_ms, int64_t expires_ms);
  bool replay_finished(user_id user, int64_t now_ms);
  bool replay_removed(user_id user, int64_t now_ms);

  const admission_config& config() const { return config_; }
  bool is_open() const { return opened_; }
  uint32_t waiting() const { return waiting_; }
  uint32_t active() const { return active_; }
  size_t pre_queue_size() const { return pre_queue_.size(); }
  size_t users() const { return index_.size(); } // remembered: what queue_users_max bounds
  size_t entries_retained() const { return entries_.size(); }
  // Admissions per second over the last minute, when there is a usable
  // measurement (see eta_ms in the .cpp for when there is not).
  std::optional<double> measured_rate_per_s(int64_t now_ms) const;

  // Deep O(n log n) check of every derived structure. For tests, and once per
  // restore(); the hot path relies on HF_ASSERTs instead.
  bool invariants_hold() const;

private:
  struct user_slot {
    uint32_t seq = 0;       // 0: not sequenced (pre-queue, or left it)
    uint32_t pre_index = 0; // index in pre_queue_ while state is pre_queue
    queue_state early_state = queue_state::pre_queue; // when seq == 0
  };

  // Append-only Fenwick tree over seqs: 1 marks a seq that left the queue
  // without admission. Only ranges at or after head_ are ever queried.
  // After reset(offset) it covers seqs offset + 1 on; prefix() of an earlier
  // seq is 0, which is right for the differences position_of takes.
  class fenwick {
  public:
    void push_back(uint32_t value);
    void add(uint32_t seq, uint32_t value);
    uint32_t prefix(uint32_t seq) const; // sum over seqs offset + 1..seq
    void reset(uint32_t offset);

  private:
    std::vector<uint32_t> tree_;
    uint32_t offset_ = 0;
  };

  int64_t advance(int64_t now_ms);
  void sweep_expired(int64_t now_ms);
  void refill(int64_t now_ms);
  void apply_join(user_id user, bool pre_queue);
  void apply_open(uint64_t seed, int64_t now_ms);
  admission apply_admit(int64_t now_ms);
  bool leave(user_slot& slot, queue_state to);
  bool replay_leave(user_id user, queue_state to, int64_t now_ms);
  void skip_gone_head();
  void count_admission(int64_t now_ms);
  queue_status status_of(const user_slot& slot, int64_t now_ms) const;
  uint32_t position_of(uint32_t seq) const;
  int64_t eta_ms(uint32_t position, int64_t now_ms) const;
  int64_t credit_cap_units() const;
  int64_t credit_units_at(int64_t now_ms) const;
  bool replay_time_ok(int64_t now_ms) const { return now_ms >= clock_ms_; }
  bool make_room();
  void compact();
  void rebuild_left();
  queue_entry& entry(uint32_t seq) { return entries_[seq - base_]; }
  const queue_entry& entry(uint32_t seq) const { return entries_[seq - base_]; }
  uint32_t next_seq() const { return base_ + static_cast<uint32_t>(entries_.size()); }
  bool deep_counts_hold() const;
  bool deep_index_holds() const;

  admission_config config_;
  std::unordered_map<user_id, user_slot> index_;
  std::vector<user_id> pre_queue_; // join order, with swap-removals applied
  std::vector<std::pair<user_id, queue_state>> left_pre_queue_; // in the order they left
  std::vector<queue_entry> entries_;                            // seq base_ at index 0
  uint32_t base_ = 1;                                           // the first seq still remembered
  fenwick left_;         // seqs that left the queue unadmitted
  uint32_t head_ = 1;    // first queued seq, or next_seq()
  uint32_t cursor_ = 1;  // first admitted seq (oldest live access), or head_
  uint32_t waiting_ = 0; // queued seqs
  uint32_t active_ = 0;  // admitted seqs
  bool opened_ = false;
  int64_t opened_at_ms_ = 0;
  uint64_t seed_ = 0;
  int64_t clock_ms_ = INT64_MIN; // latest now_ms seen: time never runs backwards here
  int64_t credit_units_ = 0;     // 1 admission = 60,000 units; admit_per_min units per ms
  int64_t refill_at_ms_ = 0;
  std::array<rate_bucket, limits::queue_rate_buckets> rate_ = {};
  admission_sink* sink_ = nullptr;
};

// The waiting room an event's configuration asks for (rate and cap at least 1).
admission_config admission_config_of(const event_config& c);

} // namespace holdfast

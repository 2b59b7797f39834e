#include "actors/journal_actor.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include <caf/all.hpp>

#include "core/assert.hpp"
#include "core/limits.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/journal_sink.hpp"
#include "persistence/shard_store.hpp"

namespace holdfast {

namespace {

struct journal_state {
  static inline const char* name = "holdfast.journal";
  std::shared_ptr<shard_store> store;
  std::vector<journal_append> pending; // received, not yet committed
  std::vector<journal_row> rows;       // reused between commits
  bool commit_scheduled = false;
  uint64_t compaction_bound = 0; // journal rows up to here are covered by snapshots
  bool compaction_pending = false;
  caf::actor snapshot_writer; // encodes and writes snapshots on its own thread
  journal_stats stats;
};

using self_ptr = journal_actor::stateful_pointer<journal_state>;

[[noreturn]] void fatal(const status& st) {
  std::fprintf(stderr, "holdfast: journal write failed, stopping the node: %s\n",
               st.message.c_str());
  std::fflush(stderr);
  std::abort();
}

// Deletes a slice of journal rows that snapshots made unnecessary. A slice
// per commit keeps each commit's added latency to a few milliseconds.
void compact_some(self_ptr self) {
  auto& st = self->state;
  if (!st.compaction_pending) return;
  constexpr uint64_t rows_per_slice = limits::journal_compaction_slice_rows;
  uint64_t deleted = 0;
  if (auto result = st.store->compact(st.compaction_bound, rows_per_slice, &deleted); !result)
    fatal(result);
  st.compaction_pending = deleted == rows_per_slice;
}

void commit_pending(self_ptr self) {
  auto& st = self->state;
  st.commit_scheduled = false;
  if (st.pending.empty()) return;
  st.rows.clear();
  for (const auto& append : st.pending)
    split_frames(append.frames, append.event, st.rows);
  if (!st.rows.empty()) { // appends that only carry answers commit nothing
    const auto start = std::chrono::steady_clock::now();
    if (auto result = st.store->append(st.rows); !result) fatal(result);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    st.stats.commits += 1;
    st.stats.records += st.rows.size();
    st.stats.commit_us_total += static_cast<uint64_t>(us);
    st.stats.commit_us_max = std::max<uint64_t>(st.stats.commit_us_max, static_cast<uint64_t>(us));
    const auto bucket = static_cast<size_t>(std::lower_bound(journal_commit_buckets_us.begin(),
                                                             journal_commit_buckets_us.end(),
                                                             static_cast<uint64_t>(us)) -
                                            journal_commit_buckets_us.begin());
    if (bucket < st.stats.commit_buckets.size()) ++st.stats.commit_buckets[bucket];
    st.stats.last_seq = st.store->last_seq();
  }
  for (auto& append : st.pending)
    if (append.after_commit) append.after_commit();
  // One acknowledgement per event actor: its newest ticket covers the older ones.
  std::unordered_map<caf::actor_addr, std::pair<commit_listener, uint64_t>> newest;
  for (auto& append : st.pending) {
    auto& slot = newest[append.from.address()];
    slot.first = append.from;
    slot.second = std::max(slot.second, append.ticket);
  }
  for (auto& [_, target] : newest)
    caf::anon_send(target.first, committed_atom::value, target.second);
  st.pending.clear();
  compact_some(self); // after the acknowledgements: it delays only the next commit
}

void write_snapshot(self_ptr self, journal_snapshot& snap) {
  auto& st = self->state;
  commit_pending(self); // the snapshot covers every record its event sent before it
  // The writer is dynamically typed: anon_send (it answers the journal by handle).
  caf::anon_send(st.snapshot_writer,
                 snapshot_job{snap.stream, st.store->last_seq(), std::move(snap.encode)});
}

void snapshot_stored_at(self_ptr self) {
  auto& st = self->state;
  st.stats.snapshots += 1;
  if (auto result = st.store->compaction_bound(st.compaction_bound); !result) fatal(result);
  st.compaction_pending = true;
  compact_some(self);
}

void spawn_snapshot_writer(self_ptr self, bool detached) {
  auto& st = self->state;
  std::unique_ptr<shard_store> writer_store;
  if (auto result =
          shard_store::open_snapshot_writer(st.store->path(), st.store->shard(), writer_store);
      !result)
    fatal(result);
  std::shared_ptr<shard_store> store = std::move(writer_store);
  auto journal = caf::actor_cast<caf::actor>(self);
  st.snapshot_writer =
      detached ? self->spawn<caf::linked + caf::detached>(snapshot_writer_behavior, store, journal)
               : self->spawn<caf::linked>(snapshot_writer_behavior, store, journal);
}

journal_actor::behavior_type journal_behavior(self_ptr self, std::shared_ptr<shard_store> store,
                                              bool detached) {
  self->state.store = std::move(store);
  self->state.stats.last_seq = self->state.store->last_seq();
  spawn_snapshot_writer(self, detached);
  return {
      [self](journal_append& append) {
        auto& st = self->state;
        st.pending.push_back(std::move(append));
        if (!st.commit_scheduled) {
          st.commit_scheduled = true;
          self->send(self, commit_atom::value);
        }
      },
      [self](journal_snapshot& snap) { write_snapshot(self, snap); },
      [self](snapshot_stored&) { snapshot_stored_at(self); },
      [self](journal_venue& v) {
        std::string existing;
        if (self->state.store->get_venue(v.id, existing)) return;
        if (auto result = self->state.store->put_venue(v.id, encode_venue(*v.venue)); !result)
          fatal(result);
      },
      [self](commit_atom) { commit_pending(self); },
      [self](stats_atom) { return self->state.stats; },
  };
}

} // namespace

journal_actor spawn_journal_actor(caf::actor_system& sys, std::shared_ptr<shard_store> store,
                                  bool detached) {
  if (detached) return sys.spawn<caf::detached>(journal_behavior, std::move(store), true);
  return sys.spawn(journal_behavior, std::move(store), false);
}

} // namespace holdfast

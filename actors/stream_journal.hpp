// The journal side of an actor that owns one journal stream (the event actor's
// decisions, the queue actor's waiting room, the checkout actor's saga): what its sink framed
// goes to the shard's journal actor as one append per flush, numbered with a
// ticket; answers wait in durable_replies until their ticket commits; and a
// snapshot is due every snapshot_records records (or on the owner's periodic
// timer when anything changed).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/durable_replies.hpp"
#include "actors/journal_actor.hpp"

namespace holdfast {

// The owner's handle for its journal's acknowledgements, without a cast: the
// owner (event, queue or checkout actor) is statically typed, and converts
// only if its protocol has (committed_atom, uint64_t), checked at compile time.
template <class... Signatures>
commit_listener listener_of(caf::typed_event_based_actor<Signatures...>* self) {
  return commit_listener{self};
}

// Sink: empty(), take_frames() -> std::string, records() -> uint64_t (ever framed).
template <class Sink> class stream_journal {
public:
  // Without a journal actor the stream is in memory only: flush does nothing
  // and every answer is delivered at once.
  void open(journal_actor journal, uint32_t stream, uint64_t snapshot_records,
            std::unique_ptr<Sink> sink) {
    journal_ = std::move(journal);
    stream_ = stream;
    snapshot_records_ = std::max<uint64_t>(snapshot_records, 1);
    sink_ = std::move(sink);
  }
  bool on() const { return static_cast<bool>(journal_) && sink_ != nullptr; }
  Sink* sink() { return sink_.get(); }
  durable_replies& replies() { return replies_; }

  // Ships what the sink framed since the last flush. True when a snapshot is due.
  template <class Self> bool flush(Self* self) { return flush(self, {}); }

  // The same, and `answer` runs once everything framed so far is durable: at
  // once when it already is (or there is no journal), else on the journal's
  // thread straight after the commit, so it must only send messages. With
  // nothing new to ship it still waits for the appends in flight: an answer
  // may depend on decisions that are not durable yet.
  template <class Self> bool flush(Self* self, std::function<void()> answer) {
    if (!on()) {
      if (answer) answer();
      return false;
    }
    if (sink_->empty()) {
      if (!answer) return false;
      if (replies_.all_committed()) {
        answer();
        return false;
      }
    }
    caf::anon_send(journal_, journal_append{listener_of(self), stream_, replies_.next_ticket(),
                                            sink_->take_frames(), std::move(answer)});
    return sink_->records() - records_at_snapshot_ >= snapshot_records_;
  }
  bool changed_since_snapshot() const { return on() && sink_->records() != records_at_snapshot_; }

  // `encode` runs on the snapshot writer's thread with the seq the snapshot covers; it
  // follows every append already sent, so it covers exactly those records.
  void snapshot(std::function<std::string(uint64_t seq)> encode) {
    if (!on()) return;
    records_at_snapshot_ = sink_->records();
    caf::anon_send(journal_, journal_snapshot{stream_, std::move(encode)});
  }
  uint32_t stream() const { return stream_; }

private:
  journal_actor journal_;
  uint32_t stream_ = 0;
  uint64_t snapshot_records_ = 1;
  uint64_t records_at_snapshot_ = 0;
  std::unique_ptr<Sink> sink_;
  durable_replies replies_;
};

} // namespace holdfast

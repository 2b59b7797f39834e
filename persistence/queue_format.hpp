// The waiting room's journal stream (stream_kind::queue): its records, its
// snapshot, and the sink that frames what an admission_queue decides. Kept
// apart from journal_format so the event stream's codec stays one page.
#pragma once

#include <memory>
#include <string>

#include "domain/admission_queue.hpp"
#include "journal.pb.h"
#include "persistence/journal_format.hpp"

namespace holdfast {

// Frames every decision of one event's admission_queue as journal records of
// its queue stream. The queue actor ships the frames like the event actor does.
class queue_journal_sink final : public admission_sink {
public:
  explicit queue_journal_sink(event_id event) : frames_(stream_of(event, stream_kind::queue)) {}

  // The stream's first record: the room's configuration.
  void created(const admission_config& c, int64_t now_ms);
  void joined(user_id user, uint32_t seq, bool pre_queue, int64_t now_ms) override;
  void opened(uint64_t seed, int64_t now_ms) override;
  void admitted(user_id user, uint32_t seq, int64_t now_ms, int64_t expires_ms) override;
  void finished(user_id user, int64_t now_ms) override;
  void removed(user_id user, int64_t now_ms) override;

  std::string take_frames() { return frames_.take_frames(); }
  bool empty() const { return frames_.empty(); }
  uint64_t records() const { return frames_.records(); }

private:
  stream_frames frames_;
};

std::string encode_queue_snapshot(uint32_t stream, const admission_config& c,
                                  const admission_snapshot& s, uint64_t seq);
// A queue rebuilt from a snapshot blob; nullptr with `error` set when it does
// not parse or contradicts itself.
status decode_queue_snapshot(std::string_view blob, std::unique_ptr<admission_queue>& out);

admission_config admission_config_from_proto(const journal::QueueCreated& p);

// Re-applies one record of a queue stream. False when it contradicts the queue
// (or is not a queue record).
bool replay_queue_record(admission_queue& q, const journal::Record& r);

} // namespace holdfast

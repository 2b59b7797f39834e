// The on-disk format of a shard, in one place (the spirit of LevelDB's
// log_format.h). Everything a shard ever decided is in two SQLite files under
// data_dir; this map says what each byte is, top down.
//
//   data_dir/shard-<n>.db            WAL mode, synchronous=FULL (shard_store.hpp)
//     meta(key, value)               'format' (the store version) and 'shard' (n):
//                                    a file of another version or opened as
//                                    another shard is refused
//     journal(seq, event_id, crc, record)
//       seq       1, 2, 3 ... with no gaps: the shard's one order of decisions
//       event_id  the STREAM id, not only an event id: kind << 28 | event
//                 (stream_of below): kind 0 an event's seats, holds, orders,
//                 prices and waitlist; 1 its waiting room; 2 its checkout
//       crc       crc32c(record) seeded with uint32(seq) ^ stream * 2654435761,
//                 so a row copied to another seq or stream fails its check
//       record    one journal.Record (proto/journal.proto): schema_version,
//                 event_id (the stream again, checked against the row), at_ms,
//                 and one body (EventCreated, HoldPlaced, QueueJoined, ...)
//     venues(id, crc, blob)          journal.Venue, crc = crc32c(blob): events
//                                    name their venue by id
//   data_dir/shard-<n>.snapshots.db  attached as "snap", its own writer thread
//     snapshots(event_id, seq, crc, blob)
//       one per stream and seq: journal.EventSnapshot, QueueSnapshot or
//       CheckoutSnapshot, the stream's whole state after journal row `seq`;
//       crc as for journal rows
//
// In flight, between an actor and its shard's journal actor, records travel as
// frames: [u32 length, host order][record bytes], concatenated
// (journal_sink.hpp, stream_frames below). The journal actor splits a batch of
// frames into rows and commits them in one transaction (group commit); an
// actor answers its clients only after that commit.
//
// Recovery (recovery.hpp) loads each stream's newest snapshot, then replays the
// journal rows after it, in seq order: the event stream through
// replay_event_record below, the other streams through queue_format.hpp and
// checkout_format.hpp. Every record is checked against the state it is applied
// to, so a journal that contradicts itself stops the start with the shard and
// seq named. Compaction deletes rows every stream's second-newest snapshot
// covers, so the audit can still re-derive each newest snapshot.
//
// This file: the event stream's codec (records, snapshot, venue) and its
// replay, stream ids, and the framing the other streams share.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "domain/event_state.hpp"
#include "journal.pb.h"
#include "persistence/shard_store.hpp"

namespace holdfast {

inline constexpr uint32_t journal_schema_version = 1;

// Encoders append one encoded journal.Record to `out` (cleared first).
void encode_event_created(std::string& out, const event_config& c, std::string_view venue_id,
                          int64_t at_ms);
void encode_status_changed(std::string& out, event_id e, event_status s, int64_t at_ms);
void encode_hold_placed(std::string& out, event_id e, uint32_t hold_seq, const hold_record& h,
                        int64_t at_ms);
void encode_hold_released(std::string& out, event_id e, uint32_t hold_seq, release_reason r,
                          int64_t at_ms);
void encode_order_confirmed(std::string& out, event_id e, uint32_t order_seq,
                            const order_record& o);
void encode_price_changed(std::string& out, event_id e, uint16_t section, int64_t cents,
                          int64_t at_ms);

// Journal streams. Each row of the journal belongs to one stream: an event's
// own decisions (stream id = event id), or the waiting room of an event, which
// its queue actor journals separately so a spike of joins never waits behind
// seat decisions. Streams are snapshotted and compacted independently.
enum class stream_kind : uint32_t { event = 0, queue = 1, checkout = 2 };
inline constexpr uint32_t stream_kind_shift = 28;
inline constexpr event_id event_id_max = (1u << stream_kind_shift) - 1;
constexpr uint32_t stream_of(event_id e, stream_kind k) {
  return (static_cast<uint32_t>(k) << stream_kind_shift) | e;
}
constexpr stream_kind kind_of_stream(uint32_t stream) {
  return static_cast<stream_kind>(stream >> stream_kind_shift);
}
constexpr event_id event_of_stream(uint32_t stream) {
  return stream & event_id_max;
}

// The framing shared by the sinks of the non-event streams (the waiting
// room's, the checkout saga's): next() starts a record of the stream, the
// caller sets its body, add() frames it ([u32 length][journal.Record]).
class stream_frames {
public:
  explicit stream_frames(uint32_t stream) : stream_(stream) {}
  journal::Record& next(int64_t at_ms);
  void add();
  // Takes the frames encoded so far, leaving none.
  std::string take_frames();
  bool empty() const { return frames_.empty(); }
  uint64_t records() const { return records_; }

private:
  uint32_t stream_;
  journal::Record record_;
  std::string scratch_;
  std::string frames_;
  uint64_t records_ = 0;
};

void encode_waitlist_joined(std::string& out, event_id e, uint32_t seq, const waitlist_entry& w);
void encode_waitlist_offered(std::string& out, event_id e, uint32_t seq, hold_id hold,
                             int64_t expires_at_ms, int64_t at_ms);
void encode_waitlist_ended(std::string& out, event_id e, uint32_t seq, waitlist_status how,
                           int64_t at_ms);
waitlist_entry waitlist_entry_from_proto(const journal::WaitlistJoined& p, int64_t at_ms);
waitlist_status waitlist_end_from_proto(journal::WaitlistEnded::How how);

// Parses a record; fails (naming shard and seq) on garbage, on a schema version
// newer than this build, and on a record type this build does not know.
status decode_record(std::string_view blob, uint32_t shard, uint64_t seq, journal::Record& out);

hold_record hold_from_proto(const journal::HoldPlaced& p);
void hold_to_proto(journal::HoldPlaced& out, uint32_t hold_seq, const hold_record& h);
order_record order_from_proto(const journal::OrderConfirmed& p);
event_config config_from_proto(event_id id, const journal::EventCreated& p);
event_status status_from_proto(journal::Status s);
release_reason reason_from_proto(journal::ReleaseReason r);

std::string encode_venue(const venue& v);
status decode_venue(std::string_view blob, std::shared_ptr<const venue>& out);

std::string encode_snapshot(const event_snapshot& s, std::string_view venue_id, uint64_t seq);
status decode_snapshot(std::string_view blob, uint32_t shard, journal::EventSnapshot& out);
event_snapshot snapshot_from_proto(const journal::EventSnapshot& p);

// Applies one record of an event's stream (after its EventCreated) to the
// event's state; false if the record does not fit the state (a contradiction).
bool replay_event_record(event_state& state, const journal::Record& r);

} // namespace holdfast

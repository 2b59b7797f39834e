// Fuzzes recovery from a shard's bytes: venues (decode_venue), snapshots of all
// three stream kinds (decode_snapshot + event_state::restore,
// decode_queue_snapshot, decode_checkout_snapshot) and journal records
// (decode_record and their replay), through shard_recovery, the code
// recover_shard runs on the database's rows. Garbage must be refused with a
// status, never reach an HF_ASSERT.
//
// Input: frames of [u8 op][u8 stream][u16 length, little endian][bytes].
//   op % 3 == 0: a venue blob (what the venues table answers for any id;
//                without one, the demo venue's encoding);
//   op % 3 == 1: a snapshot of the stream, taken after the rows before it;
//   op % 3 == 2: the next journal row (seq 1, 2, ...) of the stream.
// stream: kind = bits 6-7 (event, queue, checkout, unknown), event id = bits 0-5.
// As in recover_shard, every snapshot is loaded before the first row.
//
// What recovery accepts must be a state the node can run: the invariants of
// each restored event, waiting room and saga hold, and its snapshot decodes
// and restores again (what the next restart does).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "persistence/checkout_format.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/queue_format.hpp"
#include "persistence/recovery.hpp"
#include "node/demo_venue.hpp"

#include <cstdio>

using namespace holdfast;

namespace {

// A failed property names its line, so a crash report says which one.
void check_at(bool ok, int line) {
  if (ok) return;
  std::fprintf(stderr, "recovery_fuzz: property failed at line %d\n", line);
  std::abort();
}
#define check(ok) check_at((ok), __LINE__)

struct frame {
  uint8_t op = 0;
  uint32_t stream = 0;
  std::string_view bytes;
  uint64_t rows_before = 0;
};

std::vector<frame> frames_of(const uint8_t* data, size_t size) {
  std::vector<frame> out;
  uint64_t rows = 0;
  while (size >= 4) {
    frame f;
    f.op = data[0] % 3;
    f.stream = stream_of(data[1] & 63u, static_cast<stream_kind>(data[1] >> 6));
    const size_t length = std::min<size_t>(data[2] | (data[3] << 8), size - 4);
    f.bytes = std::string_view(reinterpret_cast<const char*>(data) + 4, length);
    f.rows_before = rows;
    if (f.op == 2) ++rows;
    out.push_back(f);
    data += 4 + length;
    size -= 4 + length;
  }
  return out;
}

const std::string& demo_venue() {
  static const std::string blob = encode_venue(*make_demo_venue(4, 400, 100));
  return blob;
}

// A venue recovery accepted: every seat found by its own label.
void check_venue(const venue& v) {
  for (seat_index i = 0; i < v.seat_count(); ++i)
    check(v.find_seat(v.seat_label(i)) == i);
}

// An accepted event: consistent, and its snapshot restores again; then the
// holds due by 2100 expire (the event actor's timers after a restart) and it
// stays consistent.
void check_event(event_id id, const recovered_event& e) {
  check(e.state->invariants_hold());
  check_venue(*e.hall);
  journal::EventSnapshot proto;
  check(decode_snapshot(encode_snapshot(e.state->export_snapshot(), e.hall->id(), 1), 0, proto).ok);
  check(event_state::restore(e.hall, snapshot_from_proto(proto)) != nullptr);
  e.state->seat_map();
  e.state->expire_due(4'102'444'800'000);
  check(e.state->invariants_hold());
}

void check_queue(event_id id, const recovered_queue& q) {
  check(q.queue->invariants_hold());
  std::unique_ptr<admission_queue> back;
  const auto blob = encode_queue_snapshot(stream_of(id, stream_kind::queue), q.queue->config(),
                                          q.queue->export_snapshot(), 1);
  check(decode_queue_snapshot(blob, back).ok);
}

void check_checkout(event_id id, const recovered_checkout& c) {
  check(c.saga->invariants_hold());
  std::unique_ptr<checkout_saga> back;
  const auto blob =
      encode_checkout_snapshot(stream_of(id, stream_kind::checkout), c.saga->export_snapshot(), 1);
  check(decode_checkout_snapshot(blob, id, back).ok);
}

// Recovery stopped, as the node's start would. RECOVERY_FUZZ_VERBOSE=1 says why
// (to check that a seed gets all the way through).
int refused(const status& st) {
  static const bool verbose = std::getenv("RECOVERY_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "refused: %s\n", st.message.c_str());
  return 0;
}

} // namespace

// Protobuf logs every string field that is not UTF-8: noise at fuzzing speed.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto frames = frames_of(data, size);
  const std::string* venue_blob = &demo_venue();
  std::string fuzzed_venue;
  for (const auto& f : frames)
    if (f.op == 0) {
      fuzzed_venue = std::string(f.bytes);
      venue_blob = &fuzzed_venue;
    }
  recovery_result out;
  shard_recovery r{0,
                   [venue_blob](const std::string&, std::string& blob) {
                     blob = *venue_blob;
                     return status::success();
                   },
                   out};
  for (const auto& f : frames)
    if (f.op == 1)
      if (auto st = r.load_snapshot(f.stream, f.rows_before, f.bytes); !st) return refused(st);
  uint64_t seq = 0;
  for (const auto& f : frames)
    if (f.op == 2)
      if (auto st = r.apply(++seq, f.stream, f.bytes); !st) return refused(st);
  if (auto st = r.finish(); !st) return refused(st);
  for (const auto& [id, e] : out.events)
    check_event(id, e);
  for (const auto& [id, q] : out.queues)
    check_queue(id, q);
  for (const auto& [id, c] : out.checkouts)
    check_checkout(id, c);
  if (std::getenv("RECOVERY_FUZZ_VERBOSE") != nullptr)
    std::fprintf(stderr, "recovered %zu events, %zu rooms, %zu sagas\n", out.events.size(),
                 out.queues.size(), out.checkouts.size());
  return 0;
}

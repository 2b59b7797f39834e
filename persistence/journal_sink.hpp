// A change_sink that encodes every change of an event_state as a framed
// journal record ([u32 length][journal.Record]...). The event actor ships the
// frames to its shard's journal actor once per batch; tests append them to a
// shard_store directly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/event_state.hpp"
#include "persistence/shard_store.hpp"

namespace holdfast {

void append_frame(std::string& frames, std::string_view record);

// Splits frames back into rows of `event` (views into `frames`).
void split_frames(std::string_view frames, event_id event, std::vector<journal_row>& rows);

class journal_sink final : public change_sink, public waitlist_sink {
public:
  explicit journal_sink(event_id event) : event_(event) {}

  waitlist_sink* waitlist_events() override { return this; }
  void joined(uint32_t seq, const waitlist_entry& e) override;
  void offered(uint32_t seq, hold_id hold, int64_t expires_at_ms) override;
  void lapsed(uint32_t seq, int64_t now_ms) override;
  void fulfilled(uint32_t seq, int64_t now_ms) override;
  void cancelled(uint32_t seq) override;

  void hold_placed(uint32_t seq, const hold_record& h, int64_t now_ms) override;
  void hold_released(uint32_t seq, release_reason why, int64_t now_ms) override;
  void order_confirmed(uint32_t order_seq, const order_record& o) override;
  void status_changed(event_status s, int64_t now_ms) override;
  void price_changed(uint16_t section, int64_t cents, int64_t now_ms) override;
  // The record that starts an event's journal (not a change of the state).
  void event_created(const event_config& c, std::string_view venue_id, int64_t now_ms);

  // Takes the frames encoded so far, leaving the sink empty.
  std::string take_frames();
  bool empty() const { return frames_.empty(); }
  uint64_t records() const { return records_; } // every record framed so far

private:
  void add();
  event_id event_;
  std::string frames_;
  std::string scratch_;
  uint64_t records_ = 0;
  int64_t last_at_ms_ = 0; // for records whose change carries no time of its own
};

} // namespace holdfast

#include "persistence/journal_sink.hpp"

#include <cstring>

#include "core/assert.hpp"
#include "persistence/journal_format.hpp"

namespace holdfast {

void append_frame(std::string& frames, std::string_view record) {
  const auto len = static_cast<uint32_t>(record.size());
  frames.append(reinterpret_cast<const char*>(&len), sizeof len);
  frames.append(record);
}

journal::Record& stream_frames::next(int64_t at_ms) {
  record_.Clear();
  record_.set_schema_version(journal_schema_version);
  record_.set_event_id(stream_);
  record_.set_at_ms(at_ms);
  return record_;
}

void stream_frames::add() {
  scratch_.clear();
  HF_ASSERT(record_.SerializeToString(&scratch_));
  append_frame(frames_, scratch_);
  ++records_;
}

std::string stream_frames::take_frames() {
  std::string out = std::move(frames_);
  frames_ = std::string{};
  return out;
}

void split_frames(std::string_view frames, event_id event, std::vector<journal_row>& rows) {
  while (!frames.empty()) {
    uint32_t len = 0;
    HF_ASSERT(frames.size() >= sizeof len);
    std::memcpy(&len, frames.data(), sizeof len);
    HF_ASSERT(frames.size() >= sizeof len + len);
    rows.push_back(journal_row{event, frames.substr(sizeof len, len)});
    frames.remove_prefix(sizeof len + len);
  }
}

void journal_sink::add() {
  append_frame(frames_, scratch_);
  ++records_;
}

void journal_sink::hold_placed(uint32_t seq, const hold_record& h, int64_t now_ms) {
  last_at_ms_ = now_ms;
  encode_hold_placed(scratch_, event_, seq, h, now_ms);
  add();
}

void journal_sink::hold_released(uint32_t seq, release_reason why, int64_t now_ms) {
  last_at_ms_ = now_ms;
  encode_hold_released(scratch_, event_, seq, why, now_ms);
  add();
}

void journal_sink::order_confirmed(uint32_t order_seq, const order_record& o) {
  encode_order_confirmed(scratch_, event_, order_seq, o);
  add();
}

void journal_sink::status_changed(event_status s, int64_t now_ms) {
  encode_status_changed(scratch_, event_, s, now_ms);
  add();
}

void journal_sink::price_changed(uint16_t section, int64_t cents, int64_t now_ms) {
  encode_price_changed(scratch_, event_, section, cents, now_ms);
  add();
}

void journal_sink::event_created(const event_config& c, std::string_view venue_id, int64_t now_ms) {
  encode_event_created(scratch_, c, venue_id, now_ms);
  add();
}

void journal_sink::joined(uint32_t seq, const waitlist_entry& e) {
  encode_waitlist_joined(scratch_, event_, seq, e);
  last_at_ms_ = e.joined_at_ms;
  add();
}

void journal_sink::offered(uint32_t seq, hold_id hold, int64_t expires_at_ms) {
  encode_waitlist_offered(scratch_, event_, seq, hold, expires_at_ms, last_at_ms_);
  add();
}

void journal_sink::lapsed(uint32_t seq, int64_t now_ms) {
  last_at_ms_ = now_ms;
  encode_waitlist_ended(scratch_, event_, seq, waitlist_status::expired, now_ms);
  add();
}

void journal_sink::fulfilled(uint32_t seq, int64_t now_ms) {
  last_at_ms_ = now_ms;
  encode_waitlist_ended(scratch_, event_, seq, waitlist_status::fulfilled, now_ms);
  add();
}

void journal_sink::cancelled(uint32_t seq) {
  encode_waitlist_ended(scratch_, event_, seq, waitlist_status::cancelled, last_at_ms_);
  add();
}

std::string journal_sink::take_frames() {
  std::string out = std::move(frames_);
  frames_ = std::string{};
  return out;
}

} // namespace holdfast

#include "domain/event_messages.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace holdfast {

std::string_view status_name(event_status s) {
  switch (s) {
  case event_status::scheduled:
    return "scheduled";
  case event_status::on_sale:
    return "on_sale";
  case event_status::sold_out:
    return "sold_out";
  case event_status::closed:
    return "closed";
  case event_status::cancelled:
    return "cancelled";
  }
  return "unknown";
}

command make_hold(uint64_t tag, user_id user, std::span<const seat_index> seats) {
  HF_ASSERT(seats.size() <= limits::hold_seats_max);
  command c;
  c.tag = tag;
  c.user = user;
  c.kind = command_kind::hold;
  c.seat_count = static_cast<uint8_t>(seats.size());
  std::copy(seats.begin(), seats.end(), c.seats);
  return c;
}

command make_ga_hold(uint64_t tag, user_id user, uint16_t area, uint16_t quantity) {
  command c;
  c.tag = tag;
  c.user = user;
  c.kind = command_kind::hold;
  c.ga_area = area;
  c.quantity = quantity;
  return c;
}

command make_best_hold(uint64_t tag, user_id user, uint16_t section, uint16_t quantity) {
  command c;
  c.tag = tag;
  c.user = user;
  c.kind = command_kind::hold;
  c.pick_best = true;
  c.best_section = section;
  c.quantity = quantity;
  return c;
}

command make_release(uint64_t tag, user_id user, hold_id hold) {
  command c;
  c.tag = tag;
  c.user = user;
  c.kind = command_kind::release;
  c.target = hold;
  return c;
}

command make_confirm(uint64_t tag, user_id user, hold_id hold) {
  command c = make_release(tag, user, hold);
  c.kind = command_kind::confirm;
  return c;
}

void journal_stats::add(const journal_stats& other) {
  last_seq = std::max(last_seq, other.last_seq);
  records += other.records;
  commits += other.commits;
  snapshots += other.snapshots;
  commit_us_total += other.commit_us_total;
  commit_us_max = std::max(commit_us_max, other.commit_us_max);
  commit_buckets.resize(journal_commit_buckets_us.size());
  for (size_t k = 0; k < commit_buckets.size() && k < other.commit_buckets.size(); ++k)
    commit_buckets[k] += other.commit_buckets[k];
}

} // namespace holdfast

// Hold deadlines of one event, ordered, with one wake-up for all of them.
//
// Holds are made with a handful of durations (the event's hold time, the waitlist
// offer window). With a monotonic clock, deadlines of one duration arrive in
// order, so each duration gets a FIFO lane and the earliest deadline is the
// smallest lane front: O(1) to add, O(lanes) to peek, no timer object per hold.
// Entries are not removed when a hold ends early; the owner checks on pop that
// the hold still exists with that deadline (lazy deletion).
//
// Durations beyond the lane limit (clients may pick any hold time in the
// allowed range) share one overflow min-heap: O(log n), never a refusal.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <vector>

namespace holdfast {

class deadline_queue {
public:
  struct entry {
    int64_t deadline_ms;
    uint32_t key; // hold seq
  };

  void push(int64_t deadline_ms, int64_t duration_ms, uint32_t key);
  std::optional<int64_t> next_deadline() const;
  // Removes and returns the earliest entry if its deadline is <= now_ms.
  std::optional<entry> pop_due(int64_t now_ms);
  size_t size() const;

private:
  struct lane {
    int64_t duration_ms;
    std::deque<entry> entries;
  };
  struct later {
    bool operator()(const entry& a, const entry& b) const { return a.deadline_ms > b.deadline_ms; }
  };
  lane* earliest();
  std::vector<lane> lanes_;
  std::priority_queue<entry, std::vector<entry>, later> overflow_;
};

} // namespace holdfast

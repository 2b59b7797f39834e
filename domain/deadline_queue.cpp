#include "domain/deadline_queue.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "core/limits.hpp"

namespace holdfast {

void deadline_queue::push(int64_t deadline_ms, int64_t duration_ms, uint32_t key) {
  auto it = std::find_if(lanes_.begin(), lanes_.end(),
                         [&](const lane& l) { return l.duration_ms == duration_ms; });
  if (it == lanes_.end()) {
    if (lanes_.size() == limits::deadline_lanes_max) {
      overflow_.push(entry{deadline_ms, key});
      return;
    }
    lanes_.push_back(lane{duration_ms, {}});
    it = lanes_.end() - 1;
  }
  auto& entries = it->entries;
  if (entries.empty() || entries.back().deadline_ms <= deadline_ms) {
    entries.push_back(entry{deadline_ms, key});
    return;
  }
  // Out of order: only when recovery re-adds holds. Keep the lane sorted.
  auto pos = std::upper_bound(entries.begin(), entries.end(), deadline_ms,
                              [](int64_t d, const entry& e) { return d < e.deadline_ms; });
  entries.insert(pos, entry{deadline_ms, key});
}

deadline_queue::lane* deadline_queue::earliest() {
  lane* best = nullptr;
  for (auto& l : lanes_)
    if (!l.entries.empty() &&
        (best == nullptr || l.entries.front().deadline_ms < best->entries.front().deadline_ms))
      best = &l;
  return best;
}

std::optional<int64_t> deadline_queue::next_deadline() const {
  std::optional<int64_t> best;
  if (!overflow_.empty()) best = overflow_.top().deadline_ms;
  for (const auto& l : lanes_)
    if (!l.entries.empty() && (!best || l.entries.front().deadline_ms < *best))
      best = l.entries.front().deadline_ms;
  return best;
}

std::optional<deadline_queue::entry> deadline_queue::pop_due(int64_t now_ms) {
  lane* l = earliest();
  if (!overflow_.empty() && overflow_.top().deadline_ms <= now_ms &&
      (l == nullptr || overflow_.top().deadline_ms <= l->entries.front().deadline_ms)) {
    entry e = overflow_.top();
    overflow_.pop();
    return e;
  }
  if (l == nullptr || l->entries.front().deadline_ms > now_ms) return std::nullopt;
  entry e = l->entries.front();
  l->entries.pop_front();
  return e;
}

size_t deadline_queue::size() const {
  size_t n = overflow_.size();
  for (const auto& l : lanes_)
    n += l.entries.size();
  return n;
}

} // namespace holdfast

#include "net/catalog.hpp"

#include <algorithm>

namespace holdfast {

void catalog::put(catalog_entry entry) {
  int64_t min_price = -1;
  for (const auto& s : entry.hall->sections())
    if (min_price < 0 || s.base_price_cents < min_price) min_price = s.base_price_cents;
  entry.min_price_cents = std::max<int64_t>(min_price, 0);
  std::lock_guard<std::mutex> guard{mutex_};
  auto next = std::make_shared<map_type>(*entries_);
  (*next)[entry.config.id] = std::make_shared<const catalog_entry>(std::move(entry));
  entries_ = std::move(next);
}

void catalog::set_status(event_id id, event_status status) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = entries_->find(id);
  if (it == entries_->end() || it->second->status == status) return;
  auto next = std::make_shared<map_type>(*entries_);
  auto changed = std::make_shared<catalog_entry>(*it->second);
  changed->status = status;
  (*next)[id] = std::move(changed);
  entries_ = std::move(next);
}

std::shared_ptr<const catalog_entry> catalog::find(event_id id) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = entries_->find(id);
  return it == entries_->end() ? nullptr : it->second;
}

std::shared_ptr<const catalog::map_type> catalog::all() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return entries_;
}

} // namespace holdfast

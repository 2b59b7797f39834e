#include "domain/waitlist.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "core/limits.hpp"

namespace holdfast {

namespace {

uint32_t low_bit(uint32_t i) {
  return i & (~i + 1);
}

bool request_valid(uint16_t section, uint16_t quantity) {
  return quantity >= 1 && quantity <= limits::hold_seats_max &&
         (section == no_area || section < limits::venue_sections_max);
}

uint32_t queue_key(uint16_t section, uint16_t quantity) {
  return (static_cast<uint32_t>(section) << 16) | quantity;
}

bool is_live(waitlist_status s) {
  return s == waitlist_status::waiting || s == waitlist_status::offered;
}

waitlist_join refuse(waitlist_code code) {
  waitlist_join out;
  out.code = code;
  return out;
}

// Queue fronts are popped one at a time; copying the live tail down once half
// the vector is dead keeps memory bounded by the live tail at amortised O(1).
void drop_popped(std::vector<uint32_t>& seqs, uint32_t& front) {
  if (front < 64 || front * 2 < seqs.size()) return;
  seqs.erase(seqs.begin(), seqs.begin() + front);
  front = 0;
}

} // namespace

std::string_view status_name(waitlist_status s) {
  switch (s) {
  case waitlist_status::waiting:
    return "waiting";
  case waitlist_status::offered:
    return "offered";
  case waitlist_status::expired:
    return "expired";
  case waitlist_status::fulfilled:
    return "fulfilled";
  case waitlist_status::cancelled:
    return "cancelled";
  }
  return "unknown";
}

std::string_view code_name(waitlist_code code) {
  switch (code) {
  case waitlist_code::ok:
    return "ok";
  case waitlist_code::invalid_request:
    return "invalid_request";
  case waitlist_code::user_limit:
    return "waitlist_user_limit";
  case waitlist_code::waitlist_full:
    return "waitlist_full";
  case waitlist_code::waitlist_exhausted:
    return "waitlist_exhausted";
  }
  return "unknown";
}

bool waitlist::config_valid(const waitlist_config& c) {
  return c.user_live_entries_max >= 1 &&
         c.user_live_entries_max <= limits::waitlist_user_live_entries_max_max &&
         c.live_entries_max >= 1 && c.live_entries_max <= c.entries_max &&
         c.entries_max <= limits::event_seq_max;
}

waitlist::waitlist(waitlist_config config) : config_(config) {
  HF_ASSERT(config_valid(config_));
  waiting_tree_.push_back(0); // node 0 is unused: the tree is 1-based
}

// -- joining ------------------------------------------------------------------

waitlist_join waitlist::join(user_id user, uint16_t section, uint16_t quantity, int64_t now_ms) {
  if (!request_valid(section, quantity)) return refuse(waitlist_code::invalid_request);
  if (auto seq = live_entry(user, section))
    return waitlist_join{waitlist_code::ok, *seq, position_of(*seq), true};
  if (user_live_count(user) >= config_.user_live_entries_max)
    return refuse(waitlist_code::user_limit);
  if (live_count_ >= config_.live_entries_max) return refuse(waitlist_code::waitlist_full);
  if (next_seq_ > limits::event_seq_max) return refuse(waitlist_code::waitlist_exhausted);
  const bool room = make_room();
  HF_ASSERT(room); // live_count_ < live_entries_max <= entries_max: something has finished

  waitlist_entry e;
  e.user = user;
  e.section = section;
  e.quantity = quantity;
  e.joined_at_ms = now_ms;
  const uint32_t seq = next_seq_;
  add_waiting(seq, e);
  if (sink_ != nullptr) sink_->joined(seq, e);
  const uint32_t position = position_of(seq);
  HF_ASSERT(position == waiting_count_); // a new entry waits behind everyone
  return waitlist_join{waitlist_code::ok, seq, position, false};
}

void waitlist::add_waiting(uint32_t seq, const waitlist_entry& e) {
  HF_ASSERT(seq >= next_seq_ && seq <= limits::event_seq_max);
  HF_ASSERT(e.status == waitlist_status::waiting && e.hold == no_id);
  HF_ASSERT(entries_.size() < config_.entries_max);
  user_live& u = users_[e.user];
  HF_ASSERT(u.count < u.seqs.size());
  u.seqs[u.count++] = seq;
  entries_.push_back(e);
  seqs_.push_back(seq);
  next_seq_ = seq + 1;
  append_waiting(static_cast<uint32_t>(entries_.size()));
  enqueue(seq, e.section, e.quantity);
  ++waiting_count_;
  ++live_count_;
}

void waitlist::enqueue(uint32_t seq, uint16_t section, uint16_t quantity) {
  const auto next = static_cast<uint32_t>(queues_.size());
  auto [it, fresh] = queue_of_key_.try_emplace(queue_key(section, quantity), next);
  if (fresh) {
    HF_ASSERT(queues_.size() < limits::waitlist_queues_max);
    queues_.push_back(offer_queue{section, quantity, 0, {}});
  }
  offer_queue& q = queues_[it->second];
  HF_ASSERT(q.seqs.empty() || q.seqs.back() < seq);               // join order within the queue
  if (q.front == q.seqs.size()) fronts_.emplace(seq, it->second); // was empty
  q.seqs.push_back(seq);
}

// -- offers and endings -------------------------------------------------------

// Takes seq out of the waiting set. Only a queue's front is popped eagerly (so
// fronts_ stays exact); an entry behind it becomes a tombstone.
void waitlist::leave_waiting(uint32_t seq, waitlist_status to) {
  const uint32_t index = *index_of(seq);
  waitlist_entry& e = entries_[index];
  HF_ASSERT(e.status == waitlist_status::waiting && to != waitlist_status::waiting);
  e.status = to;
  unmark_waiting(index + 1);
  --waiting_count_;
  const uint32_t queue = queue_of_key_.at(queue_key(e.section, e.quantity));
  offer_queue& q = queues_[queue];
  HF_ASSERT(q.front < q.seqs.size());
  if (q.seqs[q.front] != seq) return;
  fronts_.erase(seq);
  ++q.front;
  while (q.front < q.seqs.size() && !is_waiting(q.seqs[q.front]))
    ++q.front;
  drop_popped(q.seqs, q.front);
  if (q.front < q.seqs.size()) fronts_.emplace(q.seqs[q.front], queue);
}

void waitlist::drop_live(user_id user, uint32_t seq) {
  auto it = users_.find(user);
  HF_ASSERT(it != users_.end());
  user_live& u = it->second;
  const auto end = u.seqs.begin() + u.count;
  const auto pos = std::find(u.seqs.begin(), end, seq);
  HF_ASSERT(pos != end);
  *pos = u.seqs[--u.count];
  if (u.count == 0) users_.erase(it);
  --live_count_;
}

bool waitlist::apply_offered(uint32_t seq, hold_id hold, int64_t expires_at_ms) {
  if (!known(seq) || hold == no_id || entry_of_offer_.count(hold) != 0) return false;
  waitlist_entry& e = entry(seq);
  if (e.status != waitlist_status::waiting) return false;
  leave_waiting(seq, waitlist_status::offered);
  e.hold = hold;
  e.offer_expires_at_ms = expires_at_ms;
  entry_of_offer_.emplace(hold, seq);
  return true;
}

// Ends a live entry: lapsed and fulfilled end an offer, cancelled ends either.
bool waitlist::apply_finish(uint32_t seq, waitlist_status to) {
  HF_ASSERT(!is_live(to));
  if (!known(seq)) return false;
  waitlist_entry& e = entry(seq);
  if (e.status == waitlist_status::waiting && to == waitlist_status::cancelled) {
    leave_waiting(seq, to);
  } else if (e.status == waitlist_status::offered) {
    entry_of_offer_.erase(e.hold);
    e.status = to;
  } else {
    return false;
  }
  drop_live(e.user, seq);
  ++finished_count_;
  return true;
}

// -- compaction ---------------------------------------------------------------

// Called before every join (live or replayed), so both compact at the same
// joins. With entries_max retained and fewer than live_entries_max (<=
// entries_max) live, at least one entry is finished: compacting half of them
// (rounded up) always makes room, and keeps the work amortised. False when
// nothing has finished (only a corrupt journal gets here).
bool waitlist::make_room() {
  if (entries_.size() < config_.entries_max) return true;
  if (finished_count_ == 0) return false;
  compact((finished_count_ + 1) / 2);
  return true;
}

// Drops the `finished_drop` finished entries with the lowest seqs (the oldest)
// and rebuilds what indexes by position: the tree and the queues (which then
// hold waiting seqs only). Users and offers index live entries only.
void waitlist::compact(uint32_t finished_drop) {
  HF_ASSERT(finished_drop <= finished_count_);
  size_t kept = 0;
  for (size_t k = 0; k < entries_.size(); ++k) {
    if (finished_drop > 0 && !is_live(entries_[k].status)) {
      --finished_drop;
      --finished_count_;
      continue;
    }
    entries_[kept] = entries_[k];
    seqs_[kept] = seqs_[k];
    ++kept;
  }
  entries_.resize(kept);
  seqs_.resize(kept);
  rebuild_tree();
  for (offer_queue& q : queues_) {
    std::erase_if(q.seqs, [&](uint32_t seq) { return !is_waiting(seq); });
    q.front = 0;
  }
}

void waitlist::rebuild_tree() {
  waiting_tree_.assign(entries_.size() + 1, 0);
  for (uint32_t i = 1; i < waiting_tree_.size(); ++i) {
    waiting_tree_[i] += entries_[i - 1].status == waitlist_status::waiting ? 1 : 0;
    const uint32_t parent = i + low_bit(i);
    if (parent < waiting_tree_.size()) waiting_tree_[parent] += waiting_tree_[i];
  }
}

std::optional<uint32_t> waitlist::index_of(uint32_t seq) const {
  auto it = std::lower_bound(seqs_.begin(), seqs_.end(), seq);
  if (it == seqs_.end() || *it != seq) return std::nullopt;
  return static_cast<uint32_t>(it - seqs_.begin());
}

bool waitlist::is_waiting(uint32_t seq) const {
  auto index = index_of(seq);
  return index && entries_[*index].status == waitlist_status::waiting;
}

void waitlist::offered(uint32_t seq, hold_id hold, int64_t expires_at_ms) {
  const bool applied = apply_offered(seq, hold, expires_at_ms);
  HF_ASSERT(applied);
  if (sink_ != nullptr) sink_->offered(seq, hold, expires_at_ms);
}

void waitlist::lapsed(uint32_t seq, int64_t now_ms) {
  const bool applied = apply_finish(seq, waitlist_status::expired);
  HF_ASSERT(applied);
  if (sink_ != nullptr) sink_->lapsed(seq, now_ms);
}

void waitlist::fulfilled(uint32_t seq, int64_t now_ms) {
  const bool applied = apply_finish(seq, waitlist_status::fulfilled);
  HF_ASSERT(applied);
  if (sink_ != nullptr) sink_->fulfilled(seq, now_ms);
}

void waitlist::cancelled(uint32_t seq) {
  const bool applied = apply_finish(seq, waitlist_status::cancelled);
  HF_ASSERT(applied);
  if (sink_ != nullptr) sink_->cancelled(seq);
}

// -- views --------------------------------------------------------------------

std::optional<uint32_t> waitlist::entry_of_hold(hold_id hold) const {
  auto it = entry_of_offer_.find(hold);
  if (it == entry_of_offer_.end()) return std::nullopt;
  return it->second;
}

std::optional<waitlist_view> waitlist::find(uint32_t seq) const {
  if (!known(seq)) return std::nullopt;
  return view(seq);
}

waitlist_view waitlist::view(uint32_t seq) const {
  HF_ASSERT(known(seq));
  waitlist_view v;
  static_cast<waitlist_entry&>(v) = entry(seq);
  v.seq = seq;
  v.position = position_of(seq);
  return v;
}

uint32_t waitlist::position_of(uint32_t seq) const {
  const uint32_t index = *index_of(seq);
  if (entries_[index].status != waitlist_status::waiting) return 0;
  return waiting_up_to(index + 1);
}

std::optional<uint32_t> waitlist::live_entry(user_id user, uint16_t section) const {
  auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;
  for (uint32_t k = 0; k < it->second.count; ++k) {
    const uint32_t seq = it->second.seqs[k];
    if (entry(seq).section == section) return seq;
  }
  return std::nullopt;
}

uint32_t waitlist::user_live_count(user_id user) const {
  auto it = users_.find(user);
  return it == users_.end() ? 0 : it->second.count;
}

// -- Fenwick tree over seqs ---------------------------------------------------

uint32_t waitlist::waiting_up_to(uint32_t n) const {
  HF_ASSERT(n < waiting_tree_.size());
  uint32_t sum = 0;
  for (uint32_t i = n; i > 0; i -= low_bit(i))
    sum += waiting_tree_[i];
  return sum;
}

// Node i sums entries (i - low_bit(i), i]. When entry n is appended, all of
// that range but n itself is already in the tree, so two prefix sums give the node.
void waitlist::append_waiting(uint32_t n) {
  HF_ASSERT(n == waiting_tree_.size());
  const uint32_t before = waiting_up_to(n - 1) - waiting_up_to(n - low_bit(n));
  waiting_tree_.push_back(before + 1);
}

void waitlist::unmark_waiting(uint32_t n) {
  for (uint32_t i = n; i < waiting_tree_.size(); i += low_bit(i)) {
    HF_ASSERT(waiting_tree_[i] > 0);
    --waiting_tree_[i];
  }
}

// -- recovery -----------------------------------------------------------------

bool waitlist::replay_joined(uint32_t seq, const waitlist_entry& e) {
  if (seq != next_seq_) return false;
  if (!make_room()) return false; // where the live join made it
  return accept_joined(seq, e);
}

// A join as recorded (a journal record, or a snapshot's entry at its seq).
bool waitlist::accept_joined(uint32_t seq, const waitlist_entry& e) {
  if (seq < next_seq_ || seq > limits::event_seq_max || entries_.size() >= config_.entries_max)
    return false;
  if (!request_valid(e.section, e.quantity) || e.status != waitlist_status::waiting ||
      e.hold != no_id || e.offer_expires_at_ms != 0)
    return false;
  if (live_entry(e.user, e.section) ||
      user_live_count(e.user) >= limits::waitlist_user_live_entries_max_max)
    return false;
  add_waiting(seq, e);
  return true;
}

bool waitlist::replay_offered(uint32_t seq, hold_id hold, int64_t expires_at_ms) {
  return apply_offered(seq, hold, expires_at_ms);
}

bool waitlist::replay_lapsed(uint32_t seq) {
  return apply_finish(seq, waitlist_status::expired);
}

bool waitlist::replay_fulfilled(uint32_t seq) {
  return apply_finish(seq, waitlist_status::fulfilled);
}

bool waitlist::replay_cancelled(uint32_t seq) {
  return apply_finish(seq, waitlist_status::cancelled);
}

waitlist_snapshot waitlist::export_snapshot() const {
  return waitlist_snapshot{config_, entries_, seqs_, next_seq_};
}

// Restore walks each entry through the same transitions replay uses, so a
// snapshot can only produce a state the live path could have reached.
std::unique_ptr<waitlist> waitlist::restore(const waitlist_snapshot& snap) {
  if (!config_valid(snap.config) || snap.entries.size() > snap.config.entries_max) return nullptr;
  if (!snap.seqs.empty() && snap.seqs.size() != snap.entries.size()) return nullptr;
  auto wl = std::make_unique<waitlist>(snap.config);
  wl->entries_.reserve(snap.entries.size());
  wl->seqs_.reserve(snap.entries.size());
  wl->waiting_tree_.reserve(snap.entries.size() + 1);
  for (size_t k = 0; k < snap.entries.size(); ++k) {
    const uint32_t seq = snap.seqs.empty() ? static_cast<uint32_t>(k + 1) : snap.seqs[k];
    if (!wl->restore_entry(seq, snap.entries[k])) return nullptr;
  }
  if (snap.next_seq != 0) {
    if (snap.next_seq < wl->next_seq_ || snap.next_seq - 1 > limits::event_seq_max) return nullptr;
    wl->next_seq_ = snap.next_seq;
  }
  return wl;
}

bool waitlist::restore_entry(uint32_t seq, const waitlist_entry& e) {
  waitlist_entry joined = e;
  joined.status = waitlist_status::waiting;
  joined.hold = no_id;
  joined.offer_expires_at_ms = 0;
  if (!accept_joined(seq, joined)) return false;
  if (e.hold == no_id && e.offer_expires_at_ms != 0) return false;
  if (e.hold != no_id && !replay_offered(seq, e.hold, e.offer_expires_at_ms)) return false;
  switch (e.status) {
  case waitlist_status::waiting:
  case waitlist_status::offered:
    return entry(seq).status == e.status;
  case waitlist_status::expired:
    return replay_lapsed(seq);
  case waitlist_status::fulfilled:
    return replay_fulfilled(seq);
  case waitlist_status::cancelled:
    return replay_cancelled(seq);
  }
  return false;
}

// -- deep check ---------------------------------------------------------------

bool waitlist::invariants_hold() const {
  return entries_consistent() && tree_consistent() && queues_consistent() && users_consistent();
}

bool waitlist::entries_consistent() const {
  uint32_t waiting = 0;
  uint32_t live = 0;
  uint32_t offers = 0;
  uint32_t finished = 0;
  for (uint32_t k = 0; k < entries_.size(); ++k) {
    const uint32_t seq = seqs_[k];
    const waitlist_entry& e = entries_[k];
    if (seq >= next_seq_ || (k > 0 && seqs_[k - 1] >= seq)) return false;
    finished += is_live(e.status) ? 0 : 1;
    if (!request_valid(e.section, e.quantity)) return false;
    const bool was_offered = e.hold != no_id;
    if (!was_offered && e.offer_expires_at_ms != 0) return false;
    switch (e.status) {
    case waitlist_status::waiting:
      if (was_offered) return false;
      ++waiting;
      break;
    case waitlist_status::offered:
      if (entry_of_hold(e.hold) != seq) return false;
      ++offers;
      break;
    case waitlist_status::expired:
    case waitlist_status::fulfilled:
      if (!was_offered) return false;
      break;
    case waitlist_status::cancelled:
      break;
    }
    if (is_live(e.status)) ++live;
  }
  return waiting == waiting_count_ && live == live_count_ && offers == entry_of_offer_.size() &&
         finished == finished_count_ && seqs_.size() == entries_.size() &&
         entries_.size() <= config_.entries_max;
}

// Rebuilds the Fenwick tree from the statuses in O(n) and compares node by node.
bool waitlist::tree_consistent() const {
  std::vector<uint32_t> tree(entries_.size() + 1, 0);
  for (uint32_t i = 1; i < tree.size(); ++i) {
    tree[i] += entries_[i - 1].status == waitlist_status::waiting ? 1 : 0;
    const uint32_t parent = i + low_bit(i);
    if (parent < tree.size()) tree[parent] += tree[i];
  }
  return tree == waiting_tree_;
}

bool waitlist::queues_consistent() const {
  if (queues_.size() != queue_of_key_.size() || queues_.size() > limits::waitlist_queues_max)
    return false;
  std::vector<uint32_t> waiting_in(queues_.size(), 0);
  for (const waitlist_entry& e : entries_) {
    if (e.status != waitlist_status::waiting) continue;
    auto it = queue_of_key_.find(queue_key(e.section, e.quantity));
    if (it == queue_of_key_.end()) return false;
    ++waiting_in[it->second];
  }
  size_t nonempty = 0;
  for (uint32_t k = 0; k < queues_.size(); ++k) {
    const offer_queue& q = queues_[k];
    if (queue_of_key_.at(queue_key(q.section, q.quantity)) != k) return false;
    uint32_t waiting = 0;
    for (uint32_t i = q.front; i < q.seqs.size(); ++i) {
      const uint32_t seq = q.seqs[i];
      if (!known(seq) || (i > q.front && q.seqs[i - 1] >= seq)) return false;
      const waitlist_entry& e = entry(seq);
      if (e.section != q.section || e.quantity != q.quantity) return false;
      waiting += e.status == waitlist_status::waiting ? 1 : 0;
    }
    if (waiting != waiting_in[k]) return false;
    if (q.front == q.seqs.size()) continue;
    ++nonempty;
    const uint32_t front = q.seqs[q.front];
    auto f = fronts_.find(front);
    if (!is_waiting(front) || f == fronts_.end() || f->second != k) return false;
  }
  return nonempty == fronts_.size();
}

bool waitlist::users_consistent() const {
  uint32_t live = 0;
  for (const auto& [user, u] : users_) {
    if (u.count == 0 || u.count > u.seqs.size()) return false;
    for (uint32_t k = 0; k < u.count; ++k) {
      const uint32_t seq = u.seqs[k];
      if (!known(seq)) return false;
      const waitlist_entry& e = entry(seq);
      if (e.user != user || !is_live(e.status)) return false;
      for (uint32_t j = 0; j < k; ++j) // one live entry per section preference
        if (entry(u.seqs[j]).section == e.section) return false;
    }
    live += u.count;
  }
  return live == live_count_;
}

} // namespace holdfast

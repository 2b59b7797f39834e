#include "domain/admission_queue.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace holdfast {

namespace {

// The rate limiter counts in units of 1/60,000 admission: admit_per_min units
// accrue per millisecond, so credit is exact integer arithmetic (no rounding to
// drift between the live run and its replay).
constexpr int64_t units_per_admission = 60'000;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Uniform in [0, bound): Lemire's multiply-shift, rejecting the low products
// that would make some results one draw more likely than others.
uint64_t bounded(uint64_t& state, uint64_t bound) {
  HF_ASSERT(bound > 0);
  unsigned __int128 m = static_cast<unsigned __int128>(splitmix64(state)) * bound;
  auto low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(splitmix64(state)) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

uint32_t lowbit(uint32_t i) {
  return i & (~i + 1);
}

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

} // namespace

void seeded_shuffle(std::span<user_id> users, uint64_t seed) {
  uint64_t state = seed;
  for (size_t i = users.size(); i > 1; --i)
    std::swap(users[i - 1], users[bounded(state, i)]);
}

// Appending seq i must store the sum over (i - lowbit(i), i]: the new value
// plus the nodes that range covers, found by walking down from i - 1.
void admission_queue::fenwick::push_back(uint32_t value) {
  const auto i = static_cast<uint32_t>(tree_.size()) + 1;
  uint32_t sum = value;
  for (uint32_t j = i - 1; j > i - lowbit(i); j -= lowbit(j))
    sum += tree_[j - 1];
  tree_.push_back(sum);
}

void admission_queue::fenwick::add(uint32_t seq, uint32_t value) {
  HF_ASSERT(seq > offset_ && seq - offset_ <= tree_.size());
  for (uint32_t i = seq - offset_; i <= tree_.size(); i += lowbit(i))
    tree_[i - 1] += value;
}

uint32_t admission_queue::fenwick::prefix(uint32_t seq) const {
  if (seq <= offset_) return 0;
  HF_ASSERT(seq - offset_ <= tree_.size());
  uint32_t sum = 0;
  for (uint32_t i = seq - offset_; i > 0; i -= lowbit(i))
    sum += tree_[i - 1];
  return sum;
}

void admission_queue::fenwick::reset(uint32_t offset) {
  tree_.clear();
  offset_ = offset;
}

bool admission_config_ok(const admission_config& c) {
  return c.admit_per_min >= 1 && c.active_max >= 1 && c.access_ttl_ms >= 1 &&
         c.queue_users_max >= 1 && c.queue_users_max < UINT32_MAX;
}

admission_queue::admission_queue(admission_config config) : config_(config) {
  HF_ASSERT(admission_config_ok(config_));
  if (config_.admit_burst_max == 0) {
    const uint64_t burst = uint64_t{config_.admit_per_min} * limits::queue_burst_window_ms_default /
                           units_per_admission;
    config_.admit_burst_max = static_cast<uint32_t>(std::max<uint64_t>(1, burst));
  }
}

// Clamps time to never run backwards (the sink then only ever sees
// nondecreasing times, which replay checks) and lapses expired access.
int64_t admission_queue::advance(int64_t now_ms) {
  HF_ASSERT(now_ms >= 0);
  clock_ms_ = std::max(clock_ms_, now_ms);
  if (opened_) sweep_expired(clock_ms_);
  return clock_ms_;
}

// Admission is in seq order and time never runs backwards, so access expiry
// is nondecreasing in seq: the oldest live access is at cursor_, and the
// cursor only moves forward. Also steps over users who finished.
void admission_queue::sweep_expired(int64_t now_ms) {
  while (cursor_ < head_) {
    auto& e = entry(cursor_);
    if (e.state == queue_state::admitted) {
      if (e.admitted_at_ms + config_.access_ttl_ms > now_ms) return;
      e.state = queue_state::expired;
      HF_ASSERT(active_ > 0);
      --active_;
    }
    ++cursor_;
  }
}

int64_t admission_queue::credit_cap_units() const {
  return int64_t{config_.admit_burst_max} * units_per_admission;
}

// Capped linear accrual: refilling to t1 then t2 gives the same credit as
// refilling straight to t2, so ticks that admit nobody need no journal record.
int64_t admission_queue::credit_units_at(int64_t now_ms) const {
  if (now_ms <= refill_at_ms_) return credit_units_;
  const int64_t cap = credit_cap_units();
  const int64_t rate = config_.admit_per_min;
  const int64_t elapsed = now_ms - refill_at_ms_;
  const int64_t gain = elapsed > cap / rate ? cap : elapsed * rate; // no overflow
  return std::min(cap, credit_units_ + gain);
}

void admission_queue::refill(int64_t now_ms) {
  if (now_ms <= refill_at_ms_) return;
  credit_units_ = credit_units_at(now_ms);
  refill_at_ms_ = now_ms;
}

void admission_queue::apply_join(user_id user, bool pre_queue) {
  HF_ASSERT(user != 0 && index_.size() < config_.queue_users_max);
  HF_ASSERT(pre_queue != opened_);
  if (pre_queue) {
    const auto at = static_cast<uint32_t>(pre_queue_.size());
    HF_ASSERT(index_.emplace(user, user_slot{0, at, queue_state::pre_queue}).second);
    pre_queue_.push_back(user);
    return;
  }
  const uint32_t seq = next_seq();
  HF_ASSERT(index_.emplace(user, user_slot{seq, 0, queue_state::queued}).second);
  entries_.push_back(queue_entry{user, 0, queue_state::queued});
  left_.push_back(0);
  ++waiting_;
  // head_ == seq when nobody else waited: it now points at a queued seq.
}

// Everyone in the pre-queue joined before the open, so all of them go ahead
// of any later joiner; among themselves the order is the seeded shuffle.
void admission_queue::apply_open(uint64_t seed, int64_t now_ms) {
  HF_ASSERT(!opened_ && entries_.empty() && head_ == 1 && cursor_ == 1);
  seeded_shuffle(pre_queue_, seed);
  entries_.reserve(pre_queue_.size());
  for (user_id user : pre_queue_) {
    auto& slot = index_.at(user);
    HF_ASSERT(slot.seq == 0 && slot.early_state == queue_state::pre_queue);
    slot.seq = next_seq();
    entries_.push_back(queue_entry{user, 0, queue_state::queued});
    left_.push_back(0);
    ++waiting_;
  }
  pre_queue_.clear();
  pre_queue_.shrink_to_fit();
  opened_ = true;
  opened_at_ms_ = now_ms;
  seed_ = seed;
  // One admission's worth at the open: the head is let in at once.
  credit_units_ = units_per_admission;
  refill_at_ms_ = now_ms;
}

admission admission_queue::apply_admit(int64_t now_ms) {
  HF_ASSERT(waiting_ > 0 && active_ < config_.active_max && head_ < next_seq());
  auto& e = entry(head_);
  HF_ASSERT(e.state == queue_state::queued);
  e.state = queue_state::admitted;
  e.admitted_at_ms = now_ms;
  --waiting_;
  ++active_;
  // Floored at zero: replay under a changed admit_per_min must not go negative.
  credit_units_ = std::max<int64_t>(0, credit_units_ - units_per_admission);
  count_admission(now_ms);
  const admission out{e.user, head_, now_ms, now_ms + config_.access_ttl_ms};
  ++head_;
  skip_gone_head();
  HF_ASSERT(cursor_ < head_ && entry(cursor_).state == queue_state::admitted);
  return out;
}

void admission_queue::skip_gone_head() {
  while (head_ < next_seq() && entry(head_).state != queue_state::queued)
    ++head_;
}

void admission_queue::count_admission(int64_t now_ms) {
  const int64_t second = now_ms / limits::queue_rate_bucket_ms;
  auto& b = rate_[static_cast<size_t>(second % limits::queue_rate_buckets)];
  if (b.second != second) b = rate_bucket{second, 0, false};
  ++b.admitted;
  if (waiting_ == 0) b.drained = true;
}

// Moves a user out of the pre-queue, the queue or an active slot into `to`
// (finished or removed). False when there was nothing to leave.
bool admission_queue::leave(user_slot& slot, queue_state to) {
  if (slot.seq == 0) {
    if (slot.early_state != queue_state::pre_queue) return false;
    const uint32_t at = slot.pre_index;
    HF_ASSERT(at < pre_queue_.size());
    left_pre_queue_.emplace_back(pre_queue_[at], to);
    const user_id last = pre_queue_.back();
    pre_queue_[at] = last;
    index_.at(last).pre_index = at; // may be slot itself: harmless
    pre_queue_.pop_back();
    slot.early_state = to;
    return true;
  }
  auto& e = entry(slot.seq);
  if (e.state == queue_state::queued) {
    e.state = to;
    --waiting_;
    left_.add(slot.seq, 1);
    skip_gone_head();
    return true;
  }
  if (e.state == queue_state::admitted) {
    e.state = to;
    HF_ASSERT(active_ > 0);
    --active_;
    sweep_expired(clock_ms_); // keeps cursor_ on a live access
    return true;
  }
  return false;
}

join_result admission_queue::join(user_id user, int64_t now_ms) {
  if (user == 0) return {result_code::invalid_request, {}};
  now_ms = advance(now_ms);
  if (!opened_ && now_ms >= config_.opens_at_ms) open(now_ms);
  if (auto it = index_.find(user); it != index_.end())
    return {result_code::ok, status_of(it->second, now_ms)};
  if (!make_room()) return {result_code::overloaded, {}};
  const bool pre_queue = !opened_;
  apply_join(user, pre_queue);
  const user_slot& slot = index_.at(user);
  if (sink_) sink_->joined(user, slot.seq, pre_queue, now_ms);
  return {result_code::ok, status_of(slot, now_ms)};
}

void admission_queue::open(int64_t now_ms) {
  now_ms = advance(now_ms);
  if (opened_) return;
  apply_open(config_.shuffle_seed, now_ms);
  if (sink_) sink_->opened(seed_, now_ms);
}

std::vector<admission> admission_queue::tick(int64_t now_ms) {
  now_ms = advance(now_ms);
  if (!opened_ && now_ms >= config_.opens_at_ms) open(now_ms);
  std::vector<admission> out;
  if (!opened_) return out;
  refill(now_ms);
  // Bounded: each admission spends one unit of credit, and credit <= burst.
  while (waiting_ > 0 && active_ < config_.active_max && credit_units_ >= units_per_admission) {
    out.push_back(apply_admit(now_ms));
    const admission& a = out.back();
    if (sink_) sink_->admitted(a.user, a.seq, now_ms, a.access_expires_at_ms);
  }
  HF_ASSERT(active_ <= config_.active_max);
  return out;
}

result_code admission_queue::finish(user_id user, int64_t now_ms) {
  now_ms = advance(now_ms);
  auto it = index_.find(user);
  if (it == index_.end()) return result_code::invalid_request;
  if (leave(it->second, queue_state::finished) && sink_) sink_->finished(user, now_ms);
  return result_code::ok;
}

result_code admission_queue::remove(user_id user, int64_t now_ms) {
  now_ms = advance(now_ms);
  auto it = index_.find(user);
  if (it == index_.end()) return result_code::invalid_request;
  if (leave(it->second, queue_state::removed) && sink_) sink_->removed(user, now_ms);
  return result_code::ok;
}

} // namespace holdfast

namespace holdfast {

// With strict seq-order admission, everyone queued between head_ and seq is
// ahead of seq, except those who left (marked in left_).
uint32_t admission_queue::position_of(uint32_t seq) const {
  HF_ASSERT(seq >= head_ && seq < next_seq());
  const uint32_t gone = left_.prefix(seq - 1) - left_.prefix(head_ - 1);
  HF_ASSERT(seq - head_ >= gone);
  return seq - head_ + 1 - gone;
}

// Admissions per second over the last minute of one-second buckets. Trusted
// once the open is rate_measure_ms_min old and the window holds an admission.
// If an admission in the window left nobody waiting, admissions were limited
// by demand rather than capacity, so the configured rate is a floor.
std::optional<double> admission_queue::measured_rate_per_s(int64_t now_ms) const {
  using limits::queue_rate_bucket_ms;
  now_ms = std::max(now_ms, clock_ms_);
  if (!opened_ || now_ms - opened_at_ms_ < limits::queue_rate_measure_ms_min) return std::nullopt;
  const int64_t second = now_ms / queue_rate_bucket_ms;
  const int64_t first = second - (limits::queue_rate_buckets - 1);
  uint64_t admitted = 0;
  bool drained = false;
  for (const auto& b : rate_) {
    if (b.second < first || b.second > second) continue;
    admitted += b.admitted;
    drained = drained || b.drained;
  }
  if (admitted == 0) return std::nullopt;
  const int64_t span_ms = now_ms - std::max(opened_at_ms_, first * queue_rate_bucket_ms);
  const double measured = static_cast<double>(admitted) * 1000.0 / static_cast<double>(span_ms);
  const double configured = config_.admit_per_min / 60.0;
  return drained ? std::max(measured, configured) : measured;
}

// ETA = position / rate, after the few that saved-up credit and free slots
// let in at the next tick. The measured rate is preferred: it already reflects
// the active cap as it really binds (how fast buyers finish). Without one, the
// configured rate is used, and for positions beyond the free active slots the
// cap's worst-case turnover, active_max per access_ttl (as if every admitted
// user kept the full ttl): an ETA that errs late rather than early.
int64_t admission_queue::eta_ms(uint32_t position, int64_t now_ms) const {
  uint32_t free = config_.active_max - std::min(active_, config_.active_max);
  if (opened_) {
    const int64_t credit = credit_units_at(now_ms) / units_per_admission;
    const auto ready = static_cast<uint32_t>(std::min<int64_t>(credit, free));
    if (position <= ready) return 0;
    position -= ready;
    free -= ready;
  }
  if (auto rate = measured_rate_per_s(now_ms))
    return static_cast<int64_t>(position * 1000.0 / *rate + 0.5);
  double ms = position * 60'000.0 / config_.admit_per_min;
  if (position > free) {
    const double turnover_ms = static_cast<double>(config_.access_ttl_ms) / config_.active_max;
    ms = std::max(ms, (position - free) * turnover_ms);
  }
  return static_cast<int64_t>(ms + 0.5);
}

queue_status admission_queue::status(user_id user, int64_t now_ms) const {
  auto it = index_.find(user);
  if (it == index_.end()) return {};
  return status_of(it->second, std::max(now_ms, clock_ms_));
}

// Const: access that lapsed since the last call is reported as expired here
// and swept by the next mutating call.
queue_status admission_queue::status_of(const user_slot& slot, int64_t now_ms) const {
  queue_status s;
  if (slot.seq == 0) {
    s.state = slot.early_state;
    if (s.state != queue_state::pre_queue) return s;
    // Nobody has a place before the shuffle: wait for the open, then the
    // wait of the average pre-queue place.
    s.queue_length = static_cast<uint32_t>(pre_queue_.size());
    const int64_t until_open_ms = std::max<int64_t>(0, config_.opens_at_ms - now_ms);
    s.eta_s = ceil_div(until_open_ms + eta_ms((s.queue_length + 1) / 2, now_ms), 1000);
    return s;
  }
  const auto& e = entry(slot.seq);
  s.seq = slot.seq;
  s.state = e.state;
  if (e.state == queue_state::queued) {
    s.position = position_of(slot.seq);
    s.queue_length = waiting_;
    s.eta_s = ceil_div(eta_ms(s.position, now_ms), 1000);
  } else if (e.state == queue_state::admitted || e.state == queue_state::expired) {
    s.access_expires_at_ms = e.admitted_at_ms + config_.access_ttl_ms;
    if (s.access_expires_at_ms <= now_ms) s.state = queue_state::expired;
  }
  return s;
}

std::optional<int64_t> admission_queue::next_tick_ms() const {
  if (!opened_) return config_.opens_at_ms;
  if (waiting_ == 0) return std::nullopt;
  int64_t at_ms = clock_ms_;
  if (credit_units_ < units_per_admission) {
    const int64_t short_units = units_per_admission - credit_units_;
    at_ms = std::max(at_ms, refill_at_ms_ + ceil_div(short_units, config_.admit_per_min));
  }
  if (active_ >= config_.active_max) {
    HF_ASSERT(cursor_ < head_ && entry(cursor_).state == queue_state::admitted);
    at_ms = std::max(at_ms, entry(cursor_).admitted_at_ms + config_.access_ttl_ms);
  }
  return at_ms;
}

admission_snapshot admission_queue::export_snapshot() const {
  admission_snapshot snap;
  snap.clock_ms = clock_ms_;
  snap.opened = opened_;
  snap.opened_at_ms = opened_at_ms_;
  snap.seed = seed_;
  snap.pre_queue = pre_queue_;
  snap.left_pre_queue = left_pre_queue_;
  snap.entries = entries_;
  snap.first_seq = base_;
  snap.credit_units = credit_units_;
  snap.refill_at_ms = refill_at_ms_;
  snap.rate = rate_;
  return snap;
}

std::unique_ptr<admission_queue> admission_queue::restore(const admission_config& config,
                                                          const admission_snapshot& snap) {
  if (!admission_config_ok(config)) return nullptr;
  auto q = std::make_unique<admission_queue>(config);
  q->clock_ms_ = snap.clock_ms;
  q->opened_ = snap.opened;
  q->opened_at_ms_ = snap.opened_at_ms;
  q->seed_ = snap.seed;
  q->pre_queue_ = snap.pre_queue;
  q->left_pre_queue_ = snap.left_pre_queue;
  q->entries_ = snap.entries;
  q->base_ = std::max<uint32_t>(snap.first_seq, 1);
  q->credit_units_ = snap.credit_units;
  q->refill_at_ms_ = snap.refill_at_ms;
  q->rate_ = snap.rate;
  auto& index = q->index_;
  index.reserve(snap.pre_queue.size() + snap.left_pre_queue.size() + snap.entries.size());
  // A snapshot is untrusted bytes: a user twice, or any contradiction below,
  // refuses it (nullptr) rather than asserting.
  for (size_t i = 0; i < snap.pre_queue.size(); ++i)
    if (!index
             .emplace(snap.pre_queue[i],
                      user_slot{0, static_cast<uint32_t>(i), queue_state::pre_queue})
             .second)
      return nullptr;
  for (const auto& [user, state] : snap.left_pre_queue)
    if (!index.emplace(user, user_slot{0, 0, state}).second) return nullptr;
  q->rebuild_left();
  for (uint32_t seq = q->base_; seq < q->next_seq(); ++seq) {
    const queue_state state = q->entry(seq).state;
    if (!index.emplace(q->entry(seq).user, user_slot{seq, 0, queue_state::queued}).second)
      return nullptr;
    q->waiting_ += state == queue_state::queued;
    q->active_ += state == queue_state::admitted;
  }
  q->head_ = q->base_;
  q->skip_gone_head();
  q->cursor_ = q->base_;
  while (q->cursor_ < q->head_ && q->entry(q->cursor_).state != queue_state::admitted)
    ++q->cursor_;
  // A corrupt snapshot must stop here, not sell access twice later.
  if (!q->invariants_hold()) return nullptr;
  return q;
}

bool admission_queue::replay_joined(user_id user, uint32_t seq, bool pre_queue, int64_t now_ms) {
  if (user == 0 || !replay_time_ok(now_ms)) return false;
  advance(now_ms);
  // Where the live join compacted (a recorded join found the user unknown, so
  // whether the user was looked up first does not matter).
  if (index_.size() >= config_.queue_users_max) make_room();
  if (index_.contains(user)) return false;
  // The live join opens the room first once opens_at is reached.
  if (pre_queue != !opened_ || (pre_queue && now_ms >= config_.opens_at_ms)) return false;
  if (seq != (pre_queue ? 0 : next_seq())) return false;
  if (index_.size() >= config_.queue_users_max) return false;
  apply_join(user, pre_queue);
  return true;
}

// Called by every join (live or replayed) that needs a place: with
// queue_users_max users remembered, forgets who is done (see the header).
// False when that frees nothing.
bool admission_queue::make_room() {
  if (index_.size() < config_.queue_users_max) return true;
  compact();
  return index_.size() < config_.queue_users_max;
}

// Everything before cursor_ is done: not queued (it is before head_) and not
// admitted (the cursor is the oldest live access, after sweep_expired).
void admission_queue::compact() {
  std::erase_if(left_pre_queue_, [&](const std::pair<user_id, queue_state>& left) {
    if (left.second != queue_state::finished) return false;
    index_.erase(left.first);
    return true;
  });
  HF_ASSERT(cursor_ >= base_ && cursor_ <= head_);
  for (uint32_t seq = base_; seq < cursor_; ++seq) {
    const queue_entry& e = entry(seq);
    HF_ASSERT(e.state == queue_state::finished || e.state == queue_state::expired ||
              e.state == queue_state::removed);
    if (e.state == queue_state::removed) { // remembered, so the bot stays out
      index_.at(e.user) = user_slot{0, 0, queue_state::removed};
      left_pre_queue_.emplace_back(e.user, queue_state::removed);
    } else {
      index_.erase(e.user);
    }
  }
  entries_.erase(entries_.begin(), entries_.begin() + (cursor_ - base_));
  base_ = cursor_;
  rebuild_left();
}

// The Fenwick tree over the remembered seqs; before head_ its values are never
// read, so 1 for everything not queued is as good as the live history.
void admission_queue::rebuild_left() {
  left_.reset(base_ - 1);
  for (const queue_entry& e : entries_)
    left_.push_back(e.state == queue_state::queued ? 0 : 1);
}

bool admission_queue::replay_opened(uint64_t seed, int64_t now_ms) {
  // apply_open asserts what an unopened room looks like; a journal that says
  // otherwise is refused here instead.
  if (opened_ || !entries_.empty() || head_ != 1 || cursor_ != 1 || !replay_time_ok(now_ms))
    return false;
  advance(now_ms);
  apply_open(seed, now_ms);
  return true;
}

bool admission_queue::replay_admitted(user_id user, uint32_t seq, int64_t now_ms,
                                      int64_t expires_ms) {
  if (!opened_ || !replay_time_ok(now_ms)) return false;
  advance(now_ms);
  refill(now_ms);
  if (waiting_ == 0 || seq != head_ || entry(seq).user != user) return false;
  if (active_ >= config_.active_max || expires_ms != now_ms + config_.access_ttl_ms) return false;
  apply_admit(now_ms);
  return true;
}

// The live path journals only changes, so a record that changes nothing
// contradicts the state.
bool admission_queue::replay_leave(user_id user, queue_state to, int64_t now_ms) {
  if (!replay_time_ok(now_ms)) return false;
  advance(now_ms);
  auto it = index_.find(user);
  return it != index_.end() && leave(it->second, to);
}

bool admission_queue::replay_finished(user_id user, int64_t now_ms) {
  return replay_leave(user, queue_state::finished, now_ms);
}

bool admission_queue::replay_removed(user_id user, int64_t now_ms) {
  return replay_leave(user, queue_state::removed, now_ms);
}

} // namespace holdfast

namespace holdfast {

// Every user is in exactly one place, and the index points at it.
bool admission_queue::deep_index_holds() const {
  if (index_.size() > config_.queue_users_max) return false;
  if (opened_ ? !pre_queue_.empty() : !entries_.empty()) return false;
  for (size_t i = 0; i < pre_queue_.size(); ++i) {
    auto it = index_.find(pre_queue_[i]);
    if (it == index_.end() || it->second.seq != 0 || it->second.pre_index != i ||
        it->second.early_state != queue_state::pre_queue)
      return false;
  }
  for (const auto& [user, state] : left_pre_queue_) {
    auto it = index_.find(user);
    if (it == index_.end() || it->second.seq != 0 || it->second.early_state != state) return false;
    if (state != queue_state::finished && state != queue_state::removed) return false;
  }
  size_t unsequenced = 0;
  for (const auto& [user, slot] : index_) {
    if (user == 0) return false;
    if (slot.seq == 0) {
      ++unsequenced;
    } else if (slot.seq < base_ || slot.seq >= next_seq() || entry(slot.seq).user != user) {
      return false;
    }
  }
  return unsequenced == pre_queue_.size() + left_pre_queue_.size() &&
         index_.size() == unsequenced + entries_.size();
}

// Counters, cursors, the Fenwick tree and the credit agree with the entries.
bool admission_queue::deep_counts_hold() const {
  uint32_t waiting = 0;
  uint32_t active = 0;
  int64_t last_admitted_ms = INT64_MIN;
  if (head_ < base_ || cursor_ < base_) return false;
  for (uint32_t seq = base_; seq < next_seq(); ++seq) {
    const auto& e = entry(seq);
    const bool queued = e.state == queue_state::queued;
    const bool admitted = e.state == queue_state::admitted;
    waiting += queued;
    active += admitted;
    if (seq < head_ && queued) return false;     // nobody is skipped
    if (seq < cursor_ && admitted) return false; // the cursor is the oldest access
    if (seq >= head_ && left_.prefix(seq) - left_.prefix(seq - 1) != (queued ? 0u : 1u))
      return false;
    if (admitted && e.admitted_at_ms + config_.access_ttl_ms <= clock_ms_) return false;
    if (admitted || e.state == queue_state::expired) {
      if (e.admitted_at_ms < last_admitted_ms) return false; // admission in seq order
      last_admitted_ms = e.admitted_at_ms;
    }
  }
  if (waiting != waiting_ || active != active_ || active_ > config_.active_max) return false;
  if (head_ > next_seq() || (head_ < next_seq() && entry(head_).state != queue_state::queued))
    return false;
  if (cursor_ > head_ || (cursor_ < head_ && entry(cursor_).state != queue_state::admitted))
    return false;
  return credit_units_ >= 0 && credit_units_ <= credit_cap_units();
}

bool admission_queue::invariants_hold() const {
  return deep_index_holds() && deep_counts_hold();
}

admission_config admission_config_of(const event_config& c) {
  admission_config a;
  a.opens_at_ms = c.onsale.queue_opens_at_ms;
  a.admit_per_min = std::max<uint32_t>(c.onsale.admit_per_min, 1);
  a.active_max = std::max<uint32_t>(c.onsale.active_max, 1);
  a.access_ttl_ms = c.onsale.access_ttl_s * 1000;
  a.shuffle_seed = c.onsale.shuffle_seed;
  return a;
}

} // namespace holdfast

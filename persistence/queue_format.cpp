#include "persistence/queue_format.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "persistence/journal_sink.hpp"

namespace holdfast {

namespace {

void config_to_proto(journal::QueueCreated& p, const admission_config& c) {
  p.set_opens_at_ms(c.opens_at_ms);
  p.set_admit_per_min(c.admit_per_min);
  p.set_active_max(c.active_max);
  p.set_access_ttl_ms(c.access_ttl_ms);
  p.set_shuffle_seed(c.shuffle_seed);
}

} // namespace

admission_config admission_config_from_proto(const journal::QueueCreated& p) {
  admission_config a;
  a.opens_at_ms = p.opens_at_ms();
  a.admit_per_min = p.admit_per_min();
  a.active_max = p.active_max();
  a.access_ttl_ms = p.access_ttl_ms();
  a.shuffle_seed = p.shuffle_seed();
  return a;
}

void queue_journal_sink::created(const admission_config& c, int64_t now_ms) {
  config_to_proto(*frames_.next(now_ms).mutable_queue_created(), c);
  frames_.add();
}

void queue_journal_sink::joined(user_id user, uint32_t seq, bool pre_queue, int64_t now_ms) {
  auto& p = *frames_.next(now_ms).mutable_queue_joined();
  p.set_user(user);
  p.set_seq(seq);
  p.set_pre_queue(pre_queue);
  frames_.add();
}

void queue_journal_sink::opened(uint64_t seed, int64_t now_ms) {
  frames_.next(now_ms).mutable_queue_opened()->set_seed(seed);
  frames_.add();
}

void queue_journal_sink::admitted(user_id user, uint32_t seq, int64_t now_ms, int64_t expires_ms) {
  auto& p = *frames_.next(now_ms).mutable_queue_admitted();
  p.set_user(user);
  p.set_seq(seq);
  p.set_expires_at_ms(expires_ms);
  frames_.add();
}

void queue_journal_sink::finished(user_id user, int64_t now_ms) {
  frames_.next(now_ms).mutable_queue_left()->set_user(user);
  frames_.add();
}

void queue_journal_sink::removed(user_id user, int64_t now_ms) {
  auto& p = *frames_.next(now_ms).mutable_queue_left();
  p.set_user(user);
  p.set_removed(true);
  frames_.add();
}

std::string encode_queue_snapshot(uint32_t stream, const admission_config& c,
                                  const admission_snapshot& s, uint64_t seq) {
  journal::QueueSnapshot p;
  p.set_schema_version(journal_schema_version);
  p.set_stream(stream);
  p.set_seq(seq);
  config_to_proto(*p.mutable_config(), c);
  p.set_clock_ms(s.clock_ms);
  p.set_opened(s.opened);
  p.set_opened_at_ms(s.opened_at_ms);
  p.set_seed(s.seed);
  for (user_id u : s.pre_queue)
    p.add_pre_queue(u);
  std::string left_states;
  for (const auto& [u, state] : s.left_pre_queue) {
    p.add_left_pre_queue_users(u);
    left_states.push_back(static_cast<char>(state));
  }
  p.set_left_pre_queue_states(std::move(left_states));
  std::string states;
  states.reserve(s.entries.size());
  for (const auto& e : s.entries) {
    p.add_entry_users(e.user);
    p.add_entry_admitted_at_ms(e.admitted_at_ms);
    states.push_back(static_cast<char>(e.state));
  }
  p.set_entry_states(std::move(states));
  p.set_first_seq(s.first_seq);
  p.set_credit_units(s.credit_units);
  p.set_refill_at_ms(s.refill_at_ms);
  for (const auto& b : s.rate) {
    p.add_rate_seconds(b.second);
    p.add_rate_admitted(b.admitted);
    p.add_rate_drained(b.drained);
  }
  return p.SerializeAsString();
}

status decode_queue_snapshot(std::string_view blob, std::unique_ptr<admission_queue>& out) {
  journal::QueueSnapshot p;
  if (!p.ParseFromArray(blob.data(), static_cast<int>(blob.size())))
    return status::failure("queue snapshot does not parse");
  if (p.schema_version() == 0 || p.schema_version() > journal_schema_version)
    return status::failure("queue snapshot has schema version " +
                           std::to_string(p.schema_version()));
  const auto n = static_cast<size_t>(p.entry_users_size());
  const auto buckets = static_cast<size_t>(p.rate_seconds_size());
  if (p.entry_admitted_at_ms_size() != static_cast<int>(n) || p.entry_states().size() != n ||
      p.left_pre_queue_states().size() != static_cast<size_t>(p.left_pre_queue_users_size()) ||
      buckets != limits::queue_rate_buckets || p.rate_admitted_size() != p.rate_seconds_size() ||
      p.rate_drained_size() != p.rate_seconds_size())
    return status::failure("queue snapshot columns disagree");
  admission_snapshot s;
  s.clock_ms = p.clock_ms();
  s.opened = p.opened();
  s.opened_at_ms = p.opened_at_ms();
  s.seed = p.seed();
  s.pre_queue.assign(p.pre_queue().begin(), p.pre_queue().end());
  for (int k = 0; k < p.left_pre_queue_users_size(); ++k)
    s.left_pre_queue.emplace_back(p.left_pre_queue_users(k),
                                  static_cast<queue_state>(p.left_pre_queue_states()[k]));
  s.entries.resize(n);
  for (size_t k = 0; k < n; ++k)
    s.entries[k] =
        queue_entry{p.entry_users(static_cast<int>(k)), p.entry_admitted_at_ms(static_cast<int>(k)),
                    static_cast<queue_state>(p.entry_states()[k])};
  s.first_seq = std::max<uint32_t>(p.first_seq(), 1);
  if (s.first_seq - 1 + n >= UINT32_MAX) return status::failure("queue snapshot seqs overflow");
  s.credit_units = p.credit_units();
  s.refill_at_ms = p.refill_at_ms();
  for (size_t k = 0; k < buckets; ++k)
    s.rate[k] =
        rate_bucket{p.rate_seconds(static_cast<int>(k)), p.rate_admitted(static_cast<int>(k)),
                    p.rate_drained(static_cast<int>(k))};
  out = admission_queue::restore(admission_config_from_proto(p.config()), s);
  if (!out) return status::failure("queue snapshot is inconsistent");
  return status::success();
}

bool replay_queue_record(admission_queue& q, const journal::Record& r) {
  switch (r.body_case()) {
  case journal::Record::kQueueJoined:
    return q.replay_joined(r.queue_joined().user(), r.queue_joined().seq(),
                           r.queue_joined().pre_queue(), r.at_ms());
  case journal::Record::kQueueOpened:
    return q.replay_opened(r.queue_opened().seed(), r.at_ms());
  case journal::Record::kQueueAdmitted:
    return q.replay_admitted(r.queue_admitted().user(), r.queue_admitted().seq(), r.at_ms(),
                             r.queue_admitted().expires_at_ms());
  case journal::Record::kQueueLeft:
    return r.queue_left().removed() ? q.replay_removed(r.queue_left().user(), r.at_ms())
                                    : q.replay_finished(r.queue_left().user(), r.at_ms());
  default:
    return false;
  }
}

} // namespace holdfast

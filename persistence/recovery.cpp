#include "persistence/recovery.hpp"

#include <unordered_map>

#include "persistence/checkout_format.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/queue_format.hpp"

namespace holdfast {

class shard_recovery::impl {
public:
  impl(uint32_t shard, venue_source venues, recovery_result& out)
      : shard_(shard), venues_source_(std::move(venues)), out_(out) {}

  status venue_by_id(const std::string& id, std::shared_ptr<const venue>& v) {
    if (auto it = venues_.find(id); it != venues_.end()) {
      v = it->second;
      return status::success();
    }
    std::string blob;
    if (auto st = venues_source_(id, blob); !st) return st;
    if (auto st = decode_venue(blob, v); !st)
      return status::failure(where() + "venue " + id + ": " + st.message);
    venues_.emplace(id, v);
    return status::success();
  }

  status load_snapshot(uint32_t stream, uint64_t seq, std::string_view blob) {
    switch (kind_of_stream(stream)) {
    case stream_kind::event:
      return load_event_snapshot(stream, seq, blob);
    case stream_kind::queue: {
      std::unique_ptr<admission_queue> q;
      if (auto st = decode_queue_snapshot(blob, q); !st)
        return status::failure(where() + "snapshot of stream " + std::to_string(stream) +
                               " at seq " + std::to_string(seq) + ": " + st.message);
      out_.queues[event_of_stream(stream)] = recovered_queue{std::move(q), seq};
      ++out_.snapshots;
      return status::success();
    }
    case stream_kind::checkout: {
      std::unique_ptr<checkout_saga> saga;
      if (auto st = decode_checkout_snapshot(blob, event_of_stream(stream), saga); !st)
        return status::failure(where() + "snapshot of stream " + std::to_string(stream) +
                               " at seq " + std::to_string(seq) + ": " + st.message);
      out_.checkouts[event_of_stream(stream)] = recovered_checkout{std::move(saga), seq};
      ++out_.snapshots;
      return status::success();
    }
    default:
      return status::failure(where() + "snapshot of unknown stream " + std::to_string(stream));
    }
  }

  status apply(uint64_t seq, uint32_t stream, std::string_view blob) {
    journal::Record r;
    if (auto st = decode_record(blob, shard_, seq, r); !st) return st;
    if (r.event_id() != stream) return contradiction(seq, "stream id differs from its row");
    switch (kind_of_stream(stream)) {
    case stream_kind::event:
      return apply_event(seq, stream, r);
    case stream_kind::queue:
      return apply_queue(seq, event_of_stream(stream), r);
    case stream_kind::checkout:
      return apply_checkout(seq, event_of_stream(stream), r);
    default:
      return contradiction(seq, "record of an unknown stream");
    }
  }

  status finish() const {
    for (const auto& [id, e] : out_.events)
      if (!e.state->invariants_hold())
        return status::failure(where() + "event " + std::to_string(id) +
                               " contradicts itself after replay");
    return status::success();
  }

private:
  status apply_queue(uint64_t seq, event_id event, const journal::Record& r) {
    auto it = out_.queues.find(event);
    if (it != out_.queues.end() && seq <= it->second.snapshot_seq) return status::success();
    if (r.body_case() == journal::Record::kQueueCreated) {
      if (it != out_.queues.end()) return contradiction(seq, "waiting room created twice");
      const auto config = admission_config_from_proto(r.queue_created());
      if (!admission_config_ok(config)) return contradiction(seq, "waiting room config invalid");
      out_.queues[event] = recovered_queue{std::make_shared<admission_queue>(config), 0};
      ++out_.records;
      return status::success();
    }
    if (it == out_.queues.end()) return contradiction(seq, "record for an unknown waiting room");
    if (!replay_queue_record(*it->second.queue, r))
      return contradiction(seq, "record contradicts the waiting room");
    ++out_.records;
    return status::success();
  }

  // A checkout stream has no creation record: its first attempt starts it.
  status apply_checkout(uint64_t seq, event_id event, const journal::Record& r) {
    auto it = out_.checkouts.find(event);
    if (it != out_.checkouts.end() && seq <= it->second.snapshot_seq) return status::success();
    if (it == out_.checkouts.end())
      it = out_.checkouts
               .emplace(event,
                        recovered_checkout{
                            std::make_shared<checkout_saga>(checkout_config_of(event)), 0})
               .first;
    if (!replay_checkout_record(*it->second.saga, r))
      return contradiction(seq, "record contradicts the checkout saga");
    ++out_.records;
    return status::success();
  }

  status load_event_snapshot(event_id event, uint64_t seq, std::string_view blob) {
    journal::EventSnapshot proto;
    if (auto st = decode_snapshot(blob, shard_, proto); !st) return st;
    std::shared_ptr<const venue> v;
    if (auto st = venue_by_id(proto.config().venue_id(), v); !st) return st;
    auto state = event_state::restore(v, snapshot_from_proto(proto));
    if (!state)
      return status::failure(where() + "snapshot of event " + std::to_string(event) + " at seq " +
                             std::to_string(seq) + " is inconsistent");
    out_.events[event] = recovered_event{std::move(state), v, seq, 0};
    ++out_.snapshots;
    return status::success();
  }

  status apply_event(uint64_t seq, event_id event, const journal::Record& r) {
    auto it = out_.events.find(event);
    if (it != out_.events.end() && seq <= it->second.snapshot_seq) return status::success();
    if (r.body_case() == journal::Record::kEventCreated) {
      if (it != out_.events.end()) return contradiction(seq, "event created twice");
      std::shared_ptr<const venue> v;
      if (auto st = venue_by_id(r.event_created().venue_id(), v); !st) return st;
      const auto config = config_from_proto(event, r.event_created());
      if (!event_config_ok(config)) return contradiction(seq, "event config invalid");
      auto state = std::make_shared<event_state>(v, config);
      out_.events[event] = recovered_event{std::move(state), v, 0, 1};
      ++out_.records;
      return status::success();
    }
    if (it == out_.events.end()) return contradiction(seq, "record for an unknown event");
    if (!replay_event_record(*it->second.state, r))
      return contradiction(seq, "record contradicts the state");
    ++it->second.records_replayed;
    ++out_.records;
    return status::success();
  }

  std::string where() const { return "shard " + std::to_string(shard_) + ": "; }
  status contradiction(uint64_t seq, const char* what) const {
    return status::failure(where() + "journal seq " + std::to_string(seq) + ": " + what);
  }

  uint32_t shard_;
  venue_source venues_source_;
  recovery_result& out_;
  std::unordered_map<std::string, std::shared_ptr<const venue>> venues_;
};

shard_recovery::shard_recovery(uint32_t shard, venue_source venues, recovery_result& out)
    : impl_(std::make_unique<impl>(shard, std::move(venues), out)) {}
shard_recovery::~shard_recovery() = default;

status shard_recovery::load_snapshot(uint32_t stream, uint64_t seq, std::string_view blob) {
  return impl_->load_snapshot(stream, seq, blob);
}

status shard_recovery::apply(uint64_t seq, uint32_t stream, std::string_view blob) {
  return impl_->apply(seq, stream, blob);
}

status shard_recovery::finish() {
  return impl_->finish();
}

status recover_shard(const shard_store& store, const recovery_options& options,
                     recovery_result& out) {
  shard_recovery r{store.shard(),
                   [&store](const std::string& id, std::string& blob) {
                     return store.get_venue(id, blob);
                   },
                   out};
  if (!options.journal_only) {
    auto st =
        store.latest_snapshots([&](event_id e, uint64_t seq,
                                   std::string_view blob) { return r.load_snapshot(e, seq, blob); },
                               options.older_snapshot ? 1 : 0);
    if (!st) return st;
  }
  auto st = store.scan(
      0, [&](uint64_t seq, event_id e, std::string_view blob) { return r.apply(seq, e, blob); });
  if (!st) return st;
  return r.finish();
}

} // namespace holdfast

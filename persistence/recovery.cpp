#include "persistence/recovery.hpp"

#include <unordered_map>

#include "persistence/journal_format.hpp"

namespace holdfast {

namespace {

class recovery {
public:
  recovery(const shard_store& store, recovery_result& out) : store_(store), out_(out) {}

  store_status venue_by_id(const std::string& id, std::shared_ptr<const venue>& v) {
    if (auto it = venues_.find(id); it != venues_.end()) {
      v = it->second;
      return store_status::success();
    }
    std::string blob;
    if (auto st = store_.get_venue(id, blob); !st) return st;
    if (auto st = decode_venue(blob, v); !st)
      return store_status::failure(where() + "venue " + id + ": " + st.message);
    venues_.emplace(id, v);
    return store_status::success();
  }

  store_status load_snapshot(event_id event, uint64_t seq, std::string_view blob) {
    journal::EventSnapshot proto;
    if (auto st = decode_snapshot(blob, store_.shard(), proto); !st) return st;
    std::shared_ptr<const venue> v;
    if (auto st = venue_by_id(proto.config().venue_id(), v); !st) return st;
    auto state = event_state::restore(v, snapshot_from_proto(proto));
    if (!state)
      return store_status::failure(where() + "snapshot of event " + std::to_string(event) +
                                   " at seq " + std::to_string(seq) + " is inconsistent");
    out_.events[event] = recovered_event{std::move(state), v, seq, 0};
    ++out_.snapshots;
    return store_status::success();
  }

  store_status apply(uint64_t seq, event_id event, std::string_view blob) {
    journal::Record r;
    if (auto st = decode_record(blob, store_.shard(), seq, r); !st) return st;
    if (r.event_id() != event) return contradiction(seq, "event id differs from its row");
    auto it = out_.events.find(event);
    if (it != out_.events.end() && seq <= it->second.snapshot_seq) return store_status::success();
    if (r.body_case() == journal::Record::kEventCreated) {
      if (it != out_.events.end()) return contradiction(seq, "event created twice");
      std::shared_ptr<const venue> v;
      if (auto st = venue_by_id(r.event_created().venue_id(), v); !st) return st;
      auto state = std::make_shared<event_state>(v, config_from_proto(event, r.event_created()));
      out_.events[event] = recovered_event{std::move(state), v, 0, 1};
      ++out_.records;
      return store_status::success();
    }
    if (it == out_.events.end()) return contradiction(seq, "record for an unknown event");
    if (!replay(*it->second.state, r)) return contradiction(seq, "record contradicts the state");
    ++it->second.records_replayed;
    ++out_.records;
    return store_status::success();
  }

private:
  static bool replay(event_state& state, const journal::Record& r) {
    switch (r.body_case()) {
    case journal::Record::kStatusChanged:
      state.replay_status(status_from_proto(r.status_changed().status()));
      return true;
    case journal::Record::kHoldPlaced:
      return state.replay_hold_placed(r.hold_placed().hold_seq(), hold_from_proto(r.hold_placed()));
    case journal::Record::kHoldReleased:
      return state.replay_hold_released(r.hold_released().hold_seq(),
                                        reason_from_proto(r.hold_released().reason()));
    case journal::Record::kOrderConfirmed:
      return state.replay_order_confirmed(r.order_confirmed().order_seq(),
                                          order_from_proto(r.order_confirmed()));
    case journal::Record::kPriceChanged:
      return state.replay_price(static_cast<uint16_t>(r.price_changed().section()),
                                r.price_changed().price_cents());
    default:
      return false;
    }
  }

  std::string where() const { return "shard " + std::to_string(store_.shard()) + ": "; }
  store_status contradiction(uint64_t seq, const char* what) const {
    return store_status::failure(where() + "journal seq " + std::to_string(seq) + ": " + what);
  }

  const shard_store& store_;
  recovery_result& out_;
  std::unordered_map<std::string, std::shared_ptr<const venue>> venues_;
};

} // namespace

store_status recover_shard(const shard_store& store, const recovery_options& options,
                           recovery_result& out) {
  recovery r{store, out};
  if (!options.journal_only) {
    auto st =
        store.latest_snapshots([&](event_id e, uint64_t seq,
                                   std::string_view blob) { return r.load_snapshot(e, seq, blob); },
                               options.older_snapshot ? 1 : 0);
    if (!st) return st;
  }
  return store.scan(
      0, [&](uint64_t seq, event_id e, std::string_view blob) { return r.apply(seq, e, blob); });
}

} // namespace holdfast

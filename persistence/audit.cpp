#include "persistence/audit.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>

#include "payments/test_provider.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/recovery.hpp"

namespace holdfast {

namespace {

// The independent model: per event, which hold owns which places and which
// order bought which seat. Deliberately simple and separate from event_state.
struct event_ledger {
  std::shared_ptr<const venue> hall;
  std::unordered_map<uint32_t, journal::HoldPlaced> live_holds;
  std::unordered_map<uint32_t, uint32_t> seat_owner; // seat -> order seq
  std::map<uint32_t, uint64_t> ga_sold;              // area -> places
  uint32_t orders = 0;
};

class ledger_walk {
public:
  ledger_walk(const shard_store& store, audit_report& report) : store_(store), report_(report) {}

  void violation(uint64_t seq, event_id e, const std::string& what) {
    report_.violations.push_back("shard " + std::to_string(store_.shard()) + " seq " +
                                 std::to_string(seq) + " event " + std::to_string(e) + ": " + what);
  }

  // A compacted journal starts after a snapshot: seed from that snapshot (the
  // stored one, not the recovered state, which already includes the tail).
  status seed(const recovery_result& recovered, uint64_t first_seq) {
    return store_.latest_snapshots([&](event_id id, uint64_t seq, std::string_view blob) {
      if (first_seq != 0 && seq + 1 < first_seq)
        return status::failure("shard " + std::to_string(store_.shard()) + ": event " +
                               std::to_string(id) + " journal starts at " +
                               std::to_string(first_seq) + ", after its snapshot " +
                               std::to_string(seq));
      if (first_seq == 1) return status::success(); // full journal: walk it all
      // Waiting rooms and checkouts sell nothing: their records are only typed-checked.
      if (kind_of_stream(id) != stream_kind::event) return status::success();
      journal::EventSnapshot proto;
      if (auto st = decode_snapshot(blob, store_.shard(), proto); !st) return st;
      const auto snap = snapshot_from_proto(proto);
      auto& l = ledgers_[id];
      if (auto it = recovered.events.find(id); it != recovered.events.end())
        l.hall = it->second.hall;
      for (uint32_t k = 0; k < snap.orders.size(); ++k)
        sell(0, id, l, k + 1, snap.orders[k]);
      for (const auto& [hseq, h] : snap.holds) {
        journal::HoldPlaced p;
        hold_to_proto(p, hseq, h);
        l.live_holds.emplace(hseq, p);
      }
      skip_until_[id] = seq;
      return status::success();
    });
  }

  status step(uint64_t seq, event_id e, std::string_view blob) {
    journal::Record r;
    if (auto st = decode_record(blob, store_.shard(), seq, r); !st) return st;
    ++report_.records;
    if (auto it = skip_until_.find(e); it != skip_until_.end() && seq <= it->second)
      return status::success();
    if (kind_of_stream(e) != stream_kind::event) {
      if (!belongs(kind_of_stream(e), r.body_case()))
        violation(seq, e, "record of another stream's type");
      return status::success();
    }
    auto& l = ledgers_[e];
    switch (r.body_case()) {
    case journal::Record::kEventCreated: {
      std::string blob_v;
      if (auto st = store_.get_venue(r.event_created().venue_id(), blob_v); !st) return st;
      if (auto st = decode_venue(blob_v, l.hall); !st) return st;
      break;
    }
    case journal::Record::kHoldPlaced: {
      const auto& h = r.hold_placed();
      if (!l.live_holds.emplace(h.hold_seq(), h).second) violation(seq, e, "hold placed twice");
      for (auto s : h.seats())
        if (l.seat_owner.count(s)) violation(seq, e, "hold on sold seat " + std::to_string(s));
      break;
    }
    case journal::Record::kHoldReleased:
      if (l.live_holds.erase(r.hold_released().hold_seq()) == 0)
        violation(seq, e, "release of a hold that is not live");
      break;
    case journal::Record::kOrderConfirmed: {
      const auto& o = r.order_confirmed();
      auto h = l.live_holds.find(o.hold_seq());
      if (h == l.live_holds.end()) {
        violation(seq, e, "order " + std::to_string(o.order_seq()) + " without a live hold");
        break;
      }
      if (!std::equal(h->second.seats().begin(), h->second.seats().end(), o.seats().begin(),
                      o.seats().end()) ||
          h->second.quantity() != o.quantity() || h->second.user() != o.user())
        violation(seq, e, "order " + std::to_string(o.order_seq()) + " differs from its hold");
      l.live_holds.erase(h);
      sell(seq, e, l, o.order_seq(), order_from_proto(o));
      break;
    }
    case journal::Record::kStatusChanged:
    case journal::Record::kPriceChanged:
    case journal::Record::kWaitlistJoined:
    case journal::Record::kWaitlistOffered: // the offer's hold has its own HoldPlaced
    case journal::Record::kWaitlistEnded:
      break;
    default:
      violation(seq, e, "record of another stream's type");
      break;
    }
    return status::success();
  }

  void finish() {
    for (auto& [e, l] : ledgers_) {
      report_.orders += l.orders;
      report_.live_holds += l.live_holds.size();
      report_.seats_sold += l.seat_owner.size();
      for (auto& [area, sold] : l.ga_sold) {
        report_.ga_places_sold += sold;
        if (!l.hall || area >= l.hall->sections().size() ||
            sold > l.hall->sections()[area].ga_capacity)
          violation(0, e,
                    "GA area " + std::to_string(area) + " sold " + std::to_string(sold) +
                        " places, past its capacity");
      }
    }
  }

private:
  static bool belongs(stream_kind k, journal::Record::BodyCase b) {
    using R = journal::Record;
    if (k == stream_kind::queue)
      return b == R::kQueueCreated || b == R::kQueueJoined || b == R::kQueueOpened ||
             b == R::kQueueAdmitted || b == R::kQueueLeft;
    if (k == stream_kind::checkout)
      return b == R::kCheckoutStarted || b == R::kCheckoutState || b == R::kCheckoutEvicted;
    return false;
  }

  void sell(uint64_t seq, event_id e, event_ledger& l, uint32_t order_seq, const order_record& o) {
    if (order_seq != l.orders + 1) violation(seq, e, "order sequence skips");
    l.orders = std::max(l.orders, order_seq);
    if (o.ga_area != no_area) l.ga_sold[o.ga_area] += o.quantity;
    for (seat_index s : o.seat_span()) {
      auto [it, fresh] = l.seat_owner.emplace(s, order_seq);
      if (!fresh)
        violation(seq, e,
                  "seat " + std::to_string(s) + " sold twice (orders " +
                      std::to_string(it->second) + " and " + std::to_string(order_seq) + ")");
    }
  }

  const shard_store& store_;
  audit_report& report_;
  std::map<event_id, event_ledger> ledgers_;
  std::map<event_id, uint64_t> skip_until_;
};

bool same_state(const event_state& a, const event_state& b) {
  auto x = a.export_snapshot(), y = b.export_snapshot();
  auto same_orders = [](const order_record& p, const order_record& q) {
    return p.hold_seq == q.hold_seq && p.user == q.user && p.total_cents == q.total_cents &&
           p.ga_area == q.ga_area && p.quantity == q.quantity &&
           std::equal(p.seats, p.seats + p.seat_count, q.seats, q.seats + q.seat_count);
  };
  auto same_holds = [](const auto& p, const auto& q) {
    return p.first == q.first && p.second.user == q.second.user &&
           p.second.expires_at_ms == q.second.expires_at_ms &&
           p.second.total_cents == q.second.total_cents && p.second.quantity == q.second.quantity &&
           std::equal(p.second.seats, p.second.seats + p.second.seat_count, q.second.seats,
                      q.second.seats + q.second.seat_count);
  };
  return x.status == y.status && x.prices == y.prices && x.hold_seq == y.hold_seq &&
         std::equal(x.orders.begin(), x.orders.end(), y.orders.begin(), y.orders.end(),
                    same_orders) &&
         std::equal(x.holds.begin(), x.holds.end(), y.holds.begin(), y.holds.end(), same_holds);
}

// What the payments check needs from every shard: each event's orders and
// each checkout attempt, as recovered (newest snapshot + tail).
struct sold_order {
  hold_id hold = no_id;
  user_id user = 0;
  int64_t total_cents = 0;
  uint32_t payments = 0; // attempts that claim it
};
struct payments_view {
  std::map<order_id, sold_order> orders;
  std::vector<attempt> attempts;
};

void collect_payments(const recovery_result& r, payments_view& view) {
  for (const auto& [id, ev] : r.events) {
    const auto snap = ev.state->export_snapshot();
    for (uint32_t k = 0; k < snap.orders.size(); ++k) {
      const auto& o = snap.orders[k];
      view.orders[make_event_scoped_id(id, k + 1)] =
          sold_order{make_event_scoped_id(id, o.hold_seq), o.user, o.total_cents, 0};
    }
  }
  for (const auto& [id, c] : r.checkouts)
    for (auto& a : c.saga->export_snapshot().attempts)
      view.attempts.push_back(std::move(a));
}

void audit_shard(const std::string& path, uint32_t shard, audit_report& report,
                 payments_view& payments) {
  std::unique_ptr<shard_store> store;
  if (auto st = shard_store::open(path, shard, true, store); !st) {
    report.errors.push_back(st.message);
    return;
  }
  ++report.shards;
  recovery_result with_snapshots;
  if (auto st = recover_shard(*store, {}, with_snapshots); !st) {
    report.errors.push_back(st.message);
    return;
  }
  report.events += with_snapshots.events.size();
  collect_payments(with_snapshots, payments);
  for (const auto& [id, ev] : with_snapshots.events)
    if (!ev.state->invariants_hold())
      report.violations.push_back("shard " + std::to_string(shard) + " event " +
                                  std::to_string(id) + ": recovered state breaks an invariant");

  uint64_t first_seq = 0, rows = 0;
  if (auto st = store->journal_bounds(first_seq, rows); !st) {
    report.errors.push_back(st.message);
    return;
  }
  ledger_walk walk{*store, report};
  if (auto st = walk.seed(with_snapshots, first_seq); !st) {
    report.errors.push_back(st.message);
    return;
  }
  if (auto st = store->scan(0, [&](uint64_t seq, event_id e,
                                   std::string_view blob) { return walk.step(seq, e, blob); });
      !st) {
    report.errors.push_back(st.message);
    return;
  }
  walk.finish();

  // Newest snapshot + tail must equal an independent derivation: a replay of
  // the whole journal while it is complete, else the older snapshot + the
  // longer tail (compaction keeps the journal back to the older snapshot).
  if (rows > 0) {
    recovery_result full;
    recovery_options other;
    other.journal_only = first_seq == 1;
    other.older_snapshot = first_seq != 1;
    if (auto st = recover_shard(*store, other, full); !st) {
      report.errors.push_back(st.message);
      return;
    }
    for (const auto& [id, ev] : with_snapshots.events) {
      if (ev.snapshot_seq == 0) continue;
      ++report.snapshot_comparisons;
      auto it = full.events.find(id);
      if (it == full.events.end() || !same_state(*ev.state, *it->second.state))
        report.violations.push_back("shard " + std::to_string(shard) + " event " +
                                    std::to_string(id) +
                                    ": snapshot + journal differs from a full replay");
    }
  }
}

// The provider state an attempt in `s` may be found in, and whether that
// means work is still due (in flight) rather than done.
bool provider_agrees(saga_state s, provider_state p, bool& in_flight) {
  using ps = provider_state;
  in_flight = false;
  switch (s) {
  case saga_state::captured:
    return p == ps::captured;
  case saga_state::confirmed: // the capture is due
    in_flight = p == ps::authorized;
    return p == ps::authorized || p == ps::captured;
  case saga_state::declined:
  case saga_state::refunded:
    return p != ps::authorized && p != ps::captured;
  case saga_state::started: // an authorize, lookup or refund may still be on its way
  case saga_state::unknown:
  case saga_state::authorized:
  case saga_state::refunding:
    in_flight = true;
    return p != ps::captured;
  }
  return false;
}

void audit_payments(const std::string& data_dir, payments_view& view, audit_report& report) {
  const std::string path = data_dir + "/payments.sqlite";
  std::vector<ledger_row> rows;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    if (auto st = test_provider::read_ledger(path, rows); !st) {
      report.errors.push_back(st.message);
      return;
    }
  }
  std::map<std::string, const ledger_row*, std::less<>> ledger;
  for (const auto& row : rows)
    ledger.emplace(row.key, &row);
  auto violation = [&](const std::string& key, const std::string& what) {
    report.violations.push_back("payment " + key + ": " + what);
  };
  std::set<std::string_view> known;
  for (const attempt& a : view.attempts) {
    const auto& rec = a.record;
    known.insert(rec.payment_key);
    ++report.payment_attempts;
    auto it = ledger.find(rec.payment_key);
    const provider_state p = it == ledger.end() ? provider_state::unknown : it->second->state;
    bool in_flight = false;
    if (!provider_agrees(a.state, p, in_flight))
      violation(rec.payment_key, std::string("saga says ") + std::string(saga_state_name(a.state)) +
                                     ", provider says " + std::string(provider_state_name(p)));
    if (p == provider_state::captured && it->second->amount_cents != rec.amount_cents)
      violation(rec.payment_key, "captured " + std::to_string(it->second->amount_cents) +
                                     " cents for a hold of " + std::to_string(rec.amount_cents));
    report.payments_in_flight += in_flight;
    report.payments_declined += a.state == saga_state::declined;
    report.payments_refunded += a.state == saga_state::refunded;
    if (a.state != saga_state::confirmed && a.state != saga_state::captured) continue;
    report.payments_captured += a.state == saga_state::captured;
    if (p == provider_state::captured) report.captured_cents += rec.amount_cents;
    auto o = view.orders.find(a.order);
    if (o == view.orders.end()) {
      violation(rec.payment_key,
                "paid for order " + std::to_string(a.order) + ", which is not sold");
      continue;
    }
    ++o->second.payments;
    if (o->second.hold != rec.hold || o->second.user != rec.user ||
        o->second.total_cents != rec.amount_cents)
      violation(rec.payment_key, "order " + std::to_string(a.order) +
                                     " differs from the payment (hold, user or amount)");
  }
  for (const auto& row : rows)
    if ((row.state == provider_state::authorized || row.state == provider_state::captured) &&
        !known.contains(row.key))
      violation(row.key, "money taken at the provider with no checkout attempt");
  for (const auto& [id, o] : view.orders)
    if (o.payments != 1)
      report.violations.push_back("order " + std::to_string(id) + " has " +
                                  std::to_string(o.payments) + " payments (wants exactly one)");
}

} // namespace

audit_report audit_data_dir(const std::string& data_dir) {
  audit_report report;
  const std::regex name{R"(shard-(\d+)\.db)"};
  std::vector<std::pair<uint32_t, std::string>> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir, ec)) {
    std::smatch m;
    const auto file = entry.path().filename().string();
    if (std::regex_match(file, m, name))
      files.emplace_back(static_cast<uint32_t>(std::stoul(m[1])), entry.path().string());
  }
  if (ec) report.errors.push_back(data_dir + ": " + ec.message());
  // An empty or mistyped directory has nothing to vouch for: that is not a pass.
  else if (files.empty())
    report.errors.push_back(data_dir + ": no shard databases (shard-<n>.db) to audit");
  std::sort(files.begin(), files.end());
  payments_view payments;
  for (const auto& [shard, path] : files)
    audit_shard(path, shard, report, payments);
  audit_payments(data_dir, payments, report);
  return report;
}

} // namespace holdfast

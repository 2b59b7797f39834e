// The waitlist of one event, as a pure state machine: users who found no seats
// join with a section (or any section) and a quantity; when seats come back the
// event offers them a hold, strictly in join order among the requests it can
// fill right now. No CAF, no clock: time arrives as now_ms. The event state
// hosts one of these beside its seat inventory and owns the seats and holds.
//
//            join              offered(hold)              fulfilled (hold paid)
//   (none) -------> waiting -------------------> offered -----------------------> fulfilled
//                      |                          |    |
//            cancelled |                cancelled |    | lapsed (window passed, or the
//                      v                          v    v  hold ended unpaid)
//                  cancelled                  cancelled  expired
//
// Fairness. next_offer() hands out the first waiting entry, in join order, whose
// request the host could fill now. An earlier entry that wants more seats than
// are free is passed over for this release only: it keeps its place (and its
// position), and the next release that fits it goes to it before anyone who
// joined after it. A large request can still be overtaken by smaller ones while
// seats trickle back one at a time; that is the price of never leaving released
// seats unoffered while someone could take them.
//
// Cost. Waiting entries sit in FIFO queues, one per (section or any, quantity).
// Everyone in one queue asks the host the same question, so only the queue's
// front matters: next_offer() walks the fronts in join order and asks once per
// queue, never once per entry, however long the list. Entries that leave a
// queue from the middle stay as tombstones until they reach its front (lazy
// deletion, amortised O(1)). Positions come from a Fenwick tree over seqs
// (1 = waiting): O(log n).
//
// Bounded memory. Finished entries (expired, fulfilled, cancelled) are kept so
// a user polling their entry still sees how it ended, but only while there is
// room: when a join finds entries_max entries retained, the older half of the
// finished ones (by seq) is compacted away, and their seqs answer as unknown
// from then on. Live entries are never compacted, and compaction depends only
// on the sequence of joins and endings, so replay and restore compact exactly
// as the live path did. So no join is ever refused because of entries that
// have finished: one user looping join/cancel cannot exhaust the waitlist.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/event_messages.hpp"
#include "core/ids.hpp"
#include "core/limits.hpp"

namespace holdfast {

enum class waitlist_status : uint8_t { waiting = 0, offered, expired, fulfilled, cancelled };
std::string_view status_name(waitlist_status s);

// Why a join was refused. The string form is a stable machine code; never rename one.
enum class waitlist_code : uint8_t {
  ok = 0,
  invalid_request,    // quantity 0 or above hold_seats_max, or a section id out of range
  user_limit,         // the user already has user_live_entries_max live entries here
  waitlist_full,      // live entries are at live_entries_max
  waitlist_exhausted, // every 32-bit seq was used (finished entries no longer count)
};
std::string_view code_name(waitlist_code code);

struct waitlist_config {
  uint32_t live_entries_max = limits::waitlist_live_entries_max_default;
  uint32_t entries_max = limits::waitlist_entries_max_default;
  uint32_t user_live_entries_max = limits::waitlist_user_live_entries_max_default;
  bool operator==(const waitlist_config&) const = default;
};

// One entry as stored, journaled and snapshotted; its seq is kept beside it.
// hold and offer_expires_at_ms stay set after an offer ends, as history.
struct waitlist_entry {
  user_id user = 0;
  hold_id hold = no_id;
  int64_t joined_at_ms = 0;
  int64_t offer_expires_at_ms = 0;
  uint16_t section = no_area; // no_area: any section
  uint16_t quantity = 0;
  waitlist_status status = waitlist_status::waiting;
  bool operator==(const waitlist_entry&) const = default;
};

struct waitlist_view : waitlist_entry {
  uint32_t seq = 0;      // per event, 1-based, in join order
  uint32_t position = 0; // 1-based among waiting entries; 0 when not waiting
};

struct waitlist_join {
  waitlist_code code = waitlist_code::ok;
  uint32_t seq = 0;      // 0 when refused
  uint32_t position = 0; // 0 when refused or when the existing entry is already offered
  bool existing = false; // the user already had a live entry for this section preference
};

// Told about every change as it is decided, in decision order, so the host can
// journal it; the waitlist::replay_* functions take the same records back and
// never call the sink.
class waitlist_sink {
public:
  virtual ~waitlist_sink() = default;
  virtual void joined(uint32_t seq, const waitlist_entry& e) = 0;
  virtual void offered(uint32_t seq, hold_id hold, int64_t expires_at_ms) = 0;
  virtual void lapsed(uint32_t seq, int64_t now_ms) = 0;
  virtual void fulfilled(uint32_t seq, int64_t now_ms) = 0;
  virtual void cancelled(uint32_t seq) = 0;
};

// Everything needed to rebuild a waitlist; queues, positions and indexes are
// derived from it on restore.
struct waitlist_snapshot {
  waitlist_config config;
  std::vector<waitlist_entry> entries; // the retained entries, in seq order
  std::vector<uint32_t> seqs;          // entries[k]'s seq; empty: 1, 2, 3, ... (older snapshots)
  uint32_t next_seq = 0;               // the next join's seq; 0: after the last entry
  bool operator==(const waitlist_snapshot&) const = default;
};

class waitlist {
public:
  explicit waitlist(waitlist_config config = {});

  // Adds the user to the end of the list, or returns the live entry they already
  // have for this section preference (its quantity stays; nothing is journaled).
  waitlist_join join(user_id user, uint16_t section, uint16_t quantity, int64_t now_ms);

  // The first waiting entry in join order whose request fits(section_or_any,
  // quantity) says the host could fill now; nullopt when none. Changes nothing:
  // the host makes the hold, then calls offered(). Calls fits once per distinct
  // (section, quantity) at most, in join order of the queue fronts.
  template <std::predicate<uint16_t, uint16_t> Fits>
  std::optional<waitlist_view> next_offer(Fits&& fits) const;

  // The transitions of the diagram above. REQUIRES: the entry is in a state the
  // diagram allows (the host checks find() at its edge; a wrong call asserts).
  // offered: waiting -> offered, holding `hold` until expires_at_ms.
  void offered(uint32_t seq, hold_id hold, int64_t expires_at_ms);
  // offered -> expired: the offer's seats go back; the host offers them on.
  void lapsed(uint32_t seq, int64_t now_ms);
  // offered -> fulfilled: the offered hold was paid.
  void fulfilled(uint32_t seq, int64_t now_ms);
  // waiting or offered -> cancelled. An offered entry's hold is the host's to release.
  void cancelled(uint32_t seq);

  // The entry whose offer is `hold`, while that offer is live (status offered).
  std::optional<uint32_t> entry_of_hold(hold_id hold) const;
  std::optional<waitlist_view> find(uint32_t seq) const;

  void set_sink(waitlist_sink* sink) { sink_ = sink; }

  waitlist_snapshot export_snapshot() const;
  // nullptr when the snapshot contradicts itself (a corrupt or foreign file).
  static std::unique_ptr<waitlist> restore(const waitlist_snapshot& snap);

  // Recovery: re-applies journaled changes without calling the sink. False when
  // a record contradicts the state; the waitlist is then unusable. The join
  // limits are not re-checked: the journal is the record of what was accepted.
  bool replay_joined(uint32_t seq, const waitlist_entry& e);
  bool replay_offered(uint32_t seq, hold_id hold, int64_t expires_at_ms);
  bool replay_lapsed(uint32_t seq);
  bool replay_fulfilled(uint32_t seq);
  bool replay_cancelled(uint32_t seq);

  const waitlist_config& config() const { return config_; }
  // Entries retained now (live and finished), and seqs handed out ever.
  uint32_t entries_retained() const { return static_cast<uint32_t>(entries_.size()); }
  uint32_t entries_recorded() const { return next_seq_ - 1; }
  uint32_t waiting_count() const { return waiting_count_; }
  uint32_t live_count() const { return live_count_; }

  // Deep O(n) check of every index against the entries. For tests.
  bool invariants_hold() const;
  static bool config_valid(const waitlist_config& c);

private:
  // Waiting entries with one (section, quantity), in join order; seqs before
  // front_ are gone, later ones may be tombstones (no longer waiting).
  struct offer_queue {
    uint16_t section = no_area;
    uint16_t quantity = 0;
    uint32_t front = 0;
    std::vector<uint32_t> seqs;
  };
  struct user_live {
    uint32_t count = 0;
    std::array<uint32_t, limits::waitlist_user_live_entries_max_max> seqs{};
  };

  std::optional<uint32_t> index_of(uint32_t seq) const; // into entries_, when retained
  bool known(uint32_t seq) const { return index_of(seq).has_value(); }
  waitlist_entry& entry(uint32_t seq) { return entries_[*index_of(seq)]; }
  const waitlist_entry& entry(uint32_t seq) const { return entries_[*index_of(seq)]; }
  bool is_waiting(uint32_t seq) const;
  bool make_room();
  void compact(uint32_t finished_drop);
  void rebuild_tree();
  bool accept_joined(uint32_t seq, const waitlist_entry& e);
  waitlist_view view(uint32_t seq) const;
  uint32_t position_of(uint32_t seq) const;
  std::optional<uint32_t> live_entry(user_id user, uint16_t section) const;
  uint32_t user_live_count(user_id user) const;

  void add_waiting(uint32_t seq, const waitlist_entry& e);
  void enqueue(uint32_t seq, uint16_t section, uint16_t quantity);
  void leave_waiting(uint32_t seq, waitlist_status to);
  void drop_live(user_id user, uint32_t seq);
  bool apply_offered(uint32_t seq, hold_id hold, int64_t expires_at_ms);
  bool apply_finish(uint32_t seq, waitlist_status to);
  bool restore_entry(uint32_t seq, const waitlist_entry& e);

  // Fenwick tree over entries_ indexes, 1-based: how many waiting entries are
  // among the first n retained ones.
  uint32_t waiting_up_to(uint32_t n) const;
  void append_waiting(uint32_t n);
  void unmark_waiting(uint32_t n);

  bool entries_consistent() const;
  bool tree_consistent() const;
  bool queues_consistent() const;
  bool users_consistent() const;

  waitlist_config config_;
  std::vector<waitlist_entry> entries_; // retained entries, in seq order
  std::vector<uint32_t> seqs_;          // entries_[k]'s seq, ascending
  uint32_t next_seq_ = 1;
  uint32_t finished_count_ = 0;                         // retained entries no longer live
  std::vector<uint32_t> waiting_tree_;                  // Fenwick nodes; index 0 unused
  std::vector<offer_queue> queues_;                     // never removed; <= waitlist_queues_max
  std::unordered_map<uint32_t, uint32_t> queue_of_key_; // (section << 16 | quantity) -> queues_
  std::map<uint32_t, uint32_t> fronts_; // front seq -> queue, for non-empty queues: scan order
  std::unordered_map<user_id, user_live> users_;         // users with live entries only
  std::unordered_map<hold_id, uint32_t> entry_of_offer_; // live offers only
  uint32_t waiting_count_ = 0;
  uint32_t live_count_ = 0;
  waitlist_sink* sink_ = nullptr;
};

template <std::predicate<uint16_t, uint16_t> Fits>
std::optional<waitlist_view> waitlist::next_offer(Fits&& fits) const {
  // Everyone behind a queue's front joined later and asks the same question, so
  // the first front (in join order) that fits is the earliest fitting entry.
  for (const auto& [seq, queue] : fronts_) {
    const offer_queue& q = queues_[queue];
    if (fits(q.section, q.quantity)) return view(seq);
  }
  return std::nullopt;
}

} // namespace holdfast

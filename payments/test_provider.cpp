#include "payments/test_provider.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <functional>

#include "core/assert.hpp"
#include "core/limits.hpp"

namespace holdfast {

namespace {

constexpr int ledger_format_version = 1;

std::string last4_of(std::string_view card) {
  return std::string(card.size() <= 4 ? card : card.substr(card.size() - 4));
}

decline_reason card_fate(std::string_view card) {
  if (!luhn_valid(card)) return decline_reason::invalid_card;
  if (card == test_cards::declined) return decline_reason::card_declined;
  if (card == test_cards::insufficient_funds) return decline_reason::insufficient_funds;
  return decline_reason::none;
}

payment_result answer(const ledger_row& row, payment_op op) {
  return {op, row.key, payment_outcome::approved, row.reason, row.state, row.amount_cents};
}

payment_result refusal(payment_op op, std::string_view key, decline_reason why) {
  return {op, std::string(key), payment_outcome::declined, why, provider_state::unknown, 0};
}

std::string_view column_text(sqlite3_stmt* s, int col) {
  auto text = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
  return {text == nullptr ? "" : text, static_cast<size_t>(sqlite3_column_bytes(s, col))};
}

// Every row of an open ledger, checked: a row we did not write fails the load.
status load_rows(sqlite3* db, const std::string& path,
                 const std::function<void(ledger_row)>& take) {
  sqlite3_stmt* q = nullptr;
  if (sqlite3_prepare_v2(db,
                         "SELECT key, amount_cents, state, reason, card_last4,"
                         " created_at_ms, updated_at_ms FROM payments",
                         -1, &q, nullptr) != SQLITE_OK)
    return status::failure(path + ": read ledger: " + sqlite3_errmsg(db));
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    ledger_row row;
    row.key = column_text(q, 0);
    row.amount_cents = sqlite3_column_int64(q, 1);
    auto state = provider_state_from_name(column_text(q, 2));
    auto reason = decline_reason_from_name(column_text(q, 3));
    if (!state || !reason || *state == provider_state::unknown) {
      sqlite3_finalize(q);
      return status::failure(path + ": ledger row " + row.key + " is not ours");
    }
    row.state = *state;
    row.reason = *reason;
    row.card_last4 = column_text(q, 4);
    row.created_at_ms = sqlite3_column_int64(q, 5);
    row.updated_at_ms = sqlite3_column_int64(q, 6);
    take(std::move(row));
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) return status::failure(path + ": read ledger: " + sqlite3_errmsg(db));
  return status::success();
}

} // namespace

test_provider::~test_provider() {
  sqlite3_finalize(upsert_);
  sqlite3_close(db_);
}

std::unique_ptr<test_provider> test_provider::in_memory(const test_provider_config& config) {
  std::unique_ptr<test_provider> p{new test_provider(config)};
  p->rng_state_ = config.seed;
  return p;
}

status test_provider::read_ledger(const std::string& path, std::vector<ledger_row>& out) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "no database";
    sqlite3_close(db);
    return status::failure(path + ": " + why);
  }
  auto st = load_rows(db, path, [&out](ledger_row row) { out.push_back(std::move(row)); });
  sqlite3_close(db);
  return st;
}

status test_provider::open(const std::string& dir, const test_provider_config& config,
                           std::unique_ptr<test_provider>& out) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return status::failure(dir + ": " + ec.message());
  auto p = in_memory(config);
  if (auto st = p->open_db(dir + "/payments.sqlite"); !st) return st;
  out = std::move(p);
  return status::success();
}

status test_provider::open_db(const std::string& path) {
  auto fail = [&](std::string_view what) {
    return status::failure(path + ": " + std::string(what) + ": " +
                           (db_ ? sqlite3_errmsg(db_) : "no database"));
  };
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK)
    return fail("open");
  // WAL + synchronous=FULL: a state change is fsync'ed before its answer is
  // delivered, so the provider never forgets money it told someone about.
  const char* setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                      "CREATE TABLE IF NOT EXISTS payments(key TEXT PRIMARY KEY,"
                      " amount_cents INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,"
                      " card_last4 TEXT NOT NULL, created_at_ms INTEGER NOT NULL,"
                      " updated_at_ms INTEGER NOT NULL);";
  if (sqlite3_exec(db_, setup, nullptr, nullptr, nullptr) != SQLITE_OK) return fail("schema");
  sqlite3_stmt* q = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &q, nullptr) != SQLITE_OK)
    return fail("version");
  const int version = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
  sqlite3_finalize(q);
  if (version == 0) {
    const std::string set = "PRAGMA user_version=" + std::to_string(ledger_format_version);
    if (sqlite3_exec(db_, set.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return fail("set version");
  } else if (version != ledger_format_version) {
    return status::failure(path + ": ledger format " + std::to_string(version) +
                           " is not the supported " + std::to_string(ledger_format_version));
  }
  if (auto st = load_rows(db_, path,
                          [this](ledger_row row) {
                            auto key = row.key;
                            rows_.emplace(std::move(key), std::move(row));
                          });
      !st)
    return st;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO payments VALUES(?,?,?,?,?,?,?)", -1, &upsert_,
                         nullptr) != SQLITE_OK)
    return fail("prepare upsert");
  return status::success();
}

status test_provider::store(ledger_row row) {
  if (db_ != nullptr) {
    const auto state = provider_state_name(row.state);
    const auto reason = decline_reason_name(row.reason);
    sqlite3_bind_text(upsert_, 1, row.key.data(), static_cast<int>(row.key.size()), SQLITE_STATIC);
    sqlite3_bind_int64(upsert_, 2, row.amount_cents);
    sqlite3_bind_text(upsert_, 3, state.data(), static_cast<int>(state.size()), SQLITE_STATIC);
    sqlite3_bind_text(upsert_, 4, reason.data(), static_cast<int>(reason.size()), SQLITE_STATIC);
    sqlite3_bind_text(upsert_, 5, row.card_last4.data(), static_cast<int>(row.card_last4.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(upsert_, 6, row.created_at_ms);
    sqlite3_bind_int64(upsert_, 7, row.updated_at_ms);
    const int rc = sqlite3_step(upsert_);
    sqlite3_reset(upsert_);
    if (rc != SQLITE_DONE) {
      ++write_failures_;
      return status::failure(std::string("payments ledger write: ") + sqlite3_errmsg(db_));
    }
  }
  std::string key = row.key;
  rows_.insert_or_assign(std::move(key), std::move(row));
  return status::success();
}

uint64_t test_provider::next_random() {
  // splitmix64: tiny, fast, and the same sequence on every platform.
  uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

test_provider::fate test_provider::draw_fate() {
  // Always three draws, so one request's fate never shifts the next one's.
  const uint64_t jitter = next_random();
  const bool timeout = next_random() % 1'000'000 < config_.timeout_ppm;
  const bool lose_request = next_random() % 2 == 0;
  fate f;
  f.latency_ms = config_.latency_base_ms +
                 (config_.latency_jitter_ms > 0
                      ? static_cast<int64_t>(jitter % (config_.latency_jitter_ms + 1))
                      : 0);
  f.request_lost = timeout && lose_request;
  f.answer_lost = timeout && !lose_request;
  return f;
}

void test_provider::schedule(int64_t at_ms, event e) {
  HF_ASSERT(queue_.size() < limits::test_provider_requests_in_flight_max);
  queue_.emplace(std::make_pair(at_ms, event_seq_++), std::move(e));
}

void test_provider::submit(event e, fate f, int64_t now_ms) {
  HF_ASSERT(!e.key.empty());
  const int64_t timeout_at_ms = now_ms + config_.request_timeout_ms;
  const bool too_late = f.latency_ms >= config_.request_timeout_ms;
  if (!f.request_lost && !f.answer_lost && !too_late) {
    schedule(now_ms + f.latency_ms, std::move(e));
    return;
  }
  // The caller hears timeout; separately the provider may act, unheard.
  event silence = make_event(e.op, e.key);
  silence.acts = false;
  silence.answers = false;
  silence.done = std::move(e.done);
  schedule(timeout_at_ms, std::move(silence));
  if (f.request_lost) return;
  e.answers = false;
  e.done = nullptr;
  schedule(now_ms + f.latency_ms, std::move(e));
}

void test_provider::authorize(std::string_view key, int64_t amount_cents, std::string_view card,
                              int64_t now_ms, payment_callback done) {
  HF_ASSERT(amount_cents > 0);
  event e = make_event(payment_op::authorize, key);
  e.amount_cents = amount_cents;
  e.card_last4 = last4_of(card);
  e.forced = card_fate(card);
  e.done = std::move(done);
  fate f = draw_fate();
  const bool random_decline = next_random() % 1'000'000 < config_.decline_ppm;
  if (e.forced == decline_reason::none && random_decline) e.forced = decline_reason::card_declined;
  if (card == test_cards::processing_error) {
    f.request_lost = false; // it always reaches the provider and is authorized...
    f.answer_lost = true;   // ...but the caller never hears so
  }
  if (card == test_cards::late) f.latency_ms = config_.late_card_delay_ms;
  submit(std::move(e), f, now_ms);
}

void test_provider::capture(std::string_view key, int64_t now_ms, payment_callback done) {
  event e = make_event(payment_op::capture, key);
  e.done = std::move(done);
  submit(std::move(e), draw_fate(), now_ms);
}

void test_provider::refund(std::string_view key, int64_t now_ms, payment_callback done) {
  event e = make_event(payment_op::refund, key);
  e.done = std::move(done);
  submit(std::move(e), draw_fate(), now_ms);
}

void test_provider::lookup(std::string_view key, int64_t now_ms, payment_callback done) {
  event e = make_event(payment_op::lookup, key);
  e.done = std::move(done);
  submit(std::move(e), draw_fate(), now_ms);
}

size_t test_provider::advance(int64_t now_ms) {
  size_t calls = 0;
  for (size_t n = 0; n < limits::test_provider_events_per_advance_max && !queue_.empty(); ++n) {
    auto it = queue_.begin();
    if (it->first.first > now_ms) break;
    const int64_t at_ms = it->first.first;
    event e = std::move(it->second);
    queue_.erase(it);
    payment_result r{e.op, e.key};
    if (e.acts) r = apply(e, at_ms);
    if (!e.answers) r = {e.op, e.key, payment_outcome::timeout};
    if (!e.done) continue;
    ++calls;
    e.done(r); // may queue more requests: we hold no iterator across it
  }
  return calls;
}

std::optional<int64_t> test_provider::next_due_ms() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first.first;
}

payment_result test_provider::apply(const event& e, int64_t now_ms) {
  switch (e.op) {
  case payment_op::authorize:
    return apply_authorize(e, now_ms);
  case payment_op::capture:
    return apply_capture(e, now_ms);
  case payment_op::refund:
    return apply_refund(e, now_ms);
  case payment_op::lookup:
    if (const ledger_row* row = find(e.key)) return answer(*row, e.op);
    return {e.op, e.key, payment_outcome::approved, decline_reason::none, provider_state::unknown};
  }
  HF_ASSERT(false);
  return {};
}

payment_result test_provider::apply_authorize(const event& e, int64_t now_ms) {
  const payment_op op = payment_op::authorize;
  if (const ledger_row* row = find(e.key)) {
    // A replay gets the first request's answer; a burned key is never charged.
    if (row->state == provider_state::refunded)
      return refusal(op, e.key, decline_reason::key_voided);
    if (row->amount_cents != e.amount_cents)
      return refusal(op, e.key, decline_reason::key_conflict);
    if (row->state == provider_state::declined) return refusal(op, e.key, row->reason);
    return answer(*row, op);
  }
  ledger_row row{e.key,  e.amount_cents, provider_state::authorized, e.forced, e.card_last4,
                 now_ms, now_ms};
  if (e.forced != decline_reason::none) row.state = provider_state::declined;
  if (!store(row)) return {op, e.key, payment_outcome::timeout};
  if (row.state == provider_state::declined) return refusal(op, e.key, e.forced);
  return answer(row, op);
}

payment_result test_provider::apply_capture(const event& e, int64_t now_ms) {
  const payment_op op = payment_op::capture;
  const ledger_row* row = find(e.key);
  if (row == nullptr ||
      (row->state != provider_state::authorized && row->state != provider_state::captured))
    return refusal(op, e.key, decline_reason::not_authorized);
  if (row->state == provider_state::captured) return answer(*row, op);
  ledger_row next = *row;
  next.state = provider_state::captured;
  next.updated_at_ms = now_ms;
  if (!store(next)) return {op, e.key, payment_outcome::timeout};
  return answer(next, op);
}

payment_result test_provider::apply_refund(const event& e, int64_t now_ms) {
  const payment_op op = payment_op::refund;
  const ledger_row* row = find(e.key);
  // Declined and refunded keys hold no money: refunding them changes nothing.
  if (row != nullptr &&
      (row->state == provider_state::declined || row->state == provider_state::refunded))
    return answer(*row, op);
  // Unknown key: burn it, so a request still in flight can never charge it.
  ledger_row next = row ? *row : ledger_row{e.key, 0, provider_state::unknown, {}, {}, now_ms};
  next.state = provider_state::refunded;
  next.updated_at_ms = now_ms;
  if (!store(next)) return {op, e.key, payment_outcome::timeout};
  return answer(next, op);
}

std::vector<ledger_row> test_provider::ledger() const {
  std::vector<ledger_row> out;
  out.reserve(rows_.size());
  for (const auto& [key, row] : rows_)
    out.push_back(row);
  return out;
}

const ledger_row* test_provider::find(std::string_view key) const {
  auto it = rows_.find(key);
  return it == rows_.end() ? nullptr : &it->second;
}

void test_provider::disconnect() {
  for (auto& [at, e] : queue_)
    e.done = nullptr;
}

} // namespace holdfast

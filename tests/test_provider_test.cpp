// The built-in test provider, driven with injected time. What this tries to
// break: the test cards' promises (the processing-error card authorizes but
// answers timeout; the late card acts after the caller gave up), idempotency
// per key (a replayed authorize, capture or refund never moves money twice; a
// refunded key can never be charged, even by a request already in flight; a
// key reused with another amount is refused), latency and fault injection
// staying inside their bounds and being exactly reproducible from the seed,
// the ledger surviving a reopen of its SQLite file (and in-flight requests
// NOT surviving it), disconnect() still applying what was sent, and callbacks
// that issue new requests from inside advance().
#include <doctest/doctest.h>

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "payments/test_provider.hpp"

using namespace holdfast;

namespace {

constexpr int64_t t0 = 1'700'000'000'000;

struct heard {
  int64_t at_ms = 0;
  payment_result result;
};

// Collects answers with the time advance() delivered them.
struct listener {
  std::vector<heard> answers;
  int64_t now_ms = t0;
  payment_callback callback() {
    return [this](const payment_result& r) { answers.push_back({now_ms, r}); };
  }
  void advance(test_provider& p, int64_t to_ms) {
    while (auto next = p.next_due_ms()) {
      if (*next > to_ms) break;
      now_ms = *next;
      p.advance(now_ms);
    }
    now_ms = to_ms;
  }
  const payment_result& last() const {
    REQUIRE(!answers.empty());
    return answers.back().result;
  }
};

test_provider_config quiet() {
  test_provider_config c;
  c.latency_base_ms = 100;
  c.latency_jitter_ms = 0;
  c.request_timeout_ms = 1'000;
  c.late_card_delay_ms = 5'000;
  return c;
}

// tmpfs when there is one: the reopen tests are about what is in the file,
// not about fsync speed.
std::string fresh_dir(const char* name) {
  const std::filesystem::path base =
      std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  auto dir = base / ("hf-provider-" + std::to_string(getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

payment_result authorize_now(test_provider& p, listener& l, std::string_view key,
                             std::string_view card, int64_t amount_cents = 5'000) {
  p.authorize(key, amount_cents, card, l.now_ms, l.callback());
  l.advance(p, l.now_ms + 10'000);
  return l.last();
}

} // namespace

TEST_CASE("luhn check accepts the test cards and rejects near misses") {
  CHECK(luhn_valid(test_cards::success));
  CHECK(luhn_valid(test_cards::declined));
  CHECK(luhn_valid(test_cards::insufficient_funds));
  CHECK(luhn_valid(test_cards::processing_error));
  CHECK(luhn_valid(test_cards::late));
  CHECK(luhn_valid("5555555555554444"));
  CHECK_FALSE(luhn_valid("4242424242424241"));
  CHECK_FALSE(luhn_valid("4242 4242 4242 4242"));
  CHECK_FALSE(luhn_valid("42424"));
  CHECK_FALSE(luhn_valid(""));
}

TEST_CASE("test cards: success, declines and invalid numbers answer after the latency") {
  auto p = test_provider::in_memory(quiet());
  listener l;
  p->authorize("ok", 5'000, test_cards::success, l.now_ms, l.callback());
  l.advance(*p, t0 + 99);
  CHECK(l.answers.empty());
  l.advance(*p, t0 + 100);
  REQUIRE(l.answers.size() == 1);
  CHECK(l.answers[0].at_ms == t0 + 100);
  CHECK(l.last().outcome == payment_outcome::approved);
  CHECK(l.last().state == provider_state::authorized);

  struct {
    std::string_view card;
    decline_reason reason;
  } const cases[] = {{test_cards::declined, decline_reason::card_declined},
                     {test_cards::insufficient_funds, decline_reason::insufficient_funds},
                     {"4242424242424241", decline_reason::invalid_card},
                     {"abc", decline_reason::invalid_card}};
  for (const auto& c : cases) {
    CAPTURE(c.card);
    const auto r = authorize_now(*p, l, std::string("k") + std::string(c.card), c.card);
    CHECK(r.outcome == payment_outcome::declined);
    CHECK(r.reason == c.reason);
  }
  CHECK(authorize_now(*p, l, "mc", "5555555555554444").outcome == payment_outcome::approved);
  const ledger_row* row = p->find("ok");
  REQUIRE(row != nullptr);
  CHECK(row->card_last4 == "4242");
  CHECK(row->amount_cents == 5'000);
  CHECK(p->find(std::string("k") + std::string(test_cards::declined))->state ==
        provider_state::declined);
}

TEST_CASE("processing-error card: authorized at the provider, the caller hears timeout") {
  auto p = test_provider::in_memory(quiet());
  listener l;
  p->authorize("pe", 5'000, test_cards::processing_error, t0, l.callback());
  l.advance(*p, t0 + 999);
  CHECK(l.answers.empty());
  CHECK(p->find("pe")->state == provider_state::authorized); // acted at +100, unheard
  l.advance(*p, t0 + 1'000);
  REQUIRE(l.answers.size() == 1);
  CHECK(l.answers[0].at_ms == t0 + 1'000);
  CHECK(l.last().outcome == payment_outcome::timeout);
  p->lookup("pe", l.now_ms, l.callback());
  l.advance(*p, l.now_ms + 1'000);
  CHECK(l.last().outcome == payment_outcome::approved);
  CHECK(l.last().state == provider_state::authorized);
  CHECK(l.last().amount_cents == 5'000);
}

TEST_CASE("late card: processed after the caller's timeout; a void first burns the key") {
  auto p = test_provider::in_memory(quiet());
  listener l;
  p->authorize("late", 5'000, test_cards::late, t0, l.callback());
  l.advance(*p, t0 + 1'000);
  CHECK(l.last().outcome == payment_outcome::timeout);
  p->lookup("late", l.now_ms, l.callback());
  l.advance(*p, t0 + 2'000);
  CHECK(l.last().state == provider_state::unknown);
  l.advance(*p, t0 + 5'000);
  CHECK(p->find("late")->state == provider_state::authorized);

  // The same card, but the caller voids the key before the provider gets to it.
  p->authorize("voided", 5'000, test_cards::late, l.now_ms, l.callback());
  const int64_t sent_ms = l.now_ms;
  l.advance(*p, sent_ms + 1'500);
  p->refund("voided", l.now_ms, l.callback());
  l.advance(*p, l.now_ms + 1'000);
  CHECK(l.last().outcome == payment_outcome::approved);
  CHECK(p->find("voided")->state == provider_state::refunded);
  CHECK(p->find("voided")->amount_cents == 0);
  l.advance(*p, sent_ms + 60'000); // the late authorize arrives: refused, unheard
  CHECK(p->find("voided")->state == provider_state::refunded);
  CHECK(p->in_flight() == 0);
  CHECK(authorize_now(*p, l, "voided", test_cards::success).reason == decline_reason::key_voided);
}

TEST_CASE("idempotency: replays never move money twice; conflicts and bad captures are refused") {
  auto p = test_provider::in_memory(quiet());
  listener l;
  CHECK(authorize_now(*p, l, "k", test_cards::success).outcome == payment_outcome::approved);
  CHECK(authorize_now(*p, l, "k", test_cards::success).outcome == payment_outcome::approved);
  CHECK(authorize_now(*p, l, "k", test_cards::success, 6'000).reason ==
        decline_reason::key_conflict);
  CHECK(p->ledger().size() == 1);
  for (int i = 0; i < 2; ++i) {
    p->capture("k", l.now_ms, l.callback());
    l.advance(*p, l.now_ms + 1'000);
    CHECK(l.last().outcome == payment_outcome::approved);
    CHECK(l.last().state == provider_state::captured);
  }
  for (int i = 0; i < 2; ++i) {
    p->refund("k", l.now_ms, l.callback());
    l.advance(*p, l.now_ms + 1'000);
    CHECK(l.last().outcome == payment_outcome::approved);
    CHECK(l.last().state == provider_state::refunded);
  }
  CHECK(p->find("k")->amount_cents == 5'000);
  p->capture("k", l.now_ms, l.callback()); // refunded money cannot be taken again
  l.advance(*p, l.now_ms + 1'000);
  CHECK(l.last().reason == decline_reason::not_authorized);
  p->capture("never", l.now_ms, l.callback());
  l.advance(*p, l.now_ms + 1'000);
  CHECK(l.last().reason == decline_reason::not_authorized);
  CHECK(p->find("never") == nullptr);

  // A declined key stays declined, and refunding it changes nothing.
  CHECK(authorize_now(*p, l, "d", test_cards::declined).reason == decline_reason::card_declined);
  CHECK(authorize_now(*p, l, "d", test_cards::success).reason == decline_reason::card_declined);
  p->refund("d", l.now_ms, l.callback());
  l.advance(*p, l.now_ms + 1'000);
  CHECK(l.last().state == provider_state::declined);
}

TEST_CASE("latency and injected faults stay in bounds and replay exactly from the seed") {
  test_provider_config c = quiet();
  c.latency_base_ms = 20;
  c.latency_jitter_ms = 80;
  c.timeout_ppm = 200'000;
  c.decline_ppm = 100'000;
  c.seed = 42;
  auto run = [&](uint64_t seed) {
    c.seed = seed;
    auto p = test_provider::in_memory(c);
    listener l;
    for (int i = 0; i < 2'000; ++i)
      p->authorize("k" + std::to_string(i), 100, test_cards::success, t0 + i, l.callback());
    l.advance(*p, t0 + 100'000);
    CHECK(l.answers.size() == 2'000);
    return std::make_pair(l.answers, p->ledger());
  };
  const auto [answers, ledger] = run(42);
  int timeouts = 0, declines = 0, acted_unheard = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    const auto& r = answers[i].result;
    const int64_t sent_ms = t0 + std::stoll(r.key.substr(1));
    const int64_t latency_ms = answers[i].at_ms - sent_ms;
    if (r.outcome == payment_outcome::timeout) {
      ++timeouts;
      CHECK(latency_ms == c.request_timeout_ms);
      acted_unheard += ledger.end() != std::find_if(ledger.begin(), ledger.end(),
                                                    [&](auto& row) { return row.key == r.key; });
      continue;
    }
    CHECK(latency_ms >= 20);
    CHECK(latency_ms <= 100);
    declines += r.outcome == payment_outcome::declined;
  }
  CHECK(timeouts > 300); // 20% of 2,000 = 400
  CHECK(timeouts < 500);
  CHECK(acted_unheard > timeouts / 4); // about half of them acted
  CHECK(acted_unheard < timeouts * 3 / 4);
  CHECK(declines > 100); // about 10% of the 1,600 answered
  CHECK(declines < 240);

  const auto [again, again_ledger] = run(42);
  REQUIRE(again.size() == answers.size());
  for (size_t i = 0; i < again.size(); ++i) {
    CHECK(again[i].at_ms == answers[i].at_ms);
    CHECK(again[i].result.key == answers[i].result.key);
    CHECK(again[i].result.outcome == answers[i].result.outcome);
  }
  CHECK(again_ledger.size() == ledger.size());
  const auto [other, other_ledger] = run(43);
  bool differs = false;
  for (size_t i = 0; i < other.size() && !differs; ++i)
    differs = other[i].at_ms != answers[i].at_ms || other[i].result.key != answers[i].result.key;
  CHECK(differs);
}

TEST_CASE("the ledger survives a reopen; requests in flight do not") {
  const std::string dir = fresh_dir("reopen");
  listener l;
  {
    std::unique_ptr<test_provider> p;
    REQUIRE(test_provider::open(dir, quiet(), p).ok);
    CHECK(authorize_now(*p, l, "a", test_cards::success).outcome == payment_outcome::approved);
    p->capture("a", l.now_ms, l.callback());
    CHECK(authorize_now(*p, l, "b", test_cards::declined).reason == decline_reason::card_declined);
    p->refund("c", l.now_ms, l.callback()); // burns c
    l.advance(*p, l.now_ms + 1'000);
    p->authorize("lost", 100, test_cards::success, l.now_ms, l.callback()); // dies with p
  }
  std::unique_ptr<test_provider> p;
  REQUIRE(test_provider::open(dir, quiet(), p).ok);
  auto rows = p->ledger();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].key == "a");
  CHECK(rows[0].state == provider_state::captured);
  CHECK(rows[0].amount_cents == 5'000);
  CHECK(rows[0].card_last4 == "4242");
  CHECK(rows[0].created_at_ms == t0 + 100);
  CHECK(rows[0].updated_at_ms > rows[0].created_at_ms);
  CHECK(rows[1].state == provider_state::declined);
  CHECK(rows[1].reason == decline_reason::card_declined);
  CHECK(rows[2].state == provider_state::refunded);
  CHECK(p->find("lost") == nullptr);
  CHECK(authorize_now(*p, l, "c", test_cards::success).reason == decline_reason::key_voided);
  p.reset();

  // The file is WAL, and a row the provider did not write is refused on open.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/payments.sqlite").c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(q) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))) == "wal");
  sqlite3_finalize(q);
  CHECK(sqlite3_exec(db, "UPDATE payments SET state='stolen' WHERE key='a'", nullptr, nullptr,
                     nullptr) == SQLITE_OK);
  sqlite3_close(db);
  const auto st = test_provider::open(dir, quiet(), p);
  CHECK_FALSE(st.ok);
  CHECK(st.message.find("not ours") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("disconnect: what was sent still happens, nobody hears it") {
  auto p = test_provider::in_memory(quiet());
  listener l;
  p->authorize("a", 100, test_cards::success, t0, l.callback());
  p->authorize("late", 100, test_cards::late, t0, l.callback());
  p->disconnect();
  l.advance(*p, t0 + 10'000);
  CHECK(l.answers.empty());
  CHECK(p->find("a")->state == provider_state::authorized);
  CHECK(p->find("late")->state == provider_state::authorized);
}

TEST_CASE("callbacks may issue requests from inside advance") {
  test_provider_config c = quiet();
  c.latency_base_ms = 0; // zero latency: the follow-up is due in the same advance()
  auto p = test_provider::in_memory(c);
  std::vector<payment_result> seen;
  p->authorize("a", 100, test_cards::success, t0, [&](const payment_result& r) {
    seen.push_back(r);
    p->capture("a", t0, [&](const payment_result& r2) { seen.push_back(r2); });
  });
  CHECK(p->advance(t0) == 2);
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].op == payment_op::capture);
  CHECK(seen[1].state == provider_state::captured);
  CHECK(!p->next_due_ms());
}

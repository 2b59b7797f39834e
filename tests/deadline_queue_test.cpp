// Deadline queue: what this tries to break is the order in which deadlines come
// out when they live in different lanes or in the overflow heap (durations past
// the lane limit), when a lane is fed out of order (as recovery does), when
// deadlines tie, and exactly at the pop_due boundary (a deadline equal to now is
// due; one millisecond earlier it is not).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "domain/deadline_queue.hpp"
#include "core/limits.hpp"

using namespace holdfast;

namespace {

// Pops everything due at now_ms, in the order the queue hands it out.
std::vector<deadline_queue::entry> drain(deadline_queue& q, int64_t now_ms) {
  std::vector<deadline_queue::entry> out;
  while (auto e = q.pop_due(now_ms))
    out.push_back(*e);
  return out;
}

std::vector<uint32_t> keys_of(const std::vector<deadline_queue::entry>& es) {
  std::vector<uint32_t> keys;
  for (const auto& e : es)
    keys.push_back(e.key);
  return keys;
}

} // namespace

TEST_CASE("an empty queue has no deadline and pops nothing") {
  deadline_queue q;
  CHECK(q.size() == 0);
  CHECK_FALSE(q.next_deadline().has_value());
  CHECK_FALSE(q.pop_due(INT64_MAX).has_value());
}

TEST_CASE("pop_due: a deadline equal to now is due, one millisecond earlier it is not") {
  deadline_queue q;
  q.push(1'000, 600, 7);
  CHECK(q.size() == 1);
  REQUIRE(q.next_deadline() == 1'000);
  CHECK_FALSE(q.pop_due(999).has_value());
  CHECK(q.size() == 1); // a refused pop leaves the entry in place
  auto e = q.pop_due(1'000);
  REQUIRE(e.has_value());
  CHECK(e->deadline_ms == 1'000);
  CHECK(e->key == 7);
  CHECK(q.size() == 0);
  CHECK_FALSE(q.pop_due(1'000).has_value()); // popped exactly once
  CHECK_FALSE(q.next_deadline().has_value());
}

TEST_CASE("pop_due takes one entry per call, earliest first") {
  deadline_queue q;
  q.push(100, 10, 1);
  q.push(200, 10, 2);
  q.push(300, 10, 3);
  auto first = q.pop_due(1'000);
  REQUIRE(first.has_value());
  CHECK(first->key == 1);
  CHECK(q.size() == 2);
  CHECK(q.next_deadline() == 200);
  // Only what is due at 250 comes out; 300 stays.
  CHECK(keys_of(drain(q, 250)) == std::vector<uint32_t>{2});
  CHECK(q.next_deadline() == 300);
  CHECK(keys_of(drain(q, 300)) == std::vector<uint32_t>{3});
}

TEST_CASE("deadlines from several lanes come out merged in deadline order") {
  // Three durations, pushed as a monotonic clock would: each lane in order, but
  // the lanes interleave, and the longest lane's first entry is not the earliest.
  deadline_queue q;
  q.push(1'600, 600, 1); // t=1000, 600 ms lane
  q.push(1'300, 300, 2); // t=1000, 300 ms lane
  q.push(2'100, 900, 3); // t=1200, 900 ms lane
  q.push(2'000, 600, 4); // t=1400
  q.push(1'700, 300, 5); // t=1400
  q.push(2'050, 300, 6); // t=1750
  CHECK(q.size() == 6);
  CHECK(q.next_deadline() == 1'300);
  CHECK(keys_of(drain(q, 1'299)).empty());
  CHECK(keys_of(drain(q, 1'650)) == std::vector<uint32_t>{2, 1});
  CHECK(q.next_deadline() == 1'700);
  auto rest = drain(q, 10'000);
  CHECK(keys_of(rest) == std::vector<uint32_t>{5, 4, 6, 3});
  for (size_t k = 1; k < rest.size(); ++k)
    CHECK(rest[k - 1].deadline_ms <= rest[k].deadline_ms);
  CHECK(q.size() == 0);
}

TEST_CASE("an out-of-order push into a lane keeps the lane sorted; ties stay FIFO") {
  deadline_queue q;
  q.push(5'000, 600, 1);
  q.push(3'000, 600, 2); // earlier than the lane's back: recovery re-adding a hold
  q.push(4'000, 600, 3);
  q.push(3'000, 600, 4); // ties with key 2, pushed later: comes out after it
  q.push(6'000, 600, 5);
  q.push(1'000, 600, 6); // before everything
  CHECK(q.next_deadline() == 1'000);
  auto all = drain(q, 10'000);
  CHECK(keys_of(all) == std::vector<uint32_t>{6, 2, 4, 3, 1, 5});
}

TEST_CASE("the same key may be queued twice (lazy deletion) and comes out twice") {
  deadline_queue q;
  q.push(100, 50, 9);
  q.push(100, 50, 9);
  q.push(150, 50, 9);
  CHECK(q.size() == 3);
  CHECK(keys_of(drain(q, 100)) == std::vector<uint32_t>{9, 9});
  CHECK(q.size() == 1);
}

TEST_CASE("every allowed lane can be used at once") {
  deadline_queue q;
  const uint32_t lanes = limits::deadline_lanes_max;
  // Lane d holds deadline 10 * (lanes - d): the newest lane is the earliest.
  for (uint32_t d = 0; d < lanes; ++d)
    q.push(10 * (lanes - d), 1'000 + d, d);
  CHECK(q.size() == lanes);
  auto all = drain(q, INT64_MAX);
  REQUIRE(all.size() == lanes);
  for (uint32_t k = 0; k < lanes; ++k)
    CHECK(all[k].key == lanes - 1 - k);
}

TEST_CASE("durations past the lane limit still come out in deadline order") {
  // The lanes fill with 64 durations; 36 more go to the overflow. Deadlines of
  // both kinds interleave, and the overflow holds both the earliest and the
  // latest deadline.
  deadline_queue q;
  const uint32_t lanes = limits::deadline_lanes_max;
  std::vector<int64_t> want;
  for (uint32_t d = 0; d < lanes + 36; ++d) {
    const int64_t deadline = 10'000 + int64_t((d * 7919) % 1'000) * 10; // scattered, distinct
    q.push(deadline, 300'000 + d, d + 1);
    want.push_back(deadline);
  }
  q.push(5, 999'999, 1'000);         // overflow duration, earliest deadline of all
  q.push(1'000'000, 999'998, 1'001); // overflow duration, latest
  want.push_back(5);
  want.push_back(1'000'000);
  std::sort(want.begin(), want.end());
  CHECK(q.size() == want.size());
  CHECK(q.next_deadline() == 5);
  CHECK_FALSE(q.pop_due(4).has_value());
  auto first = q.pop_due(5);
  REQUIRE(first.has_value());
  CHECK(first->key == 1'000);
  std::vector<int64_t> got{first->deadline_ms};
  for (auto& e : drain(q, 999'999))
    got.push_back(e.deadline_ms);
  CHECK(q.size() == 1); // the latest is not due yet
  CHECK(q.next_deadline() == 1'000'000);
  for (auto& e : drain(q, 1'000'000))
    got.push_back(e.deadline_ms);
  CHECK(got == want);
  CHECK(q.size() == 0);
}

TEST_CASE("a lane entry earlier than the overflow's top comes out first, and clear empties the "
          "overflow") {
  deadline_queue q;
  for (uint32_t d = 0; d < limits::deadline_lanes_max; ++d)
    q.push(1'000 + d, d + 1, d);
  q.push(500, 100'000, 900); // overflow
  q.push(400, 1, 901);       // lane of duration 1: earlier than the overflow top
  q.push(500, 2, 902);       // ties with the overflow top
  auto a = q.pop_due(10'000);
  REQUIRE(a.has_value());
  CHECK(a->key == 901);
  auto b = q.pop_due(10'000);
  auto c = q.pop_due(10'000);
  REQUIRE(b.has_value());
  REQUIRE(c.has_value());
  CHECK(b->deadline_ms == 500);
  CHECK(c->deadline_ms == 500);
  CHECK(std::set<uint32_t>{b->key, c->key} == std::set<uint32_t>{900, 902});
  CHECK(q.next_deadline() == 1'000);
  q.push(50, 100'001, 903); // overflow again
  CHECK(q.next_deadline() == 50);
}

TEST_CASE("randomized: the queue agrees with a sorted reference") {
  // Lanes fed by a mostly monotonic clock with a few recovery-style out-of-order
  // pushes; pops at random times. Deadlines must come out in non-decreasing
  // order, each pushed entry exactly once, never one that is not yet due.
  for (uint64_t seed : {1u, 2u, 3u, 0xC0FFEEu}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    deadline_queue q;
    std::vector<deadline_queue::entry> pending; // the reference: everything not yet popped
    // Half the seeds use a few durations (lanes only), half use more durations
    // than there are lanes (lanes plus overflow).
    std::vector<int64_t> durations{300, 450, 600, 900, 77};
    if (seed % 2 == 0)
      for (int64_t d = 301; durations.size() < 100; d += 6)
        durations.push_back(d);
    int64_t now = 0;
    uint32_t next_key = 1;
    size_t popped_total = 0;
    for (int step = 0; step < 4'000; ++step) {
      const uint64_t r = rng() % 100;
      if (r < 55) {
        const int64_t d = durations[rng() % durations.size()];
        // 5%: a deadline from the past of this lane, as recovery would re-add it.
        const int64_t deadline = (rng() % 20 == 0) ? now - int64_t(rng() % 500) + d : now + d;
        q.push(deadline, d, next_key);
        pending.push_back({deadline, next_key++});
      } else if (r < 85) {
        now += int64_t(rng() % 120);
      } else {
        const int64_t at = now - 200 + int64_t(rng() % 400);
        auto got = drain(q, at);
        int64_t last = INT64_MIN;
        for (const auto& e : got) {
          CHECK(e.deadline_ms <= at);
          CHECK(e.deadline_ms >= last);
          last = e.deadline_ms;
          auto it = std::find_if(pending.begin(), pending.end(), [&](const auto& p) {
            return p.key == e.key && p.deadline_ms == e.deadline_ms;
          });
          REQUIRE(it != pending.end());
          pending.erase(it);
        }
        popped_total += got.size();
        // Nothing due at `at` may have been left behind.
        for (const auto& p : pending)
          REQUIRE(p.deadline_ms > at);
      }
      REQUIRE(q.size() == pending.size());
      if (pending.empty()) {
        REQUIRE_FALSE(q.next_deadline().has_value());
      } else {
        const auto min = std::min_element(pending.begin(), pending.end(), [](auto& a, auto& b) {
          return a.deadline_ms < b.deadline_ms;
        });
        REQUIRE(q.next_deadline() == min->deadline_ms);
      }
    }
    CHECK(popped_total > 1'000); // the walk really exercised pops
  }
}

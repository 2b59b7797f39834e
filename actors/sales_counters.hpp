// What a node sold, counted where it is decided rather than per HTTP answer: a
// retried request or a replay after a restart counts nothing twice, and an
// order the reconciler confirms long after its request is counted. The node's
// actors share one; /metrics reads it (net/metrics.hpp).
#pragma once

#include <atomic>
#include <cstdint>

namespace holdfast {

struct sales_counters {
  std::atomic<uint64_t> orders_confirmed{0};  // event actors: orders made
  std::atomic<uint64_t> payments_captured{0}; // checkout actors: money taken
  std::atomic<uint64_t> payments_declined{0}; // the provider refused
  std::atomic<uint64_t> payments_refunded{0}; // money returned or the key voided
};

} // namespace holdfast

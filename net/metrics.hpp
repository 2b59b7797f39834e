// Counters for GET /metrics (Prometheus text format). Plain atomics: every I/O
// thread bumps them, nobody waits on them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "actors/sales_counters.hpp"
#include "domain/checkout_saga.hpp"  // client_status
#include "domain/event_messages.hpp" // journal_stats
#include "net/routes.hpp"            // route: the labels

namespace holdfast {

// Why the anti-bot checks (net/antibot.hpp) refused a request; names are
// stable metric labels.
enum class block_reason : uint8_t {
  ip = 0,
  user,
  device,
  hold_velocity,
  pow,
  not_admitted,
  signup, // sign-ups per client IP
  count_
};
const char* block_reason_name(block_reason r);

class http_metrics {
public:
  void observe(route r, unsigned status, uint64_t latency_us);
  void count_hold(bool granted) { (granted ? holds_granted_ : holds_refused_)++; }
  // POST /v1/orders answers by status (pending, confirmed, declined, refunded):
  // what clients were told. What was sold and paid comes from the actors.
  void count_checkout_answer(client_status s) { checkout_answers_[static_cast<size_t>(s)]++; }
  // The node's sales facts (actors/sales_counters.hpp), read at each render.
  void attach_sales(const sales_counters* sales) { sales_ = sales; }
  void count_block(block_reason r) { blocks_[static_cast<size_t>(r)]++; }
  // Waiting-room gauges of one event, as last sampled (api::sample_queues).
  void set_queue(uint32_t event, int64_t waiting, int64_t active, int64_t pre_queue);
  void ws_opened() { ws_clients_++; }
  void ws_closed() { ws_clients_--; }
  int64_t ws_clients() const { return ws_clients_.load(); }
  void ws_dropped_slow() { ws_dropped_slow_++; }
  void count_accept_error() { accept_errors_++; }
  void count_seatmap_render() { seatmap_renders_++; }
  // Requests waiting on actors through the gateways (api::admit_to_gateway):
  // the gauge is set per scrape, refusals are counted as they happen.
  void set_gateway_in_flight(uint32_t n) { gateway_in_flight_ = n; }
  void count_gateway_refused() { gateway_refused_++; }
  // The shards' journal counters, summed, as of this scrape.
  void set_journal(const journal_stats& sum);
  std::string render() const;

private:
  static constexpr std::array<unsigned, 16> statuses{200, 201, 202, 204, 400, 401, 402, 403,
                                                     404, 405, 409, 413, 422, 429, 431, 503};
  static constexpr std::array<uint64_t, 12> buckets_us{
      100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 1'000'000};
  static constexpr size_t routes = static_cast<size_t>(route::count_);
  // [route][status index]; the last column counts any other status.
  std::array<std::array<std::atomic<uint64_t>, statuses.size() + 1>, routes> requests_{};
  std::array<std::array<std::atomic<uint64_t>, buckets_us.size() + 1>, routes> latency_{};
  std::array<std::atomic<uint64_t>, routes> latency_sum_us_{};
  std::atomic<uint64_t> holds_granted_{0}, holds_refused_{0};
  std::array<std::atomic<uint64_t>, 4> checkout_answers_{}; // by client_status
  const sales_counters* sales_ = nullptr;
  std::atomic<int64_t> ws_clients_{0};
  std::atomic<uint64_t> ws_dropped_slow_{0};
  std::atomic<uint64_t> accept_errors_{0}; // e.g. out of file descriptors
  std::atomic<uint64_t> seatmap_renders_{0};
  std::atomic<uint32_t> gateway_in_flight_{0};
  std::atomic<uint64_t> gateway_refused_{0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(block_reason::count_)> blocks_{};
  mutable std::mutex queues_mutex_; // taken per scrape and per sample, never per request
  std::map<uint32_t, std::array<int64_t, 3>> queues_; // event -> waiting, active, pre_queue
  mutable std::mutex journal_mutex_;                  // taken per scrape
  journal_stats journal_;
};

} // namespace holdfast

#include "net/metrics.hpp"

#include <algorithm>

#include "net/process_metrics.hpp"

namespace holdfast {

const char* block_reason_name(block_reason r) {
  switch (r) {
  case block_reason::ip:
    return "ip";
  case block_reason::user:
    return "user";
  case block_reason::device:
    return "device";
  case block_reason::hold_velocity:
    return "hold_velocity";
  case block_reason::pow:
    return "pow";
  case block_reason::not_admitted:
    return "not_admitted";
  case block_reason::signup:
    return "signup";
  case block_reason::count_:
    break;
  }
  return "unknown";
}

void http_metrics::observe(route r, unsigned status, uint64_t latency_us) {
  const auto ri = static_cast<size_t>(r);
  const auto si =
      static_cast<size_t>(std::find(statuses.begin(), statuses.end(), status) - statuses.begin());
  requests_[ri][si].fetch_add(1, std::memory_order_relaxed);
  const auto bi = static_cast<size_t>(
      std::lower_bound(buckets_us.begin(), buckets_us.end(), latency_us) - buckets_us.begin());
  latency_[ri][bi].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_[ri].fetch_add(latency_us, std::memory_order_relaxed);
}

void http_metrics::set_journal(const journal_stats& sum) {
  std::lock_guard<std::mutex> guard{journal_mutex_};
  journal_ = sum;
}

void http_metrics::set_queue(uint32_t event, int64_t waiting, int64_t active, int64_t pre_queue) {
  std::lock_guard<std::mutex> guard{queues_mutex_};
  queues_[event] = {waiting, active, pre_queue};
}

std::string http_metrics::render() const {
  std::string out;
  out += "# HELP holdfast_http_requests_total HTTP requests by route and status.\n"
         "# TYPE holdfast_http_requests_total counter\n";
  for (size_t r = 0; r < routes; ++r)
    for (size_t s = 0; s <= statuses.size(); ++s)
      if (auto n = requests_[r][s].load()) {
        out += "holdfast_http_requests_total{route=\"";
        out += route_name(static_cast<route>(r));
        out += "\",status=\"";
        out += s < statuses.size() ? std::to_string(statuses[s]) : "other";
        out += "\"} " + std::to_string(n) + "\n";
      }
  out += "# HELP holdfast_http_request_seconds Request latency by route.\n"
         "# TYPE holdfast_http_request_seconds histogram\n";
  for (size_t r = 0; r < routes; ++r) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= buckets_us.size(); ++b)
      cumulative += latency_[r][b].load();
    if (cumulative == 0) continue;
    const std::string name = route_name(static_cast<route>(r));
    uint64_t running = 0;
    for (size_t b = 0; b <= buckets_us.size(); ++b) {
      running += latency_[r][b].load();
      out += "holdfast_http_request_seconds_bucket{route=\"" + name + "\",le=\"" +
             (b < buckets_us.size() ? std::to_string(buckets_us[b] / 1e6) : "+Inf") + "\"} " +
             std::to_string(running) + "\n";
    }
    out += "holdfast_http_request_seconds_sum{route=\"" + name + "\"} " +
           std::to_string(latency_sum_us_[r].load() / 1e6) + "\n";
    out += "holdfast_http_request_seconds_count{route=\"" + name + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  auto line = [&](const char* name, const char* type, const char* help, auto value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(value) + "\n";
  };
  line("holdfast_holds_granted_total", "counter", "Holds granted over HTTP.",
       holds_granted_.load());
  line("holdfast_holds_refused_total", "counter", "Holds refused over HTTP.",
       holds_refused_.load());
  auto fact = [this](const std::atomic<uint64_t> sales_counters::*counter) -> uint64_t {
    return sales_ != nullptr ? (sales_->*counter).load(std::memory_order_relaxed) : 0;
  };
  line("holdfast_orders_confirmed_total", "counter",
       "Orders made, counted by the event actors (a retry or a restart counts none twice).",
       fact(&sales_counters::orders_confirmed));
  out += "# HELP holdfast_payments_total Payments that ended, by outcome, counted by the "
         "checkout actors (refunded: money returned, e.g. paid after the hold was lost).\n"
         "# TYPE holdfast_payments_total counter\n";
  const std::pair<const char*, const std::atomic<uint64_t> sales_counters::*> outcomes[] = {
      {"captured", &sales_counters::payments_captured},
      {"declined", &sales_counters::payments_declined},
      {"refunded", &sales_counters::payments_refunded}};
  for (const auto& [name, counter] : outcomes)
    out += std::string("holdfast_payments_total{outcome=\"") + name + "\"} " +
           std::to_string(fact(counter)) + "\n";
  out += "# HELP holdfast_checkout_answers_total Answers to POST /v1/orders by payment status.\n"
         "# TYPE holdfast_checkout_answers_total counter\n";
  for (size_t s = 0; s < checkout_answers_.size(); ++s)
    out += std::string("holdfast_checkout_answers_total{status=\"") +
           std::string(client_status_name(static_cast<client_status>(s))) + "\"} " +
           std::to_string(checkout_answers_[s].load()) + "\n";
  line("holdfast_websocket_clients", "gauge", "Open live seat-map WebSockets.", ws_clients_.load());
  line("holdfast_websocket_dropped_slow_total", "counter",
       "WebSocket clients dropped for not keeping up.", ws_dropped_slow_.load());
  line("holdfast_http_accept_errors_total", "counter",
       "Failed accepts (e.g. out of file descriptors); each pauses that listener 100 ms.",
       accept_errors_.load());
  line("holdfast_seatmap_renders_total", "counter",
       "Seat maps rendered (and gzipped): at most one at a time per event.",
       seatmap_renders_.load());
  line("holdfast_gateway_in_flight", "gauge",
       "Requests waiting on an actor (waiting room, checkout, orders, waitlist, seat map).",
       gateway_in_flight_.load());
  line("holdfast_gateway_refused_total", "counter",
       "Requests refused with 503 overloaded because gateway_in_flight_max were waiting.",
       gateway_refused_.load());
  out +=
      "# HELP holdfast_antibot_blocks_total Requests refused by the anti-bot checks, by reason.\n"
      "# TYPE holdfast_antibot_blocks_total counter\n";
  for (size_t r = 0; r < blocks_.size(); ++r)
    out += std::string("holdfast_antibot_blocks_total{reason=\"") +
           block_reason_name(static_cast<block_reason>(r)) + "\"} " +
           std::to_string(blocks_[r].load()) + "\n";
  {
    std::lock_guard<std::mutex> guard{queues_mutex_};
    const char* names[] = {"holdfast_queue_waiting", "holdfast_queue_active",
                           "holdfast_queue_pre_queue"};
    const char* helps[] = {"Users in line in an event's waiting room (sampled per scrape).",
                           "Admitted users shopping in an event (sampled per scrape).",
                           "Users in an event's pre-queue before the open (sampled per scrape)."};
    for (size_t k = 0; k < 3 && !queues_.empty(); ++k) {
      out +=
          std::string("# HELP ") + names[k] + " " + helps[k] + "\n# TYPE " + names[k] + " gauge\n";
      for (const auto& [event, values] : queues_)
        out += std::string(names[k]) + "{event=\"" + std::to_string(event) + "\"} " +
               std::to_string(values[k]) + "\n";
    }
  }
  journal_stats journal;
  {
    std::lock_guard<std::mutex> guard{journal_mutex_};
    journal = journal_;
  }
  line("holdfast_journal_commits_total", "counter", "Journal transactions committed.",
       journal.commits);
  line("holdfast_journal_records_total", "counter", "Journal records committed.", journal.records);
  out += "# HELP holdfast_journal_commit_seconds Time one journal transaction took to commit "
         "(inserts and fsync).\n"
         "# TYPE holdfast_journal_commit_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t k = 0; k < journal_commit_buckets_us.size(); ++k) {
    cumulative += k < journal.commit_buckets.size() ? journal.commit_buckets[k] : 0;
    out += "holdfast_journal_commit_seconds_bucket{le=\"" +
           std::to_string(journal_commit_buckets_us[k] / 1e6) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += "holdfast_journal_commit_seconds_bucket{le=\"+Inf\"} " + std::to_string(journal.commits) +
         "\n";
  out +=
      "holdfast_journal_commit_seconds_sum " + std::to_string(journal.commit_us_total / 1e6) + "\n";
  out += "holdfast_journal_commit_seconds_count " + std::to_string(journal.commits) + "\n";
  line("holdfast_journal_commit_max_seconds", "gauge", "Longest commit since the node started.",
       journal.commit_us_max / 1e6);
  out += "# HELP holdfast_build_info The running build: its version (always 1).\n"
         "# TYPE holdfast_build_info gauge\n"
         "holdfast_build_info{version=\"" HOLDFAST_VERSION "\"} 1\n";
  out += render_process_metrics();
  return out;
}

} // namespace holdfast

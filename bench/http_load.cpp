// http-load: an HTTP/1.1 load generator (Boost.Beast + Asio, nothing else).
//
// N keep-alive connections, each with one request in flight at a time, spread
// over T threads that each run their own io_context (share nothing: every
// thread owns its connections and its statistics; they are merged once, at the
// end). The run lasts --warmup + --seconds and then stops by itself: after the
// deadline no request starts, requests in flight get --timeout to finish, and a
// hard stop follows one second later whatever happens. Only responses that
// complete inside the measured window are counted. Connection errors are
// counted, never fatal: the connection reconnects after a short pause.
//
// With --rate R the connections are paced open-loop-ish: connection i sends at
// fixed times spaced connections/R seconds apart, and latency is measured from
// the time a request was *due*, not from when it went out, so a slow server is
// charged for the requests it delayed (no coordinated omission, as in wrk2).
// Due requests go out on one timer per thread ticking every --pace-tick-us
// (1 ms, like wrk2's event-loop timers); the tick's delay counts as latency.
//
// Requests carry Host and, with a --body, Content-Length and Content-Type:
// application/json, unless a --header gives them. Template language, in the URL
// path, each --header line and the --body (all parts of one request see the
// same {seq}):
//   {seq}          a counter shared by all connections: 0, 1, 2, ...
//   {conn}         the index of the sending connection, 0..connections-1
//   {rand:N}       a uniform integer in 0..N-1
//   {rand:LO:HI}   a uniform integer in LO..HI (both included)
//   {pick:a|b|c}   one of the listed strings, uniformly
//   {line:NAME}    line (seq mod count) of the file given as --lines NAME=FILE;
//                  e.g. one bearer token a line, or one seat id a line
// Any other brace is literal, so JSON bodies need no escaping. Examples: a hold on
// a random demo seat, and a hold on a different seat each time by a rotating user:
//   --body '{"seats":["{pick:101|102|...|220}-{pick:A|B|...|Y}-{rand:1:50}"]}'
//   --lines seats=seats.txt --lines tokens=tokens.txt
//   --body '{"seats":["{line:seats}"]}' --header 'Authorization: Bearer {line:tokens}'
//
// Output: a human report, or with --json one line of JSON for scripts.
//
// The core (request_template, latency_histogram, load_stats, run_load) has no
// ties to main() so the simulator can drive it with its own plan and hook.
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/program_options.hpp>

namespace holdfast::http_load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using error_code = boost::system::error_code;

inline constexpr uint32_t connections_max = 65'536;
inline constexpr uint32_t threads_max = 256;
inline constexpr uint32_t response_body_bytes_max = 64u << 20;
inline constexpr int64_t reconnect_pause_ms = 100;
inline constexpr int64_t sweep_interval_ms = 50;

// -- randomness ---------------------------------------------------------------

// splitmix64: tiny, fast, and good enough to pick seats. One per connection, so
// a seed replays the same request stream per connection.
class rng {
public:
  explicit rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). The modulo bias is below 2^-40 for any n we use.
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }

private:
  uint64_t state_;
};

// -- templates ----------------------------------------------------------------

// The lines of one --lines NAME=FILE, never empty.
struct line_set {
  std::string name;
  std::vector<std::string> lines;
};

// What varies from one request to the next, as the template sees it.
struct template_vars {
  uint64_t seq = 0;
  uint32_t conn = 0;
  rng* random = nullptr;
  const std::vector<line_set>* line_sets = nullptr;
};

// A string with {placeholders}, parsed once into segments and rendered per
// request by appending to a caller-owned buffer (no allocation once warm).
class request_template {
public:
  // Returns an empty string on success, else what is wrong with `text`.
  // {line:NAME} must name one of `sets`.
  std::string parse(std::string_view text, const std::vector<line_set>& sets = {}) {
    segments_.clear();
    std::string literal;
    for (size_t i = 0; i < text.size();) {
      segment seg;
      size_t used = 0;
      if (text[i] == '{') {
        if (auto err = parse_placeholder(text.substr(i), sets, seg, used); !err.empty()) return err;
      }
      if (used == 0) {
        literal += text[i++];
        continue;
      }
      flush_literal(literal);
      segments_.push_back(std::move(seg));
      i += used;
    }
    flush_literal(literal);
    return {};
  }

  bool is_static() const {
    return std::all_of(segments_.begin(), segments_.end(),
                       [](const segment& s) { return s.what == kind::literal; });
  }

  void render(const template_vars& vars, std::string& out) const {
    for (const auto& s : segments_) {
      switch (s.what) {
      case kind::literal:
        out += s.text;
        break;
      case kind::seq:
        append_number(out, vars.seq);
        break;
      case kind::conn:
        append_number(out, vars.conn);
        break;
      case kind::rand:
        append_number(out, s.lo + vars.random->below(s.hi - s.lo + 1));
        break;
      case kind::pick:
        out += s.choices[vars.random->below(s.choices.size())];
        break;
      case kind::line: {
        const auto& lines = (*vars.line_sets)[s.lo].lines;
        out += lines[vars.seq % lines.size()];
        break;
      } break;
      }
    }
  }

private:
  enum class kind { literal, seq, conn, rand, pick, line };
  struct segment {
    kind what = kind::literal;
    std::string text;
    uint64_t lo = 0, hi = 0;
    std::vector<std::string> choices;
  };

  static void append_number(std::string& out, uint64_t v) {
    char buf[24];
    int n = std::snprintf(buf, sizeof buf, "%lu", static_cast<unsigned long>(v));
    out.append(buf, static_cast<size_t>(n));
  }

  static bool parse_u64(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 18) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  }

  // `text` starts with '{'. Sets `used` to the placeholder's length, or leaves
  // it 0 when the brace is literal. Errors only for a malformed known form.
  static std::string parse_placeholder(std::string_view text, const std::vector<line_set>& sets,
                                       segment& seg, size_t& used) {
    const auto close = text.find('}');
    if (close == std::string_view::npos) return {};
    const auto inner = text.substr(1, close - 1);
    const auto bad = [&] { return "bad placeholder {" + std::string(inner) + "}"; };
    if (inner == "seq" || inner == "conn") {
      seg.what = inner == "seq" ? kind::seq : kind::conn;
    } else if (inner.starts_with("line:")) {
      seg.what = kind::line;
      const auto it = std::find_if(sets.begin(), sets.end(),
                                   [&](const line_set& l) { return l.name == inner.substr(5); });
      if (it == sets.end()) return "no --lines set named " + std::string(inner.substr(5));
      seg.lo = static_cast<uint64_t>(it - sets.begin());
    } else if (inner.starts_with("rand:")) {
      seg.what = kind::rand;
      auto args = inner.substr(5);
      auto colon = args.find(':');
      if (colon == std::string_view::npos) {
        if (!parse_u64(args, seg.hi) || seg.hi == 0) return bad();
        seg.hi -= 1;
      } else if (!parse_u64(args.substr(0, colon), seg.lo) ||
                 !parse_u64(args.substr(colon + 1), seg.hi) || seg.lo > seg.hi) {
        return bad();
      }
    } else if (inner.starts_with("pick:")) {
      seg.what = kind::pick;
      auto rest = inner.substr(5);
      for (size_t bar; (bar = rest.find('|')) != std::string_view::npos;
           rest.remove_prefix(bar + 1))
        seg.choices.emplace_back(rest.substr(0, bar));
      seg.choices.emplace_back(rest);
    } else {
      return {};
    }
    used = close + 1;
    return {};
  }

  void flush_literal(std::string& literal) {
    if (literal.empty()) return;
    segments_.push_back(segment{kind::literal, std::move(literal), 0, 0, {}});
    literal.clear();
  }

  std::vector<segment> segments_;
};

// -- statistics ---------------------------------------------------------------

// Log-bucketed latency histogram in nanoseconds, HDR-style: exact below 128 ns,
// then 64 linear sub-buckets per power of two (relative error under 1.6%).
class latency_histogram {
public:
  void record(uint64_t ns) {
    ns = std::min(ns, value_ns_max);
    ++counts_[index_of(ns)];
    ++total_;
    max_ns_ = std::max(max_ns_, ns);
  }
  void merge(const latency_histogram& other) {
    for (size_t i = 0; i < bucket_count; ++i)
      counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ns_ = std::max(max_ns_, other.max_ns_);
  }
  uint64_t total() const { return total_; }
  uint64_t max_ns() const { return max_ns_; }

  // The highest value equivalent to the sample at quantile q (0..1).
  uint64_t quantile_ns(double q) const {
    if (total_ == 0) return 0;
    const auto rank =
        std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_))));
    uint64_t seen = 0;
    for (size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper_of(i), max_ns_);
    }
    return max_ns_;
  }

private:
  static constexpr uint64_t value_ns_max = 3'600'000'000'000ull; // one hour, 2^41.7
  static constexpr size_t bucket_count = 42 * 64 + 128;

  static size_t index_of(uint64_t v) {
    if (v < 128) return static_cast<size_t>(v);
    const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - 7; // >= 1
    return shift * 64 + static_cast<size_t>(v >> shift);
  }
  static uint64_t upper_of(size_t i) {
    if (i < 128) return i;
    const size_t shift = i / 64 - 1;
    const uint64_t top = i - shift * 64;
    return ((top + 1) << shift) - 1;
  }

  std::array<uint64_t, bucket_count> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ns_ = 0;
};

// What one thread saw; summed over threads at the end. Responses and bytes are
// those completed inside the measured window; errors cover the whole run.
struct load_stats {
  static constexpr size_t status_max = 600;
  uint64_t responses = 0;
  uint64_t bytes_in = 0;
  std::array<uint64_t, status_max> by_status{}; // index 0: unparsable codes
  uint64_t connect_errors = 0;
  uint64_t read_errors = 0;
  uint64_t write_errors = 0;
  uint64_t timeouts = 0;
  uint64_t reconnects = 0; // server asked to close (Connection: close) or errors
  latency_histogram latency;

  void merge(const load_stats& o) {
    responses += o.responses;
    bytes_in += o.bytes_in;
    for (size_t i = 0; i < status_max; ++i)
      by_status[i] += o.by_status[i];
    connect_errors += o.connect_errors;
    read_errors += o.read_errors;
    write_errors += o.write_errors;
    timeouts += o.timeouts;
    reconnects += o.reconnects;
    latency.merge(o.latency);
  }
  uint64_t status_class(unsigned hundreds) const {
    uint64_t n = 0;
    for (size_t i = hundreds * 100; i < hundreds * 100 + 100 && i < status_max; ++i)
      n += by_status[i];
    return n;
  }
  uint64_t errors() const { return connect_errors + read_errors + write_errors + timeouts; }
};

// -- the plan -----------------------------------------------------------------

// Called on a worker thread for every measured response; it must be quick and
// must only touch state owned by that connection index (or synchronize itself).
using response_hook = std::function<void(uint32_t conn, unsigned status, std::string_view body)>;

struct load_plan {
  std::string host = "127.0.0.1";
  uint16_t port = 80;
  std::string method = "GET";
  request_template path;
  std::vector<request_template> headers; // each renders to one "Name: value" line
  request_template body;
  bool has_body = false;
  bool add_host = true;         // no Host among the headers
  bool add_content_type = true; // no Content-Type among the headers
  std::vector<line_set> line_sets;
  uint32_t connections = 64;
  uint32_t threads = 1;
  double warmup_s = 2;
  double seconds = 10;
  double rate_per_s = 0;        // 0: as fast as responses come back
  uint32_t pace_tick_us = 1000; // paced sends go out on ticks this far apart
  double timeout_s = 5;
  uint64_t seed = 1;
  response_hook on_response;
};

// -- one connection -----------------------------------------------------------

class connection;

// Paced sends of one worker go through one timer at --pace-tick granularity
// (as wrk2's millisecond event-loop timers do): a timer per connection would
// cost the load generator a wake-up and a timerfd_settime per request, CPU
// taken from the server it shares the cores with. A request still counts its
// latency from its exact due time, so the tick's delay is charged to the server.
class pacer {
public:
  pacer(asio::io_context& ioc, clock_type::time_point origin, clock_type::duration tick)
      : timer_(ioc), origin_(origin), tick_(tick) {}
  void schedule(clock_type::time_point due, connection* c) {
    waiting_.push(entry{due, c});
    arm();
  }

private:
  struct entry {
    clock_type::time_point due;
    connection* conn;
    bool operator>(const entry& o) const { return due > o.due; }
  };
  void arm();
  void fire();

  asio::steady_timer timer_;
  clock_type::time_point origin_;
  clock_type::duration tick_;
  std::priority_queue<entry, std::vector<entry>, std::greater<>> waiting_;
  std::optional<clock_type::time_point> armed_for_;
};

// What the connections of one worker thread share. Only that thread touches it,
// except `seq`, which all workers share.
struct worker_context {
  const load_plan& plan;
  tcp::endpoint endpoint;
  clock_type::time_point start, measure_from, end, hard_stop;
  std::atomic<uint64_t>& seq;
  load_stats stats;
  uint32_t active = 0;   // connections not finished
  pacer* pace = nullptr; // set when plan.rate_per_s > 0
};

// One keep-alive connection with one request in flight:
//
//   connect --> [pace] --> write --> read --+--> [pace] --> write ...
//      ^                                    | Connection: close, error, timeout
//      +------------- pause <---------------+
//   (past the deadline, any state) --> finished
class connection {
public:
  connection(asio::io_context& ioc, worker_context& ctx, uint32_t index)
      : ctx_(ctx), index_(index), socket_(ioc), timer_(ioc),
        random_(ctx.plan.seed * 1'000'003 + index) {
    if (ctx.plan.rate_per_s > 0) {
      interval_ = std::chrono::nanoseconds(
          static_cast<int64_t>(1e9 * ctx.plan.connections / ctx.plan.rate_per_s));
      // Spread the connections' phases evenly over one interval.
      next_due_ = ctx.start + interval_ * index / ctx.plan.connections;
    }
  }

  void start() {
    ++ctx_.active;
    do_connect();
  }

  // Called by the worker's sweep: closes a connection whose operation is late.
  void check_timeout(clock_type::time_point now) {
    if (busy_since_ && now - *busy_since_ > timeout()) {
      timed_out_ = true;
      error_code ignored;
      socket_.close(ignored);
    }
  }

private:
  clock_type::duration timeout() const {
    return std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(ctx_.plan.timeout_s));
  }

  void do_connect() {
    if (clock_type::now() >= ctx_.end) return finish();
    busy_since_ = clock_type::now();
    socket_.async_connect(ctx_.endpoint, [this](error_code ec) { on_connect(ec); });
  }

  void on_connect(error_code ec) {
    busy_since_.reset();
    if (ec) return fail(ec, ctx_.stats.connect_errors);
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);
    if (ec) return fail(ec, ctx_.stats.connect_errors);
    next_request();
  }

  void next_request() {
    const auto now = clock_type::now();
    if (now >= ctx_.end) return finish();
    if (interval_.count() == 0) return do_write(now);
    const auto due = next_due_;
    next_due_ += interval_;
    if (due <= now) return do_write(due);
    if (due >= ctx_.end) return finish();
    ctx_.pace->schedule(due, this);
  }

public:
  // The pacer's call: `due` has come (the tick may have rounded it up).
  void on_due(clock_type::time_point due) {
    if (finished_) return;
    do_write(due);
  }

private:
  // The request is first written with a plain call on the non-blocking socket
  // (a request nearly always fits the send buffer): against async_write this
  // saves a completion hop per request. A load generator sharing two cores
  // with the server must be frugal.
  void do_write(clock_type::time_point due) {
    due_ = due;
    busy_since_ = clock_type::now();
    if (request_.empty() || !static_request_) render_request();
    error_code ec;
    const size_t sent = asio::write(socket_, asio::buffer(request_), ec);
    if (ec != asio::error::would_block) return on_write(ec);
    asio::async_write(socket_, asio::buffer(request_) + sent,
                      [this](error_code ec, size_t) { on_write(ec); });
  }

  void on_write(error_code ec) {
    if (ec) return fail(ec, ctx_.stats.write_errors);
    parser_.emplace();
    parser_->body_limit(response_body_bytes_max);
    response_bytes_ = 0;
    parse_buffered();
  }

  // async_read_some, not async_wait + read: Asio keeps the socket registered
  // edge-triggered and reads speculatively only when the last read filled its
  // buffer, so a response costs one recv and no epoll_ctl (a wait_read costs an
  // epoll_ctl per request).
  void wait_readable() {
    constexpr size_t read_chunk = 4096;
    socket_.async_read_some(buffer_.prepare(read_chunk), [this](error_code ec, size_t n) {
      if (ec) return fail(ec, ctx_.stats.read_errors);
      buffer_.commit(n);
      parse_buffered();
    });
  }

  // Feeds what was read to the parser: the response is done, or more is needed.
  void parse_buffered() {
    while (buffer_.size() > 0 && !parser_->is_done()) {
      error_code ec;
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      response_bytes_ += used;
      if (ec == http::error::need_more) break;
      if (ec) return fail(ec, ctx_.stats.read_errors);
      if (used == 0) break;
    }
    if (parser_->is_done()) return on_read({});
    wait_readable();
  }

  void on_read(error_code ec) {
    if (ec) return fail(ec, ctx_.stats.read_errors);
    busy_since_.reset();
    const auto now = clock_type::now();
    const auto& res = parser_->get();
    if (now >= ctx_.measure_from && now < ctx_.end) record(res, response_bytes_, now);
    if (!res.keep_alive()) {
      ++ctx_.stats.reconnects;
      return reconnect();
    }
    next_request();
  }

  void record(const http::response<http::string_body>& res, size_t bytes,
              clock_type::time_point now) {
    auto& s = ctx_.stats;
    ++s.responses;
    s.bytes_in += bytes;
    const unsigned status = res.result_int();
    ++s.by_status[status < load_stats::status_max ? status : 0];
    s.latency.record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - due_).count()));
    if (ctx_.plan.on_response) ctx_.plan.on_response(index_, status, res.body());
  }

  // Counts the error (as a timeout when the sweep closed us), then reconnects.
  void fail(error_code ec, uint64_t& counter) {
    busy_since_.reset();
    if (ec == asio::error::operation_aborted && clock_type::now() >= ctx_.end && !timed_out_)
      return finish();
    ++(timed_out_ ? ctx_.stats.timeouts : counter);
    timed_out_ = false;
    ++ctx_.stats.reconnects;
    reconnect();
  }

  void reconnect() {
    error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
    if (clock_type::now() >= ctx_.end) return finish();
    timer_.expires_after(std::chrono::milliseconds(reconnect_pause_ms));
    timer_.async_wait([this](error_code ec) {
      if (ec) return finish();
      do_connect();
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    busy_since_.reset();
    error_code ignored;
    socket_.close(ignored);
    --ctx_.active;
  }

  void render_request() {
    const auto& plan = ctx_.plan;
    template_vars vars{ctx_.seq.fetch_add(1, std::memory_order_relaxed), index_, &random_,
                       &plan.line_sets};
    body_.clear();
    if (plan.has_body) plan.body.render(vars, body_);
    request_.clear();
    request_ += plan.method;
    request_ += ' ';
    plan.path.render(vars, request_);
    request_ += " HTTP/1.1\r\n";
    if (plan.add_host) request_ += "Host: " + plan.host + ":" + std::to_string(plan.port) + "\r\n";
    for (const auto& h : plan.headers) {
      h.render(vars, request_);
      request_ += "\r\n";
    }
    if (plan.has_body) {
      if (plan.add_content_type) request_ += "Content-Type: application/json\r\n";
      request_ += "Content-Length: " + std::to_string(body_.size()) + "\r\n";
    }
    request_ += "\r\n";
    request_ += body_;
    static_request_ = plan.path.is_static() && plan.body.is_static() &&
                      std::all_of(plan.headers.begin(), plan.headers.end(),
                                  [](const request_template& t) { return t.is_static(); });
  }

  worker_context& ctx_;
  const uint32_t index_;
  tcp::socket socket_;
  asio::steady_timer timer_; // reconnect pauses (pacing is the worker's pacer)
  rng random_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  size_t response_bytes_ = 0;
  // Requests are written as raw bytes: rendering a template straight into one
  // reused string is cheaper than building and serializing a beast::http message.
  std::string request_, body_;
  bool static_request_ = false;
  std::chrono::nanoseconds interval_{0};
  clock_type::time_point next_due_, due_;
  std::optional<clock_type::time_point> busy_since_;
  bool timed_out_ = false;
  bool finished_ = false;
};

void pacer::arm() {
  if (waiting_.empty()) return;
  // The first tick boundary at or after the earliest due time.
  const auto since = waiting_.top().due - origin_;
  const auto at = origin_ + (since + tick_ - clock_type::duration(1)) / tick_ * tick_;
  if (armed_for_ && *armed_for_ <= at) return;
  armed_for_ = at;
  timer_.expires_at(at); // cancels an earlier wait, whose handler sees operation_aborted
  timer_.async_wait([this](error_code ec) {
    if (ec) return;
    armed_for_.reset();
    fire();
  });
}

void pacer::fire() {
  const auto now = clock_type::now();
  while (!waiting_.empty() && waiting_.top().due <= now) {
    const entry e = waiting_.top();
    waiting_.pop();
    e.conn->on_due(e.due);
  }
  arm();
}

// -- one thread ---------------------------------------------------------------

// Owns an io_context and its connections; a sweep timer enforces timeouts and
// the hard stop, and lets the context run out of work once all have finished.
class worker {
public:
  worker(worker_context ctx_init, std::vector<uint32_t> conn_indexes)
      : ctx_(std::move(ctx_init)), sweep_(ioc_),
        pace_(ioc_, ctx_.start,
              std::chrono::duration_cast<clock_type::duration>(
                  std::chrono::microseconds(ctx_.plan.pace_tick_us))) {
    if (ctx_.plan.rate_per_s > 0) ctx_.pace = &pace_;
    for (auto i : conn_indexes)
      conns_.push_back(std::make_unique<connection>(ioc_, ctx_, i));
  }
  void run() {
    for (auto& c : conns_)
      c->start();
    arm_sweep();
    ioc_.run();
  }
  const load_stats& stats() const { return ctx_.stats; }

private:
  void arm_sweep() {
    sweep_.expires_after(std::chrono::milliseconds(sweep_interval_ms));
    sweep_.async_wait([this](error_code ec) {
      if (ec) return;
      const auto now = clock_type::now();
      if (now >= ctx_.hard_stop) return ioc_.stop();
      for (auto& c : conns_)
        c->check_timeout(now);
      if (ctx_.active > 0) arm_sweep();
    });
  }

  asio::io_context ioc_{1};
  worker_context ctx_;
  asio::steady_timer sweep_;
  pacer pace_; // holds connection pointers: declared before, destroyed after them
  std::vector<std::unique_ptr<connection>> conns_; // destroyed before ioc_
};

// -- the run ------------------------------------------------------------------

struct load_result {
  load_stats stats;
  double measured_s = 0; // the window the stats cover
  std::string error;     // set when the run could not start (e.g. unresolvable host)
};

// Runs the plan to completion on plan.threads threads and returns merged stats.
// Blocks for about warmup + seconds (+ timeout at worst, + 1 s hard stop).
load_result run_load(const load_plan& plan) {
  load_result result;
  asio::io_context resolve_ioc;
  error_code ec;
  auto found = tcp::resolver(resolve_ioc).resolve(plan.host, std::to_string(plan.port), ec);
  if (ec || found.empty()) {
    result.error = "cannot resolve " + plan.host + ": " + ec.message();
    return result;
  }
  const auto to_dur = [](double s) {
    return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
  };
  std::atomic<uint64_t> seq{0};
  const auto start = clock_type::now();
  const auto measure_from = start + to_dur(plan.warmup_s);
  const auto end = measure_from + to_dur(plan.seconds);
  const auto hard_stop = end + to_dur(plan.timeout_s + 1.0);

  std::vector<std::unique_ptr<worker>> workers;
  for (uint32_t t = 0; t < plan.threads; ++t) {
    std::vector<uint32_t> mine;
    for (uint32_t c = t; c < plan.connections; c += plan.threads)
      mine.push_back(c);
    workers.push_back(std::make_unique<worker>(
        worker_context{
            plan, found.begin()->endpoint(), start, measure_from, end, hard_stop, seq, {}, 0},
        std::move(mine)));
  }
  std::vector<std::thread> threads;
  for (auto& w : workers)
    threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads)
    t.join();
  for (auto& w : workers)
    result.stats.merge(w->stats());
  result.measured_s = plan.seconds;
  return result;
}

// -- reporting ----------------------------------------------------------------

struct quantile_row {
  const char* name;
  double q;
};
inline constexpr std::array<quantile_row, 4> quantiles{
    {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p99.9", 0.999}}};

void print_report(const load_plan& plan, const std::string& url, const load_result& r) {
  const auto& s = r.stats;
  const double secs = r.measured_s > 0 ? r.measured_s : 1;
  std::printf("http-load: %s %s, %u connections, %u threads, %.1f s (+%.1f s warmup)",
              plan.method.c_str(), url.c_str(), plan.connections, plan.threads, plan.seconds,
              plan.warmup_s);
  if (plan.rate_per_s > 0) std::printf(", paced at %.0f req/s", plan.rate_per_s);
  std::printf("\n  requests   %lu  (%.1f/s)\n", static_cast<unsigned long>(s.responses),
              static_cast<double>(s.responses) / secs);
  std::printf("  bytes in   %lu  (%.2f MB/s)\n", static_cast<unsigned long>(s.bytes_in),
              static_cast<double>(s.bytes_in) / secs / 1e6);
  std::printf(
      "  status     2xx %lu  3xx %lu  4xx %lu  5xx %lu  |",
      static_cast<unsigned long>(s.status_class(2)), static_cast<unsigned long>(s.status_class(3)),
      static_cast<unsigned long>(s.status_class(4)), static_cast<unsigned long>(s.status_class(5)));
  for (size_t i = 0; i < load_stats::status_max; ++i)
    if (s.by_status[i] != 0)
      std::printf(" %zu: %lu", i, static_cast<unsigned long>(s.by_status[i]));
  std::printf("\n  errors     connect %lu  read %lu  write %lu  timeout %lu  (reconnects %lu)\n",
              static_cast<unsigned long>(s.connect_errors),
              static_cast<unsigned long>(s.read_errors), static_cast<unsigned long>(s.write_errors),
              static_cast<unsigned long>(s.timeouts), static_cast<unsigned long>(s.reconnects));
  std::printf("  latency   ");
  for (const auto& q : quantiles)
    std::printf(" %s %.3f ms ", q.name, static_cast<double>(s.latency.quantile_ns(q.q)) / 1e6);
  std::printf(" max %.3f ms\n", static_cast<double>(s.latency.max_ns()) / 1e6);
}

void print_json(const load_plan& plan, const load_result& r) {
  const auto& s = r.stats;
  const double secs = r.measured_s > 0 ? r.measured_s : 1;
  std::printf("{\"connections\":%u,\"threads\":%u,\"seconds\":%.3f,\"rate_target\":%.1f,"
              "\"requests\":%lu,\"requests_per_s\":%.1f,\"bytes_in\":%lu,\"bytes_per_s\":%.1f,",
              plan.connections, plan.threads, plan.seconds, plan.rate_per_s,
              static_cast<unsigned long>(s.responses), static_cast<double>(s.responses) / secs,
              static_cast<unsigned long>(s.bytes_in), static_cast<double>(s.bytes_in) / secs);
  std::printf(
      "\"status_class\":{\"2xx\":%lu,\"3xx\":%lu,\"4xx\":%lu,\"5xx\":%lu},\"status\":{",
      static_cast<unsigned long>(s.status_class(2)), static_cast<unsigned long>(s.status_class(3)),
      static_cast<unsigned long>(s.status_class(4)), static_cast<unsigned long>(s.status_class(5)));
  const char* sep = "";
  for (size_t i = 0; i < load_stats::status_max; ++i) {
    if (s.by_status[i] == 0) continue;
    std::printf("%s\"%zu\":%lu", sep, i, static_cast<unsigned long>(s.by_status[i]));
    sep = ",";
  }
  std::printf("},\"errors\":{\"connect\":%lu,\"read\":%lu,\"write\":%lu,\"timeout\":%lu},"
              "\"reconnects\":%lu,\"latency_us\":{",
              static_cast<unsigned long>(s.connect_errors),
              static_cast<unsigned long>(s.read_errors), static_cast<unsigned long>(s.write_errors),
              static_cast<unsigned long>(s.timeouts), static_cast<unsigned long>(s.reconnects));
  for (const auto& q : quantiles)
    std::printf("\"%s\":%.1f,", q.name, static_cast<double>(s.latency.quantile_ns(q.q)) / 1e3);
  std::printf("\"max\":%.1f}}\n", static_cast<double>(s.latency.max_ns()) / 1e3);
}

} // namespace holdfast::http_load

// -- command line -------------------------------------------------------------

namespace {

using namespace holdfast::http_load;

struct cli_options {
  std::string url, method = "GET", body;
  std::vector<std::string> headers, lines; // lines: NAME=FILE
  bool has_body = false;
  bool json = false;
};

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// Splits http://host[:port]/path into the plan. Empty string on success.
std::string parse_url(const std::string& url, load_plan& plan, std::string& path) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) return "only http:// URLs are supported: " + url;
  auto rest = std::string_view(url).substr(scheme.size());
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const auto colon = authority.rfind(':');
  plan.host = std::string(authority.substr(0, colon));
  if (colon == std::string_view::npos) return plan.host.empty() ? "no host in " + url : "";
  const auto port = std::atoi(std::string(authority.substr(colon + 1)).c_str());
  if (port <= 0 || port > 65535) return "bad port in " + url;
  plan.port = static_cast<uint16_t>(port);
  return plan.host.empty() ? "no host in " + url : "";
}

// Reads each --lines NAME=FILE. Empty string on success.
std::string load_line_sets(const std::vector<std::string>& specs, std::vector<line_set>& out) {
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) return "--lines needs NAME=FILE: " + spec;
    line_set set{spec.substr(0, eq), {}};
    std::ifstream in(spec.substr(eq + 1));
    if (!in) return "cannot open " + spec.substr(eq + 1);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) set.lines.push_back(std::move(line));
    if (set.lines.empty()) return spec.substr(eq + 1) + " has no lines";
    out.push_back(std::move(set));
  }
  return {};
}

// Builds the plan from the flags. Empty string on success.
std::string make_plan(const cli_options& cli, load_plan& plan) {
  std::string path;
  if (auto err = parse_url(cli.url, plan, path); !err.empty()) return err;
  if (cli.method.empty() ||
      !std::all_of(cli.method.begin(), cli.method.end(),
                   [](char c) { return c >= 'A' && c <= 'Z'; }) ||
      cli.method == "HEAD" || cli.method == "CONNECT")
    return "unsupported method " + cli.method;
  plan.method = cli.method;
  if (auto err = load_line_sets(cli.lines, plan.line_sets); !err.empty()) return err;
  const auto& sets = plan.line_sets;
  if (auto err = plan.path.parse(path, sets); !err.empty()) return "url: " + err;
  for (const auto& h : cli.headers) {
    if (h.find(':') == std::string::npos) return "header needs 'Name: value': " + h;
    if (iequals_prefix(h, "host:")) plan.add_host = false;
    if (iequals_prefix(h, "content-type:")) plan.add_content_type = false;
    plan.headers.emplace_back();
    if (auto err = plan.headers.back().parse(h, sets); !err.empty()) return "header: " + err;
  }
  plan.has_body = cli.has_body;
  if (auto err = plan.body.parse(cli.body, sets); !err.empty()) return "body: " + err;
  if (plan.connections == 0 || plan.connections > connections_max) return "bad --connections";
  if (plan.threads == 0 || plan.threads > threads_max) return "bad --threads";
  plan.threads = std::min(plan.threads, plan.connections);
  if (!(plan.seconds > 0) || plan.warmup_s < 0 || !(plan.timeout_s > 0) || plan.rate_per_s < 0)
    return "--seconds and --timeout must be > 0, --warmup and --rate >= 0";
  if (plan.pace_tick_us == 0 || plan.pace_tick_us > 1'000'000) return "bad --pace-tick-us";
  return {};
}

} // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  cli_options cli;
  load_plan plan;
  plan.threads = std::max(1u, std::thread::hardware_concurrency() / 2);
  po::options_description desc("http-load: HTTP/1.1 load generator (template forms: see the "
                               "top of bench/http_load.cpp)");
  desc.add_options()("help", "this text")("url", po::value(&cli.url)->required(),
                                          "http://host:port/path (templated)")(
      "method", po::value(&cli.method), "GET, POST, PUT, PATCH or DELETE")(
      "header", po::value(&cli.headers)->composing(), "'Name: value' (repeatable, templated)")(
      "body", po::value(&cli.body), "request body (templated); Content-Type defaults to JSON")(
      "lines", po::value(&cli.lines)->composing(), "NAME=FILE: lines {line:NAME} takes in turn")(
      "connections", po::value(&plan.connections), "keep-alive connections (64)")(
      "threads", po::value(&plan.threads), "io_context threads (cores/2)")(
      "seconds", po::value(&plan.seconds),
      "measured duration (10)")("warmup", po::value(&plan.warmup_s), "unmeasured lead-in (2)")(
      "rate", po::value(&plan.rate_per_s), "target requests/s over all connections (0: max)")(
      "pace-tick-us", po::value(&plan.pace_tick_us),
      "with --rate: due requests go out on ticks this many us apart (1000)")(
      "timeout", po::value(&plan.timeout_s), "per-operation timeout in seconds (5)")(
      "seed", po::value(&plan.seed), "seed for {rand} and {pick} (1)")(
      "json", po::bool_switch(&cli.json), "print one line of JSON instead of the report");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::printf("%s", (std::ostringstream() << desc).str().c_str());
      return 0;
    }
    po::notify(vm);
    cli.has_body = vm.count("body") > 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http-load: %s\n", e.what());
    return 2;
  }
  if (auto err = make_plan(cli, plan); !err.empty()) {
    std::fprintf(stderr, "http-load: %s\n", err.c_str());
    return 2;
  }
  const auto result = run_load(plan);
  if (!result.error.empty()) {
    std::fprintf(stderr, "http-load: %s\n", result.error.c_str());
    return 1;
  }
  if (cli.json)
    print_json(plan, result);
  else
    print_report(plan, cli.url, result);
  return 0;
}

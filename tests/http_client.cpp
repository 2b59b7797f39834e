#include "tests/http_client.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

namespace holdfast::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr uint64_t response_body_bytes_max = 64ull << 20; // the seat map is ~5 MB

// Runs the asynchronous operation `start` begins on `io` for at most
// `timeout`. On timeout every operation on `socket` is cancelled (the socket
// stays open) and the result is beast::error::timeout.
template <class Start>
error_code run_bounded(asio::io_context& io, tcp::socket& socket, std::chrono::milliseconds timeout,
                       Start&& start) {
  std::optional<error_code> result;
  start([&result](error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run_for(timeout);
  if (result) return *result;
  error_code ignored;
  socket.cancel(ignored);
  io.restart();
  io.run();
  if (result && *result != asio::error::operation_aborted) return *result;
  return beast::error::timeout;
}

bool closed_by_peer(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == http::error::partial_message;
}

std::atomic<send_split> split_mode{send_split::whole};

// Writes `wire` as the current split mode says.
void write_split(tcp::socket& socket, const std::string& wire, error_code& ec) {
  const auto mode = split_mode.load(std::memory_order_relaxed);
  if (mode == send_split::whole) {
    asio::write(socket, asio::buffer(wire), ec);
    return;
  }
  size_t at = 0;
  while (at < wire.size() && !ec) {
    size_t n = 1;
    if (mode == send_split::lines) {
      const auto eol = wire.find("\r\n", at);
      n = eol == std::string::npos ? wire.size() - at : eol + 2 - at;
    }
    asio::write(socket, asio::buffer(wire.data() + at, n), ec);
    at += n;
    if (mode == send_split::lines && at < wire.size())
      std::this_thread::sleep_for(std::chrono::milliseconds(1)); // apart in the server's reads
  }
}

error_code connect_loopback(asio::io_context& io, tcp::socket& socket, uint16_t port) {
  error_code ec;
  socket.connect(tcp::endpoint{asio::ip::make_address_v4("127.0.0.1"), port}, ec);
  if (!ec) socket.set_option(tcp::no_delay(true), ec);
  return ec;
}

http_reply to_reply(http::response<http::string_body>&& res) {
  http_reply out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.fields[name] = std::string(f.value());
  }
  out.keep_alive = res.keep_alive();
  out.body = std::move(res.body());
  return out;
}

} // namespace

std::string http_reply::field(const std::string& lower_name) const {
  auto it = fields.find(lower_name);
  return it == fields.end() ? std::string{} : it->second;
}

json::value http_reply::json() const {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  return ec ? json::value{} : v;
}

std::string http_reply::error_code() const {
  const json::value v = json();
  const auto* obj = v.if_object();
  const auto* err = obj ? obj->if_contains("error") : nullptr;
  const auto* code = err && err->is_object() ? err->as_object().if_contains("code") : nullptr;
  return code && code->is_string() ? std::string(code->as_string()) : std::string{};
}

void set_send_split(send_split mode) {
  split_mode.store(mode, std::memory_order_relaxed);
}
send_split current_send_split() {
  return split_mode.load(std::memory_order_relaxed);
}

// --- http_client --------------------------------------------------------------

http_client::http_client(uint16_t port) : port_(port), socket_(io_) {}

http_client::~http_client() {
  close();
}

void http_client::close() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  buffer_.clear();
}

bool http_client::connect(std::string& error) {
  buffer_.clear();
  if (auto ec = connect_loopback(io_, socket_, port_)) {
    error = "connect: " + ec.message();
    socket_.close(ec);
    return false;
  }
  return true;
}

http_reply http_client::request(http::verb verb, const std::string& target, const std::string& body,
                                const headers& extra, std::chrono::milliseconds timeout) {
  http_reply out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = socket_.is_open();
    if (!reused && !connect(out.error)) return out;
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::user_agent, "holdfast-api-test");
    for (const auto& [name, value] : extra)
      req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    error_code ec;
    std::ostringstream wire;
    wire << req;
    write_split(socket_, wire.str(), ec);
    // A server refusing an oversized request answers and closes before it
    // has read everything: the write then fails, but the answer is there.
    const bool write_cut = ec && closed_by_peer(ec);
    if (!ec || write_cut) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(response_body_bytes_max);
      parser.skip(verb == http::verb::head); // a HEAD answer has a length but no body
      ec = run_bounded(io_, socket_, timeout,
                       [&](auto handler) { http::async_read(socket_, buffer_, parser, handler); });
      if (!ec) {
        out = to_reply(parser.release());
        if (!out.keep_alive || write_cut) close();
        return out;
      }
    }
    close();
    // A keep-alive connection the server closed while it sat idle fails before
    // any byte of the answer. Only a GET is retried: a retry cannot duplicate it.
    if (!(reused && verb == http::verb::get && closed_by_peer(ec))) {
      out.error = ec.message();
      return out;
    }
  }
  return out;
}

// --- raw_connection -----------------------------------------------------------

raw_connection::raw_connection(uint16_t port) : socket_(io_) {
  if (auto ec = connect_loopback(io_, socket_, port)) connect_error_ = ec.message();
}

raw_connection::~raw_connection() {
  error_code ec;
  socket_.close(ec);
}

bool raw_connection::send(std::string_view bytes) {
  error_code ec;
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
  return !ec;
}

http_reply raw_connection::read_response(std::chrono::milliseconds timeout) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(response_body_bytes_max);
  auto ec = run_bounded(io_, socket_, timeout,
                        [&](auto handler) { http::async_read(socket_, buffer_, parser, handler); });
  if (ec) {
    http_reply out;
    out.error = ec.message();
    return out;
  }
  return to_reply(parser.release());
}

bool raw_connection::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char scratch[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    auto ec = run_bounded(io_, socket_, left, [&](auto handler) {
      socket_.async_read_some(asio::buffer(scratch), handler);
    });
    if (ec == beast::error::timeout) return false;
    if (ec) return true; // EOF or reset: the server let go
  }
}

// --- ws_client ----------------------------------------------------------------

ws_client::ws_client(uint16_t port, const std::string& target) : ws_(io_) {
  auto& socket = ws_.next_layer();
  if (auto ec = connect_loopback(io_, socket, port)) {
    error_ = "connect: " + ec.message();
    return;
  }
  beast::websocket::response_type res;
  auto ec = run_bounded(io_, socket, default_timeout, [&](auto handler) {
    ws_.async_handshake(res, "127.0.0.1:" + std::to_string(port), target, handler);
  });
  if (ec) {
    error_ = ec.message();
    if (res.result_int() != 0) error_ = "status " + std::to_string(res.result_int());
  }
}

ws_client::~ws_client() {
  close();
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  if (!error_.empty() || !ws_.next_layer().is_open()) return std::nullopt;
  buffer_.clear();
  auto ec = run_bounded(io_, ws_.next_layer(), timeout,
                        [&](auto handler) { ws_.async_read(buffer_, handler); });
  if (ec) {
    // A cancelled WebSocket read leaves the stream unusable: drop it.
    error_code ignored;
    ws_.next_layer().close(ignored);
    return std::nullopt;
  }
  return beast::buffers_to_string(buffer_.data());
}

void ws_client::close() {
  error_code ec;
  ws_.next_layer().shutdown(tcp::socket::shutdown_both, ec);
  ws_.next_layer().close(ec);
}

bool node_healthy(uint16_t port) {
  http_client c(port);
  const auto r = c.get("/healthz");
  return r.status == 200 && r.json() == json::value(json::object{{"status", "ok"}});
}

} // namespace holdfast::test

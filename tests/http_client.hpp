// Small synchronous HTTP/1.1 and WebSocket clients for tests that talk to a
// real holdfast-node over loopback. Every operation has a deadline: a read
// that does not complete in time is cancelled and reported as a timeout, so a
// wedged server fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/value.hpp>

namespace holdfast::test {

using namespace std::chrono_literals;
using headers = std::vector<std::pair<std::string, std::string>>;

constexpr auto default_timeout = 10s;

// How http_client sends each request: in one write, one byte a write, or one
// write per line ("\r\n"-terminated piece, the body last) with a pause
// between writes so the server's reads see the pieces apart. api-test runs
// its whole suite in each mode (--split=bytes|lines): a node must answer a
// request the same however it arrives.
enum class send_split { whole, bytes, lines };
void set_send_split(send_split mode);
send_split current_send_split();

struct http_reply {
  int status = 0;                            // 0: no response (transport error in `error`)
  std::string error;                         // transport error, empty when a response arrived
  std::map<std::string, std::string> fields; // lower-case header names
  std::string body;
  bool keep_alive = false;

  std::string field(const std::string& lower_name) const;
  // The body as JSON; null when it does not parse.
  boost::json::value json() const;
  // error.code of a JSON error body, or "" when the body is not one.
  std::string error_code() const;
};

// One keep-alive connection. Reconnects lazily when the server closed it.
class http_client {
public:
  explicit http_client(uint16_t port);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  http_reply request(boost::beast::http::verb verb, const std::string& target,
                     const std::string& body = {}, const headers& extra = {},
                     std::chrono::milliseconds timeout = default_timeout);
  http_reply get(const std::string& target, const headers& extra = {}) {
    return request(boost::beast::http::verb::get, target, {}, extra);
  }
  http_reply post(const std::string& target, const std::string& body, const headers& extra = {}) {
    return request(boost::beast::http::verb::post, target, body, extra);
  }
  http_reply del(const std::string& target, const headers& extra = {}) {
    return request(boost::beast::http::verb::delete_, target, {}, extra);
  }
  bool is_open() const { return socket_.is_open(); }
  void close();

private:
  bool connect(std::string& error);

  uint16_t port_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// A bare TCP connection for what a well-behaved client never sends.
class raw_connection {
public:
  explicit raw_connection(uint16_t port);
  ~raw_connection();
  bool connected() const { return socket_.is_open() && connect_error_.empty(); }
  const std::string& connect_error() const { return connect_error_; }

  // Writes all bytes; false when the server has closed or reset the connection.
  bool send(std::string_view bytes);
  // Reads one HTTP response (status 0 on close or timeout).
  http_reply read_response(std::chrono::milliseconds timeout = default_timeout);
  // Waits up to `timeout` for the server to close the connection, discarding
  // what it sends. True when it closed (EOF or reset) in time.
  bool wait_closed(std::chrono::milliseconds timeout);

private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::string connect_error_;
};

// A WebSocket client: handshake, then text messages with a deadline each.
class ws_client {
public:
  ws_client(uint16_t port, const std::string& target);
  ~ws_client();
  // "" when the handshake succeeded, else what went wrong (including the
  // HTTP status of a refused upgrade, as "status 404").
  const std::string& handshake_error() const { return error_; }
  // The next text message, or nullopt on timeout or close.
  std::optional<std::string> read(std::chrono::milliseconds timeout);
  void close();

private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  std::string error_;
};

// A fresh connection asks GET /healthz; true when it answers 200 {"status":"ok"}.
bool node_healthy(uint16_t port);

} // namespace holdfast::test

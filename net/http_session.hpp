// One HTTP/1.1 connection. Reads a request (bounded header and body, a
// deadline against slow clients), hands it to the api, writes the answer when
// it comes back (on this connection's thread), and repeats while
// the client keeps the connection alive. Upgrades to a WebSocket on /live.
//
// The hot path is kept lean because the I/O threads are where a spike costs
// CPU: the socket is a plain tcp::socket (no per-operation timer), the answer
// is serialized into one string and sent with one write, and the deadline is a
// single watchdog timer that is re-armed lazily: a request only stores its new
// deadline; the watchdog, when it wakes, closes the connection if the deadline
// passed and otherwise sleeps until the current one.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/api.hpp"
#include "net/request_reader.hpp"
#include "net/session_context.hpp"

namespace holdfast {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket&& socket,
               std::shared_ptr<const session_context> context);
  void run();

private:
  using clock = std::chrono::steady_clock;

  void do_read();
  void wait_readable();
  void on_bytes(boost::beast::error_code ec, size_t n);
  // Acts on what the reader says; false when it needs more bytes.
  bool act_on(request_reader::verdict v);
  // Answers "Expect: 100-continue" once the header is in and the body is not.
  void send_continue();
  void on_request();
  void refuse_and_close(http_response res);
  void upgrade();
  void send(http_answer a);
  void on_write(bool keep_alive, boost::beast::error_code ec, size_t);
  void close();
  void arm_watchdog(clock::time_point at);
  void on_watchdog(boost::beast::error_code ec);

  std::shared_ptr<const session_context> context_; // declared first: destroyed last
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer watchdog_;
  clock::time_point deadline_;   // the client must finish reading or writing by then
  bool awaiting_answer_ = false; // the request is with the actors: no client deadline
  bool closed_ = false;
  request_reader reader_;
  std::string out_;                                // the serialized answer, alive until written
  std::shared_ptr<const std::string> shared_body_; // an answer's shared body, until written
  std::string client_ip_;                          // the peer, for the per-IP rate limit
};

// The wire form of a response: status line, fields, blank line, body. Bodies
// are always sized (prepare_payload); nothing here is chunked.
void serialize_response(const http_response& res, std::string& out);

} // namespace holdfast

// One live seat-map client: a WebSocket that only receives. Messages come from
// the event's live hub as shared, pre-rendered JSON; each session keeps a
// bounded queue and a client that falls behind is dropped, never buffered
// forever (it reconnects and refetches the seat map).
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "net/live_listener.hpp"

namespace holdfast {

class http_metrics;

class websocket_session : public live_listener,
                          public std::enable_shared_from_this<websocket_session> {
public:
  // Holds its io_context: live hubs (actors) may release a session after the
  // HTTP server has stopped, and the stream must not outlive its context.
  websocket_session(boost::beast::tcp_stream&& stream, std::shared_ptr<boost::asio::io_context> io,
                    http_metrics& metrics);
  ~websocket_session();

  // Completes the upgrade; `on_open` runs once the handshake succeeded.
  void run(boost::beast::http::request<boost::beast::http::string_body> req,
           std::function<void(std::shared_ptr<websocket_session>)> on_open);
  // Thread-safe: posts onto the session's own executor.
  void send(message msg) override;
  bool closed() const override { return closed_; }
  // Thread-safe: `fn` runs once on the session's executor when the socket
  // closes (at once if it already has). Per-user watchers unwatch from it.
  // Every registered callback runs, in registration order.
  void on_close(std::function<void()> fn);

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, size_t);
  void queue(message msg);
  void do_write();
  void on_write(boost::beast::error_code ec, size_t);
  void mark_closed();

  std::shared_ptr<boost::asio::io_context> io_; // declared first: destroyed last
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<message> outbox_;
  std::function<void(std::shared_ptr<websocket_session>)> on_open_;
  std::vector<std::function<void()>> on_close_;
  http_metrics& metrics_;
  std::atomic<bool> closed_{false};
};

} // namespace holdfast

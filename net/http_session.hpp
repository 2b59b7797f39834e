// One HTTP/1.1 connection. Reads a request (bounded header and body, a
// deadline against slow clients), hands it to the api, writes the answer when
// it comes back (posted onto this connection's executor), and repeats while
// the client keeps the connection alive. Upgrades to a WebSocket on /live.
#pragma once

#include <memory>
#include <optional>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <caf/actor.hpp>

#include "net/api.hpp"

namespace holdfast {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<boost::asio::io_context> io,
               api& routes, caf::actor gateway, http_metrics& metrics, live_hubs& hubs);
  void run();

private:
  void do_read();
  void on_read(boost::beast::error_code ec, size_t);
  void refuse_and_close(http_response res);
  void upgrade();
  void send(http_response res);
  void on_write(bool keep_alive, boost::beast::error_code ec, size_t);
  void close();

  std::shared_ptr<boost::asio::io_context> io_; // handed to a WebSocket on upgrade
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http_response> response_; // alive until written
  api& routes_;
  caf::actor gateway_;
  http_metrics& metrics_;
  live_hubs& hubs_;
  std::string client_ip_; // the peer, for the per-IP rate limit
};

} // namespace holdfast

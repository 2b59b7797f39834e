#include "net/websocket_session.hpp"

#include <boost/asio/post.hpp>

#include "core/limits.hpp"
#include "net/metrics.hpp"

namespace holdfast {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

websocket_session::websocket_session(beast::tcp_stream&& stream,
                                     std::shared_ptr<boost::asio::io_context> io,
                                     http_metrics& metrics)
    : io_(std::move(io)), ws_(std::move(stream)), metrics_(metrics) {
  metrics_.ws_opened();
}

websocket_session::~websocket_session() {
  if (!closed_.exchange(true)) metrics_.ws_closed();
}

void websocket_session::run(beast::http::request<beast::http::string_body> req,
                            std::function<void(std::shared_ptr<websocket_session>)> on_open) {
  on_open_ = std::move(on_open);
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.read_message_max(4096); // clients only ever send pings and closes
  ws_.async_accept(req,
                   beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) {
    mark_closed();
    return;
  }
  if (on_open_) on_open_(shared_from_this());
  on_open_ = nullptr;
  do_read();
}

// Reads only to notice closes (and answer pings, which Beast does itself).
void websocket_session::do_read() {
  ws_.async_read(buffer_,
                 beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, size_t) {
  if (ec) {
    mark_closed();
    return;
  }
  buffer_.consume(buffer_.size());
  do_read();
}

// Counts the socket as gone and releases its descriptor at once: the hub lets
// go of a closed session only at its event's next seat delta, which on a quiet
// event may be a long time (and the per-node socket cap counts open ones).
void websocket_session::mark_closed() {
  if (closed_.exchange(true)) return;
  metrics_.ws_closed();
  beast::get_lowest_layer(ws_).close();
  auto callbacks = std::move(on_close_);
  on_close_.clear();
  for (auto& fn : callbacks)
    fn();
}

void websocket_session::on_close(std::function<void()> fn) {
  boost::asio::post(ws_.get_executor(), [self = shared_from_this(), fn = std::move(fn)]() mutable {
    if (self->closed_)
      fn();
    else
      self->on_close_.push_back(std::move(fn));
  });
}

void websocket_session::send(message msg) {
  boost::asio::post(
      ws_.get_executor(),
      [self = shared_from_this(), msg = std::move(msg)]() mutable { self->queue(std::move(msg)); });
}

void websocket_session::queue(message msg) {
  if (closed_) return;
  if (outbox_.size() >= limits::live_socket_outbox_messages_max) {
    metrics_.ws_dropped_slow();
    mark_closed(); // closes the socket too
    return;
  }
  outbox_.push_back(std::move(msg));
  if (outbox_.size() == 1) do_write();
}

void websocket_session::do_write() {
  ws_.text(true);
  ws_.async_write(boost::asio::buffer(*outbox_.front()),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, size_t) {
  if (ec) {
    mark_closed();
    return;
  }
  outbox_.pop_front();
  if (!outbox_.empty()) do_write();
}

} // namespace holdfast

#include "net/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/all.hpp>

#include "net/websocket_session.hpp"

namespace holdfast {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace {
// A client gets this long to send a whole request (slowloris defence) and to
// read the answer; an idle keep-alive connection is closed after it too.
constexpr auto request_deadline = std::chrono::seconds(10);
constexpr uint64_t http_body_bytes_max = 16 * 1024;
constexpr uint32_t http_header_bytes_max = 8 * 1024;
} // namespace

http_session::http_session(net::ip::tcp::socket&& socket, std::shared_ptr<net::io_context> io,
                           api& routes, caf::actor gateway, http_metrics& metrics, live_hubs& hubs)
    : io_(std::move(io)), stream_(std::move(socket)), routes_(routes), gateway_(std::move(gateway)),
      metrics_(metrics), hubs_(hubs) {
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) client_ip_ = peer.address().to_string();
}

void http_session::run() {
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(http_body_bytes_max);
  parser_->header_limit(http_header_bytes_max);
  stream_.expires_after(request_deadline);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted)
    return close();
  if (ec == http::error::body_limit)
    return refuse_and_close(make_error(http::status::payload_too_large, "body_too_large",
                                       "the body is larger than 16 KiB"));
  if (ec == http::error::header_limit)
    return refuse_and_close(make_error(http::status::request_header_fields_too_large,
                                       "header_too_large", "the headers are larger than 8 KiB"));
  if (ec)
    return refuse_and_close(
        make_error(http::status::bad_request, "bad_request", "the request is not valid HTTP/1.1"));
  if (beast::websocket::is_upgrade(parser_->get())) return upgrade();
  // The answer may come from another thread; it is posted back here.
  auto self = shared_from_this();
  routes_.handle(
      parser_->get(), gateway_,
      [self](http_response res) {
        net::post(self->stream_.get_executor(),
                  [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
      },
      [self](std::function<void()> work) {
        net::post(self->stream_.get_executor(), std::move(work));
      },
      client_ip_);
}

void http_session::refuse_and_close(http_response res) {
  res.keep_alive(false);
  metrics_.observe(route::other, res.result_int(), 0);
  send(std::move(res));
}

void http_session::upgrade() {
  std::optional<http_response> refusal;
  auto event = routes_.live_target(parser_->get(), refusal);
  if (!event) return refuse_and_close(std::move(*refusal));
  stream_.expires_never(); // the WebSocket has its own timeouts
  auto ws = std::make_shared<websocket_session>(std::move(stream_), io_, metrics_);
  auto watch = routes_.live_watch(parser_->get(), event); // per-user pushes, if signed in
  auto hub = hubs_.hub_for(std::move(event));
  ws->run(parser_->release(), [hub, watch](std::shared_ptr<websocket_session> open) {
    std::function<void()> after_hello;
    if (watch) after_hello = [watch, open] { watch(open); };
    caf::anon_send(hub, live_join{std::move(open), std::move(after_hello)});
  });
}

void http_session::send(http_response res) {
  const bool keep_alive = res.keep_alive() && parser_->get().keep_alive();
  res.keep_alive(keep_alive);
  response_ = std::make_shared<http_response>(std::move(res));
  stream_.expires_after(request_deadline);
  http::async_write(
      stream_, *response_,
      beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, size_t) {
  response_.reset();
  if (ec || !keep_alive) return close();
  do_read();
}

void http_session::close() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
}

} // namespace holdfast

#include "net/http_session.hpp"

#include <array>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/all.hpp>

#include "core/limits.hpp"
#include "net/websocket_session.hpp"

namespace holdfast {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace {
constexpr auto request_deadline = std::chrono::milliseconds(limits::http_request_deadline_ms);
} // namespace

void serialize_response(const http_response& res, std::string& out) {
  const auto reason = res.reason();
  const auto& body = res.body();
  out.clear();
  out.reserve(160 + body.size());
  out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(res.result_int());
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& field : res) {
    const auto name = field.name_string();
    const auto value = field.value();
    out.append(name.data(), name.size());
    out += ": ";
    out.append(value.data(), value.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
}

http_session::http_session(net::ip::tcp::socket&& socket,
                           std::shared_ptr<const session_context> context)
    : context_(std::move(context)), socket_(std::move(socket)), watchdog_(socket_.get_executor()) {
  beast::error_code ec;
  const auto peer = socket_.remote_endpoint(ec);
  if (!ec) client_ip_ = peer.address().to_string();
}

void http_session::run() {
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    self->deadline_ = clock::now() + request_deadline;
    self->arm_watchdog(self->deadline_);
    self->do_read();
  });
}

// The watchdog sleeps until the deadline it last saw. Requests move the
// deadline forward without touching the timer; a wake-up before the current
// deadline only goes back to sleep.
void http_session::arm_watchdog(clock::time_point at) {
  watchdog_.expires_at(at);
  watchdog_.async_wait(
      [self = shared_from_this()](beast::error_code ec) { self->on_watchdog(ec); });
}

void http_session::on_watchdog(beast::error_code ec) {
  if (ec || closed_) return; // cancelled: closed or upgraded
  const auto now = clock::now();
  if (awaiting_answer_) return arm_watchdog(now + request_deadline);
  if (now >= deadline_) return close(); // aborts the pending read or write
  arm_watchdog(deadline_);
}

void http_session::do_read() {
  reader_.start();
  deadline_ = clock::now() + request_deadline;
  // A pipelined request may already be waiting in the buffer.
  if (reader_.buffered() > 0) {
    if (act_on(reader_.parse())) return;
    if (reader_.take_continue()) send_continue();
    if (closed_) return;
  }
  wait_readable();
}

// Asio tries a read at once only when the last one did not drain the socket;
// otherwise the read waits for epoll without a wasted recv and without
// re-registering the socket (a plain async_wait would do an epoll_ctl each time).
void http_session::wait_readable() {
  socket_.async_read_some(
      reader_.prepare(),
      [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_bytes(ec, n); });
}

void http_session::on_bytes(beast::error_code ec, size_t n) {
  if (closed_ || ec == net::error::operation_aborted) return close();
  if (ec == net::error::eof) return void(act_on(reader_.end_of_stream()));
  if (ec) return close(); // reset, or the socket went away
  reader_.commit(n);
  if (act_on(reader_.parse())) return;
  if (reader_.take_continue()) send_continue();
  if (!closed_) wait_readable();
}

bool http_session::act_on(request_reader::verdict v) {
  switch (v) {
  case request_reader::verdict::need_more:
    return false;
  case request_reader::verdict::complete:
    on_request();
    return true;
  case request_reader::verdict::closed:
    close();
    return true;
  case request_reader::verdict::refused: {
    const auto& why = reader_.refusal();
    refuse_and_close(make_error(why.status, why.code, why.message));
    return true;
  }
  }
  return true;
}

// RFC 9110 10.1.1: a client that sent "Expect: 100-continue" waits for this
// interim answer before it sends the body (curl waits a second, then sends
// anyway), so without it every such POST would take a second. A body over the
// limit never gets here: the parser refuses it from its Content-Length, and
// the 413 goes out instead. Nothing else is being written while a request is
// read, so 25 bytes fit the socket's buffer: a non-blocking write, and a
// connection whose buffer cannot take them is closed rather than waited on.
void http_session::send_continue() {
  static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
  beast::error_code ec;
  socket_.non_blocking(true, ec);
  const size_t sent = ec ? 0 : socket_.write_some(net::buffer(interim.data(), interim.size()), ec);
  if (sent != interim.size()) close(); // the pending read ends with operation_aborted
}

void http_session::on_request() {
  if (beast::websocket::is_upgrade(reader_.request())) return upgrade();
  awaiting_answer_ = true;
  // The answer comes on this thread (command lanes, refusals at the edge):
  // it is written at once; from another thread (gateway tasks), it is posted.
  auto self = shared_from_this();
  context_->routes.handle(
      reader_.request(), *context_,
      [self](http_answer a) {
        net::dispatch(self->socket_.get_executor(),
                      [self, a = std::move(a)]() mutable { self->send(std::move(a)); });
      },
      client_ip_);
}

void http_session::refuse_and_close(http_response res) {
  res.keep_alive(false);
  context_->metrics.observe(route::other, res.result_int(), 0);
  context_->routes.log_edge(client_ip_, reader_.request(), res.result_int(), res.body().size());
  send(std::move(res));
}

void http_session::upgrade() {
  std::optional<http_response> refusal;
  auto event = context_->routes.live_target(reader_.request(), client_ip_, refusal);
  if (!event) return refuse_and_close(std::move(*refusal));
  // Per-user pushes (waiting room, waitlist offers) when a live ticket came along.
  auto watch = context_->routes.live_watch(reader_.request(), event, refusal);
  if (refusal) return refuse_and_close(std::move(*refusal));
  closed_ = true; // for this session: the socket now belongs to the WebSocket
  watchdog_.cancel();
  context_->routes.log_edge(client_ip_, reader_.request(), 101, 0); // the handshake answers next
  auto ws = std::make_shared<websocket_session>(beast::tcp_stream(std::move(socket_)), context_->io,
                                                context_->metrics);
  auto hub = context_->hubs.hub_for(std::move(event));
  ws->run(reader_.release(), [hub, watch](std::shared_ptr<websocket_session> open) {
    std::function<void()> after_hello;
    if (watch) after_hello = [watch, open] { watch(open); };
    caf::anon_send(hub, live_join{std::move(open), std::move(after_hello)});
  });
}

void http_session::send(http_answer a) {
  awaiting_answer_ = false;
  if (closed_) return;
  auto& res = a.res;
  const bool keep_alive = res.keep_alive() && reader_.request().keep_alive();
  res.keep_alive(keep_alive);
  serialize_response(res, out_);
  deadline_ = clock::now() + request_deadline;
  auto done = beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive);
  if (!a.shared_body) return net::async_write(socket_, net::buffer(out_), std::move(done));
  // The head from out_, the body from the shared copy, in one gathered write.
  shared_body_ = std::move(a.shared_body);
  const std::array<net::const_buffer, 2> parts{net::buffer(out_), net::buffer(*shared_body_)};
  net::async_write(socket_, parts, std::move(done));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, size_t) {
  shared_body_.reset();
  if (ec || !keep_alive || closed_) return close();
  do_read();
}

void http_session::close() {
  if (closed_ && !socket_.is_open()) return;
  closed_ = true;
  watchdog_.cancel();
  beast::error_code ec;
  socket_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
  socket_.close(ec);
}

} // namespace holdfast

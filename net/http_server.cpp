#include "net/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <caf/all.hpp>

#include "core/limits.hpp"
#include "net/command_lanes.hpp"
#include "net/gateway.hpp"
#include "net/http_session.hpp"

namespace holdfast {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct http_server::worker {
  std::shared_ptr<net::io_context> io = std::make_shared<net::io_context>(1);
  tcp::acceptor acceptor{*io};
  net::steady_timer accept_pause_timer{*io};
  std::shared_ptr<const session_context> sessions; // what its sessions share: io, gateway, lanes
  std::thread thread;
};

http_server::http_server(http_server_config config, api_services& services)
    : config_(std::move(config)), services_(services), routes_(services, config_.which) {}

http_server::~http_server() {
  stop();
}

status http_server::start() {
  const unsigned threads = config_.threads ? config_.threads : default_io_threads();
  boost::system::error_code ec;
  auto address = net::ip::make_address(config_.host, ec);
  if (ec) return status::failure("bad host " + config_.host + ": " + ec.message());
  uint16_t port = config_.port;
  // Several listeners share the port through SO_REUSEPORT, which would just
  // as gladly let a second node (same user, another data dir) join and take
  // a share of the fans. A plain bind first proves nobody holds the port.
  if (threads > 1 && port != 0) {
    net::io_context probe_io;
    tcp::acceptor probe{probe_io};
    probe.open(address.is_v4() ? tcp::v4() : tcp::v6(), ec);
    if (!ec) probe.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(tcp::endpoint{address, port}, ec);
    if (ec)
      return status::failure("cannot listen on " + config_.host + ":" + std::to_string(port) +
                             ": " + ec.message());
  } // the probe closes here and the listeners bind at once
  for (unsigned i = 0; i < threads; ++i) {
    auto w = std::make_unique<worker>();
    tcp::endpoint endpoint{address, port};
    w->acceptor.open(endpoint.protocol(), ec);
    if (!ec) w->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec && threads > 1) {
      int one = 1;
      ::setsockopt(w->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    }
    if (!ec) w->acceptor.bind(endpoint, ec);
    if (!ec) w->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return status::failure("cannot listen on " + config_.host + ":" + std::to_string(port) +
                             ": " + ec.message());
    port = w->acceptor.local_endpoint().port(); // port 0: every worker shares the first's
    auto gateway = spawn_gateway(services_.sys);
    auto lanes = std::make_shared<command_lanes>(services_.sys, services_.dir, w->io, gateway);
    lanes->start();
    w->sessions = std::make_shared<const session_context>(session_context{
        w->io, std::move(gateway), std::move(lanes), routes_, services_.metrics, services_.hubs});
    workers_.push_back(std::move(w));
  }
  port_ = port;
  for (auto& w : workers_) {
    accept(*w);
    w->thread = std::thread([io = w->io] { io->run(); });
  }
  return status::success();
}

void http_server::accept(worker& w) {
  w.acceptor.async_accept(*w.io, [this, &w](boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !w.acceptor.is_open()) return;
    if (ec) {
      services_.metrics.count_accept_error();
      w.accept_pause_timer.expires_after(std::chrono::milliseconds(limits::http_accept_pause_ms));
      w.accept_pause_timer.async_wait([this, &w](boost::system::error_code wait_ec) {
        if (!wait_ec && w.acceptor.is_open()) accept(w);
      });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::make_shared<http_session>(std::move(socket), w.sessions)->run();
    accept(w);
  });
}

void http_server::stop() {
  for (auto& w : workers_)
    net::post(*w->io, [&w] {
      boost::system::error_code ec;
      w->acceptor.close(ec);
      w->accept_pause_timer.cancel();
    });
  // Answers already on their way get a moment to go out; then the loops stop.
  if (!workers_.empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(limits::http_stop_drain_ms));
  for (auto& w : workers_) {
    if (!w->thread.joinable()) continue;
    net::post(*w->io, [io = w->io] { io->stop(); });
    w->thread.join();
  }
  for (auto& w : workers_) {
    w->sessions->lanes->stop(); // the loop has stopped: nothing else touches the lanes
    caf::anon_send_exit(w->sessions->gateway, caf::exit_reason::user_shutdown);
  }
  workers_.clear();
}

} // namespace holdfast

// The HTTP/WebSocket front: I/O threads with one io_context each (by default
// one per two cores, see default_io_threads), each with its own listening socket on the same port
// (SO_REUSEPORT when there are several: the kernel spreads connections; a plain bind first
// proves no other process holds the port), its own command lanes and gateway actor, so a
// request never crosses threads on its way to the actors. stop() closes the listeners, lets
// in-flight answers go out, then joins the threads.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/status.hpp"
#include "net/api.hpp"

namespace holdfast {

// I/O threads when the config leaves it at 0: half the cores, at least one.
// The cores are shared with the CAF workers (CAF starts max(cores, 4)) and each shard's
// journal thread, and every hold crosses all three. On two cores one I/O
// thread instead of two served 10-15% more durable holds flat out (bench/http:
// 51-55K against 44-48K, nginx in the same runs) with bigger batches to the
// event actors, and at the same paced load (37K/s) its p99 was no worse
// (12 ms against 12.5-17 ms). Set node.http_threads to use more.
inline unsigned default_io_threads() {
  return std::max(1u, std::thread::hardware_concurrency() / 2);
}

struct http_server_config {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  unsigned threads = 0; // 0: default_io_threads()
  listener which = listener::public_api;
};

class http_server {
public:
  http_server(http_server_config config, api_services& services);
  ~http_server();

  // Binds and starts serving.
  status start();
  void stop();
  uint16_t port() const { return port_; }

private:
  struct worker;
  void accept(worker& w);

  http_server_config config_;
  api_services& services_;
  api routes_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<worker>> workers_;
};

} // namespace holdfast

// The HTTP/WebSocket front: one io_context and one thread per core, each with
// its own listening socket on the same port (SO_REUSEPORT: the kernel spreads
// connections), its own command lanes and gateway actor, so a request never crosses threads
// on its way to the actors. stop() closes the listeners, lets in-flight
// answers go out, then joins the threads.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "net/api.hpp"

namespace holdfast {

struct http_server_config {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  unsigned threads = 0; // 0: one per core
};

class http_server {
public:
  http_server(http_server_config config, api_services& services);
  ~http_server();

  // Binds and starts serving; empty string on success, else why not.
  std::string start();
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

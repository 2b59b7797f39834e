// What the sessions of one I/O thread share, handed to each as one pointer
// (the `shared_state` of Beast's chat server): the thread's io_context, gateway
// actor and command lanes, and the listener's routes, metrics and live hubs.
// http_server builds one per I/O thread once its lanes are started; a session
// holds it for as long as it lives, so nothing named here goes away under it.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <caf/actor.hpp>

namespace holdfast {

class api;
class command_lanes;
class http_metrics;
class live_hubs;

struct session_context {
  // Kept by a WebSocket after an upgrade: live hubs may release one after the
  // server has stopped, and its stream must not outlive the context it runs on.
  std::shared_ptr<boost::asio::io_context> io;
  caf::actor gateway;                   // this thread's task actor
  std::shared_ptr<command_lanes> lanes; // holds, releases, confirms; used only on this thread
  api& routes;                          // the listener's routes, shared by its threads
  http_metrics& metrics;
  live_hubs& hubs;
};

} // namespace holdfast

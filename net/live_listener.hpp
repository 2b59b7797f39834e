// What a live hub needs of a client watching an event: somewhere to push
// pre-rendered messages, and whether it has gone. websocket_session is the
// real one; tests record what a hub sends.
#pragma once

#include <memory>
#include <string>

namespace holdfast {

class live_listener {
public:
  using message = std::shared_ptr<const std::string>;
  virtual ~live_listener() = default;
  // Thread-safe and never blocks (the hub is an actor on a CAF worker).
  virtual void send(message msg) = 0;
  virtual bool closed() const = 0;
};

} // namespace holdfast

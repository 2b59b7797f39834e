// The one result type for the node's own I/O and start-up steps: files, SQLite,
// sockets, configuration, a payment provider's ledger. Success, or a message
// that says what failed and where, for the operator who reads the log.
//
// Not for refusals to users: a request that may not be granted gets a
// result_code (core/result_code.hpp), which the front turns into a stable JSON
// error code. A status is what the node itself could not do.
#pragma once

#include <string>
#include <utility>

namespace holdfast {

struct [[nodiscard]] status {
  bool ok = true;
  std::string message; // empty on success

  static status success() { return {}; }
  static status failure(std::string message) { return {false, std::move(message)}; }
  explicit operator bool() const { return ok; }
};

} // namespace holdfast

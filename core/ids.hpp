// Identifier types. Hold and order ids carry their event id in the upper 32 bits,
// so any node can route DELETE /v1/holds/{id} to the owning event without a lookup.
#pragma once

#include <cstdint>

namespace holdfast {

using event_id = uint32_t;
using user_id = uint64_t;
using hold_id = uint64_t;
using order_id = uint64_t;
using seat_index = uint32_t;

inline constexpr uint64_t no_id = 0;
// A section index meaning "no GA area" or "any section".
inline constexpr uint16_t no_area = 0xFFFF;

constexpr uint64_t make_event_scoped_id(event_id event, uint32_t seq) {
  return (static_cast<uint64_t>(event) << 32) | seq;
}
constexpr event_id event_of(uint64_t scoped_id) {
  return static_cast<event_id>(scoped_id >> 32);
}
constexpr uint32_t seq_of(uint64_t scoped_id) {
  return static_cast<uint32_t>(scoped_id);
}

} // namespace holdfast

// Every bound in holdfast, in one place. Units come last in the names.
#pragma once

#include <cstdint>

namespace holdfast::limits {

// Seats one hold may take at once. Also the inline capacity of commands and
// outcomes, so no hold allocates for its seat list.
inline constexpr uint32_t hold_seats_max = 16;

// Per-user cap on seats (held + bought) in one event, unless the event says less.
inline constexpr uint32_t user_seats_max_default = 8;
inline constexpr uint32_t user_seats_max_max = hold_seats_max * 4;

// Hold time: default 10 minutes, operators may choose 5 to 15.
inline constexpr int64_t hold_ttl_s_default = 600;
inline constexpr int64_t hold_ttl_s_min = 300;
inline constexpr int64_t hold_ttl_s_max = 900;

// Venue size bounds. A seat index must fit the 32-bit slot reference.
inline constexpr uint32_t venue_seats_max = 1u << 20;
inline constexpr uint32_t venue_sections_max = 4096;
inline constexpr uint32_t ga_capacity_max = 1u << 20;

// Commands in one batch message to an event actor.
inline constexpr uint32_t batch_commands_max = 8192;

// Distinct hold durations alive at once in one event (one deadline lane each).
inline constexpr uint32_t deadline_lanes_max = 64;

// Seat-map deltas are coalesced over this window before they go to subscribers.
inline constexpr int64_t delta_window_ms = 50;
inline constexpr uint32_t subscribers_max = 1u << 16;

// An event writes a snapshot after this many journal records, or after this
// long with any record at all, so recovery replays a bounded tail.
inline constexpr uint64_t snapshot_records_interval = 200'000;
inline constexpr int64_t snapshot_interval_ms = 60'000;

// Waitlist offers one release may trigger at once (a cancelled event's worth
// of seats still settles over several decisions, never in one long stall).
inline constexpr uint32_t waitlist_offers_per_release_max = 1024;

// Hold and order sequence numbers are 32-bit per event (see ids.hpp).
inline constexpr uint64_t event_seq_max = 0xFFFFFFFFull;

} // namespace holdfast::limits

// Every bound in holdfast, in one place. Units come last in the names.
#pragma once

#include <cstddef>
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
// Map coordinates (seats and section labels) lie within +-this: best available
// scores a seat by its distance from the middle in millionths, in an int64.
inline constexpr float venue_coordinate_abs_max = 1'000'000;

// Commands in one batch message to an event actor.
inline constexpr uint32_t batch_commands_max = 8192;

// Distinct hold durations alive at once in one event (one deadline lane each).
inline constexpr uint32_t deadline_lanes_max = 64;

// Seat-map deltas are coalesced over this window before they go to subscribers.
inline constexpr int64_t delta_window_ms = 50;
inline constexpr uint32_t subscribers_max = 1u << 16;
// Open live WebSockets per node (each holds a descriptor, buffers and up to 64
// queued messages). Beyond it an upgrade gets 503 too_many_sockets; the seat
// map stays readable over GET, and the web UI retries the socket with backoff.
inline constexpr uint32_t live_sockets_max_default = 50'000;
inline constexpr uint32_t live_sockets_max_max = 1u << 20;

// Requests a node has waiting on an actor through its gateways (the waiting
// room, checkout, orders, waitlist, uncached seat maps): each is a
// request().then in a gateway actor, and CAF 0.17 slows down badly with
// thousands outstanding from one actor (SPEC.md: ~121K/s at 4,096, ~2.5K/s at
// a million). Beyond the bound such a request gets 503 overloaded with
// Retry-After: 1 at once; holds, releases and confirms have their own bounds
// (command lanes) and are not counted here.
inline constexpr uint32_t gateway_in_flight_max_default = 4096;
inline constexpr uint32_t gateway_in_flight_max_max = 1u << 16;

// An event writes a snapshot after this many journal records, or after this
// long with any record at all, so recovery replays a bounded tail (a million
// records replay in about half a second). Fewer would cost CPU: a snapshot of
// an event with 200,000 live holds takes ~300 ms of CPU to copy, encode and
// write, 1.5 us per record at 200,000; at a million it is 0.3 us.
inline constexpr uint64_t snapshot_records_interval = 1'000'000;
inline constexpr int64_t snapshot_interval_ms = 60'000;

// Waitlist offers one release may trigger at once (a cancelled event's worth
// of seats still settles over several decisions, never in one long stall).
inline constexpr uint32_t waitlist_offers_per_release_max = 1024;

// Anti-bot token buckets at the HTTP edge (net/antibot.hpp), each configurable
// in cluster.conf's [limits]; a rate of 0 turns that bucket off. Sized for
// people: a fan's browser polls the queue every 3 s and the waitlist every 5 s,
// so 10 requests a second with a burst of 100 never touches a person, while a
// script that hammers gets 429 + Retry-After. One IP may be a household or an
// office behind NAT, hence its larger bucket.
inline constexpr uint32_t ip_requests_per_s_default = 100;
inline constexpr uint32_t ip_requests_burst_default = 400;
inline constexpr uint32_t user_requests_per_s_default = 10;
inline constexpr uint32_t user_requests_burst_default = 100;
inline constexpr uint32_t device_requests_per_s_default = 10;
inline constexpr uint32_t device_requests_burst_default = 100;
// Hold attempts per user per event (granted or refused): a person picks seats a
// few times a minute; a bot sweeping the map for free seats tries hundreds.
inline constexpr uint32_t hold_attempts_per_min_default = 30;
inline constexpr uint32_t hold_attempts_burst_default = 20;
// Device-Id header values longer than this are ignored (not a device we track).
inline constexpr size_t device_id_bytes_max = 64;

// Proof of work at queue join: leading zero bits, 0 = off. Operators raise it
// per event at run time (PUT /v1/admin/events/{id}/queue), up to
// pow_difficulty_bits_max (net/proof_of_work.hpp).
inline constexpr uint32_t pow_difficulty_default = 0;

// -- the HTTP edge (net/request_reader.hpp, net/http_session.cpp) --
// Every API body is a small JSON document; the largest (a hold of 16 seats
// with an Idempotency-Key) is well under 1 KiB.
inline constexpr uint64_t http_body_bytes_max = 16 * 1024;
inline constexpr uint32_t http_header_bytes_max = 8 * 1024;
// One read from a socket; the reader's buffer holds at most the header bound
// plus one read of unconsumed bytes.
inline constexpr size_t http_read_chunk_bytes = 4096;
inline constexpr size_t http_buffer_bytes_max = http_header_bytes_max + http_read_chunk_bytes;
// A client gets this long to send a whole request (slowloris defence) and to
// read the answer; an idle keep-alive connection is closed after it too.
inline constexpr int64_t http_request_deadline_ms = 10'000;

// Live-socket tickets (net/live_tickets.hpp): a ticket opens one socket within
// this long; a node keeps at most live_tickets_max outstanding, a user
// live_tickets_per_user_max (a browser needs one per reconnect).
inline constexpr int64_t live_ticket_ttl_ms = 30'000;
inline constexpr uint32_t live_tickets_max = 1u << 16;
inline constexpr uint32_t live_tickets_per_user_max = 8;

// Sign-up (POST /v1/users). Every per-user limit (seat cap, one queue place,
// waitlist entries, velocity) is only as strong as an account is costly, so
// an account costs a proof of work (14 bits: about 16,000 SHA-256 hashes, a
// fraction of a second in the web UI's WebCrypto) and each client IP may sign
// up signup_per_ip_per_min accounts a minute after a burst of
// signup_per_ip_burst (a household or an office behind one address signs up
// a few at once; a script signing up thousands does not get them).
inline constexpr uint32_t signup_pow_difficulty_default = 14;
inline constexpr size_t user_name_bytes_max = 64;
// A user's bearer token lives this long (sign up again after it).
inline constexpr int64_t user_token_ttl_ms = 30LL * 24 * 3600 * 1000;
inline constexpr uint32_t signup_per_ip_per_min_default = 10;
inline constexpr uint32_t signup_per_ip_burst_default = 20;

// Forwarding headers (net/trusted_proxies.hpp): the walk from the nearest
// proxy towards the client looks at most this many hops.
inline constexpr size_t forwarded_hops_max = 16;

// Hold and order sequence numbers are 32-bit per event (see ids.hpp).
inline constexpr uint64_t event_seq_max = 0xFFFFFFFFull;

// -- checkout (domain/checkout_saga.hpp) --
// A finished payment attempt that took no money (declined, refunded) is kept
// this long after it finished to answer a retried Idempotency-Key, then
// evicted from memory and snapshots: Stripe keeps keys for 24 hours too.
// Captured attempts stay: there is one per order, bounded by the venue.
inline constexpr int64_t checkout_retention_ms = 24 * 3600 * 1000;
// Declined payments one hold may collect: a person retyping a card tries a few
// times; a script testing stolen cards against one hold tries thousands.
inline constexpr uint32_t checkout_hold_declines_max = 5;
// Declined payments one user may collect in one event within the retention
// window (over all their holds), so no one account fills the event's
// attempts_max for everyone else.
inline constexpr uint32_t checkout_user_declines_max = 25;
// A keyed card fingerprint (net/auth.hpp) is the first 16 bytes of an
// HMAC-SHA256: collisions need about 2^64 cards. Records accept up to 32.
inline constexpr uint32_t card_fingerprint_bytes = 16;
inline constexpr uint32_t card_fingerprint_bytes_max = 32;

// -- the waiting room (domain/admission_queue.hpp) --
inline constexpr uint32_t queue_users_max_default = 4u << 20; // ~4M users per event
inline constexpr int64_t queue_access_ttl_ms_default = 30 * 60 * 1000;
// The rate limiter may save up this much time's worth of admissions while the
// queue is empty or the active cap binds, so a late tick loses no credit; kept
// short so a quiet spell does not release a flood onto the sale at once.
inline constexpr int64_t queue_burst_window_ms_default = 2'000;
// ETA: admissions are counted in one-second buckets over the last minute.
inline constexpr uint32_t queue_rate_buckets = 60;
inline constexpr int64_t queue_rate_bucket_ms = 1'000;
// A measured rate needs this much history since the open before it is trusted.
inline constexpr int64_t queue_rate_measure_ms_min = 5'000;

// -- the waitlist (domain/waitlist.hpp) --
// Live (waiting or offered) entries in one event's waitlist.
inline constexpr uint32_t waitlist_live_entries_max_default = 1u << 20;
// Entries retained, finished ones included (find() answers for them): bounds
// the waitlist's memory (about 55 bytes an entry, plus about 100 for each user
// with a live entry). A join that finds it full compacts the older half of the
// finished entries away, so it is never exhausted by entries that have ended.
inline constexpr uint32_t waitlist_entries_max_default = 1u << 21;
// Live entries one user may have in one event (one per section preference).
inline constexpr uint32_t waitlist_user_live_entries_max_default = 4;
inline constexpr uint32_t waitlist_user_live_entries_max_max = 16;

} // namespace holdfast::limits

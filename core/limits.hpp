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
static_assert(hold_ttl_s_min <= hold_ttl_s_default && hold_ttl_s_default <= hold_ttl_s_max);
static_assert(user_seats_max_default <= user_seats_max_max);
static_assert(hold_seats_max <= user_seats_max_max);

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
// Open live WebSockets per node (each holds a descriptor, buffers and up to
// live_socket_outbox_messages_max queued messages). Beyond it an upgrade gets
// 503 too_many_sockets; the seat map stays readable over GET, and the web UI
// retries the socket with backoff.
inline constexpr uint32_t live_sockets_max_default = 50'000;
inline constexpr uint32_t live_sockets_max_max = 1u << 20;
static_assert(live_sockets_max_default <= live_sockets_max_max);
// Messages one client may have waiting (net/websocket_session.cpp). Deltas
// come every 50 ms at most, so this is several seconds of falling behind.
inline constexpr size_t live_socket_outbox_messages_max = 64;
static_assert(live_socket_outbox_messages_max * delta_window_ms >= 2'000);
// How long an actor waits before asking again when a shard or event actor did
// not answer (net/retry_backoff.hpp): 100 ms, doubling to 5 s.
inline constexpr int64_t retry_pause_ms_min = 100;
inline constexpr int64_t retry_pause_ms_max = 5'000;
static_assert(0 < retry_pause_ms_min && retry_pause_ms_min <= retry_pause_ms_max);

// Requests a node has waiting on an actor through its gateways (the waiting
// room, checkout, orders, waitlist, uncached seat maps): each is a
// request().then in a gateway actor, and CAF 0.17 slows down badly with
// thousands outstanding from one actor (SPEC.md: ~121K/s at 4,096, ~2.5K/s at
// a million). Beyond the bound such a request gets 503 overloaded with
// Retry-After: 1 at once; holds, releases and confirms have their own bounds
// (command lanes) and are not counted here.
inline constexpr uint32_t gateway_in_flight_max_default = 4096;
inline constexpr uint32_t gateway_in_flight_max_max = 1u << 16;
static_assert(gateway_in_flight_max_default <= gateway_in_flight_max_max);

// An event writes a snapshot after this many journal records, or after this
// long with any record at all, so recovery replays a bounded tail (a million
// records replay in about half a second). Fewer would cost CPU: a snapshot of
// an event with 200,000 live holds takes ~300 ms of CPU to copy, encode and
// write, 1.5 us per record at 200,000; at a million it is 0.3 us.
inline constexpr uint64_t snapshot_records_interval = 1'000'000;
inline constexpr int64_t snapshot_interval_ms = 60'000;
// SQLite (persistence/shard_store.cpp): the WAL is checkpointed every this
// many pages (small, frequent checkpoints hold a commit for less; see there),
// and each connection caches up to this many KiB of pages. A connection waits
// this long on another's lock (the snapshot writer's, or the audit's reading
// while the node writes) before it reports the database busy.
inline constexpr uint32_t sqlite_wal_autocheckpoint_pages = 256;
inline constexpr uint32_t sqlite_cache_kib = 64 * 1024;
inline constexpr int sqlite_busy_timeout_ms = 5'000;
// Journal rows that snapshots made unnecessary are deleted this many per
// commit (actors/journal_actor.cpp), which keeps each commit's added latency
// to a few milliseconds.
inline constexpr uint64_t journal_compaction_slice_rows = 5'000;

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
// Token buckets (net/rate_limiter.hpp): a rate's tokens and period, and a
// bucket's burst, stay within these. 64 stripes, each a lock and a map.
inline constexpr int64_t rate_tokens_max = 1'000'000'000;
inline constexpr int64_t rate_period_ms_max = 1'000'000'000;
inline constexpr uint32_t rate_burst_max = 1'000'000;
inline constexpr size_t rate_limiter_stripes = 64;
// Keys one stripe remembers: 64 x 4,096 = 262,144 keys, about 16 MB at most.
inline constexpr uint32_t rate_limiter_keys_per_stripe_max = 4096;
static_assert(ip_requests_burst_default <= rate_burst_max &&
              user_requests_burst_default <= rate_burst_max &&
              device_requests_burst_default <= rate_burst_max &&
              hold_attempts_burst_default <= rate_burst_max);

// Proof of work at queue join: leading zero bits, 0 = off. Operators raise it
// per event at run time (PUT /v1/admin/events/{id}/queue), up to
// pow_difficulty_bits_max. A challenge (net/proof_of_work.hpp) and a nonce are
// at most the bytes below.
inline constexpr uint32_t pow_difficulty_default = 0;
inline constexpr uint32_t pow_difficulty_bits_max = 32;
inline constexpr size_t pow_challenge_bytes_max = 256;
inline constexpr size_t pow_nonce_bytes_max = 64;
static_assert(pow_difficulty_default <= pow_difficulty_bits_max);
// A challenge is good this long; solved ones are remembered (so a solution
// serves once) up to pow_solved_max: 2^18 covers 870 queue joins a second for
// a whole TTL, in about 16 MB.
inline constexpr int64_t pow_challenge_ttl_ms = 300'000;
inline constexpr uint32_t pow_solved_max = 1u << 18;
static_assert(pow_solved_max >= pow_challenge_ttl_ms / 1000 * 870);

// -- the HTTP edge (net/) --
// Every API body is a small JSON document; the largest (a hold of 16 seats
// with an Idempotency-Key) is well under 1 KiB.
inline constexpr uint64_t http_body_bytes_max = 16 * 1024;
inline constexpr uint32_t http_header_bytes_max = 8 * 1024;
// One read from a socket; the reader's buffer holds at most the header bound
// plus one read of unconsumed bytes.
inline constexpr size_t http_read_chunk_bytes = 4096;
inline constexpr size_t http_buffer_bytes_max = http_header_bytes_max + http_read_chunk_bytes;
static_assert(http_buffer_bytes_max >= http_header_bytes_max);
// The refusals quote these bounds in KiB.
static_assert(http_body_bytes_max % 1024 == 0 && http_header_bytes_max % 1024 == 0);
// A client gets this long to send a whole request (slowloris defence) and to
// read the answer; an idle keep-alive connection is closed after it too.
inline constexpr int64_t http_request_deadline_ms = 10'000;
// How long a listener rests after a failed accept (net/http_server.cpp). Out
// of file descriptors (EMFILE), the pending connection stays queued and every
// retry fails at once: retrying without a pause would spin the I/O thread at
// 100% while the connections it already has wait for it.
inline constexpr int64_t http_accept_pause_ms = 100;
// On stop, answers already on their way get this long to go out before the
// I/O loops stop.
inline constexpr int64_t http_stop_drain_ms = 300;
// Static files: below this a gzipped copy saves less than a packet.
inline constexpr size_t static_gzip_bytes_min = 1024;
// Gzipped request bodies are inflated this much at a time (net/content_coding.cpp).
inline constexpr size_t gunzip_chunk_bytes = 64 * 1024;
// Seat maps (net/api_catalog.cpp): a rendered map younger than this is served
// even if seats changed since: fans catch up through the live deltas, whose
// statuses are absolute.
inline constexpr int64_t seatmap_staleness_ms_max = 250;
static_assert(seatmap_staleness_ms_max < http_request_deadline_ms);
// The access log (net/access_log.hpp): its writer wakes every interval, or
// sooner once write_soon bytes are pending; past pending_bytes_max of
// unwritten lines (a stalled disk), lines are dropped.
inline constexpr int64_t access_log_write_interval_ms = 1'000;
inline constexpr size_t access_log_write_soon_bytes = 256 << 10;
inline constexpr size_t access_log_pending_bytes_max = 16 << 20;
static_assert(access_log_write_soon_bytes <= access_log_pending_bytes_max);
// Queue and access tokens (net/access_tokens.cpp) and user bearer tokens
// (net/auth.cpp) longer than these are refused before their MAC is checked.
inline constexpr size_t access_token_chars_max = 256;
inline constexpr size_t user_token_chars_max = 1024;

// Live-socket tickets (net/live_tickets.hpp): a ticket opens one socket within
// this long; a node keeps at most live_tickets_max outstanding, a user
// live_tickets_per_user_max (a browser needs one per reconnect).
inline constexpr int64_t live_ticket_ttl_ms = 30'000;
inline constexpr uint32_t live_tickets_max = 1u << 16;
inline constexpr uint32_t live_tickets_per_user_max = 8;
static_assert(live_tickets_per_user_max <= live_tickets_max);
// A user at live_tickets_per_user_max is told to wait out a ticket's lifetime,
// in whole seconds.
static_assert(live_ticket_ttl_ms % 1000 == 0);

// Sign-up (POST /v1/users). Every per-user limit (seat cap, one queue place,
// waitlist entries, velocity) is only as strong as an account is costly, so
// an account costs a proof of work (14 bits: about 16,000 SHA-256 hashes, a
// fraction of a second in the web UI's WebCrypto) and each client IP may sign
// up signup_per_ip_per_min accounts a minute after a burst of
// signup_per_ip_burst (a household or an office behind one address signs up
// a few at once; a script signing up thousands does not get them).
inline constexpr uint32_t signup_pow_difficulty_default = 14;
static_assert(signup_pow_difficulty_default <= pow_difficulty_bits_max);
inline constexpr size_t user_name_bytes_max = 64;
// A user's bearer token lives this long (sign up again after it).
inline constexpr int64_t user_token_ttl_ms = 30LL * 24 * 3600 * 1000;
inline constexpr uint32_t signup_per_ip_per_min_default = 10;
inline constexpr uint32_t signup_per_ip_burst_default = 20;
// A bearer token, base64url("v1|<user>|<expires_at_ms>|<name>") + "." +
// base64url(32-byte MAC), fits user_token_chars_max even with the longest name
// and 20-digit numbers.
static_assert((3 + 20 + 1 + 20 + 1 + user_name_bytes_max + 2) / 3 * 4 + 1 + 44 <=
              user_token_chars_max);

// Forwarding headers (net/trusted_proxies.hpp): the walk from the nearest
// proxy towards the client looks at most this many hops.
inline constexpr size_t forwarded_hops_max = 16;

// Hold and order sequence numbers are 32-bit per event (see ids.hpp).
inline constexpr uint64_t event_seq_max = 0xFFFFFFFFull;

// -- answers from actors (net/, actors/, node/) --
// A request from the edge to an actor (a lookup, a seat map, the waiting room,
// the waitlist, a user's holdings, a live subscription) gives up after this
// long: the client gets 503 overloaded, a live subscription asks again.
inline constexpr int64_t actor_answer_timeout_ms = 5'000;
// GET /metrics waits this long for each shard's journal statistics.
inline constexpr int64_t metrics_stats_timeout_ms = 2'000;

// -- command lanes (net/command_lanes.cpp) --
// Holds, releases and confirms bound for one event are batched per I/O
// thread. A lane keeps at most this many batches in flight to its event actor
// and this many commands waiting behind them; beyond that a command is
// refused overloaded. A batch unanswered after the timeout fails its commands
// (overloaded); the sweep for such batches runs every sweep interval.
inline constexpr size_t command_lane_batches_in_flight_max = 32;
inline constexpr size_t command_lane_pending_commands_max = 65'536;
inline constexpr int64_t command_lane_batch_timeout_ms = 10'000;
inline constexpr int64_t command_lane_sweep_interval_ms = 1'000;
// A full lane's backlog fits in one slice, and in the batches it may have in
// flight, so a backlog never waits behind itself for a timeout.
static_assert(command_lane_pending_commands_max >= batch_commands_max);
static_assert(command_lane_pending_commands_max <=
              command_lane_batches_in_flight_max * batch_commands_max);
static_assert(command_lane_sweep_interval_ms < command_lane_batch_timeout_ms);

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
static_assert(card_fingerprint_bytes <= card_fingerprint_bytes_max);
static_assert(checkout_hold_declines_max <= checkout_user_declines_max);
// A card number handed to the provider (never journaled) is at most this long.
inline constexpr size_t card_number_bytes_max = 32;
// The Idempotency-Key header of POST /v1/orders (net/api_orders.cpp) and the
// key a payment attempt remembers (checkout_config::idempotency_key_bytes_max).
inline constexpr size_t idempotency_key_bytes_max = 128;
// POST /v1/orders waits this long for the payment's outcome before it answers
// 202 pending (cluster.conf's payments.checkout_wait_ms, up to the max).
inline constexpr int64_t checkout_wait_ms_default = 3'000;
inline constexpr int64_t checkout_wait_ms_max = 60'000;
static_assert(checkout_wait_ms_default <= checkout_wait_ms_max);
// The edge's request to a checkout actor: the checkout answers within its
// client wait, so this only fires when the actor is gone or stalled.
inline constexpr int64_t checkout_answer_timeout_ms = 75'000;
static_assert(checkout_wait_ms_max < checkout_answer_timeout_ms);
// The checkout actor's lookup of a hold at its event actor.
inline constexpr int64_t checkout_hold_lookup_timeout_ms = 10'000;
// Confirmed orders the checkout actor keeps to answer their waiters; beyond
// this the cache is dropped and answers fetch the order again (confirm is
// idempotent per hold). Clients waiting at once on one checkout actor.
inline constexpr size_t checkout_order_cache_max = 4'096;
inline constexpr size_t checkout_waiters_max = 1u << 16;
// The saga's clock (saga_config). A timed-out provider request is retried
// after the interval, doubling up to the backoff max; captures and refunds are
// retried forever. Lookups of an unknown attempt that may find nothing before
// its key is voided (with these, about 3 minutes: past any late answer). How
// long the host keeps a hold pinned for an unfinished payment. An action with
// no answer after request_wait is presumed lost and re-issued.
inline constexpr int64_t checkout_retry_interval_ms = 5'000;
inline constexpr int64_t checkout_retry_backoff_ms_max = 60'000;
inline constexpr uint32_t checkout_unknown_lookups_max = 6;
inline constexpr int64_t checkout_payment_pin_ms_max = 120'000;
inline constexpr int64_t checkout_request_wait_ms_max = 30'000;
static_assert(checkout_retry_interval_ms <= checkout_retry_backoff_ms_max);
static_assert(checkout_request_wait_ms_max < checkout_payment_pin_ms_max);
// Attempts one event's saga has open (not finished) at once, and keeps in all
// (finished ones answer duplicates until evicted); actions one tick issues.
inline constexpr uint32_t checkout_open_attempts_max = 10'000;
inline constexpr uint32_t checkout_attempts_max = 1u << 20;
inline constexpr uint32_t checkout_actions_per_tick_max = 1024;
static_assert(checkout_open_attempts_max <= checkout_attempts_max);

// -- the test payment provider (payments/test_provider.hpp) --
// Requests queued at once; the checkout saga keeps at most one per open
// attempt in flight, far fewer than this. Events one advance() handles, so
// callbacks that keep issuing zero-latency requests cannot spin it forever;
// the rest wait for the next call.
inline constexpr size_t test_provider_requests_in_flight_max = 1u << 16;
inline constexpr size_t test_provider_events_per_advance_max = 1u << 16;

// -- dynamic pricing (domain/pricing.cpp) --
// Ten billion in currency units: far above any ticket, far below where
// base * ceiling_multiple stops being exact in a double or fitting an int64.
inline constexpr int64_t price_base_cents_max = 1'000'000'000'000;
inline constexpr double price_ceiling_multiple_max = 100.0;
inline constexpr int64_t price_rounding_cents_max = 1'000'000;
static_assert(price_base_cents_max * price_ceiling_multiple_max < 9.0e15); // exact in a double
// The pricing formula's defaults (pricing_config; docs/pricing.md explains
// each): one step per section per interval, at most max_step up or down, the
// velocity term capped at velocity_ratio_max times v_ref (the share of a
// section taken per interval that counts as hot), prices rounded to
// rounding_cents, never above ceiling_pct of the base (an event may say less).
inline constexpr int64_t price_interval_ms_default = 30'000;
inline constexpr uint32_t price_ceiling_pct_default = 300;
inline constexpr double price_k_velocity_default = 1.0;
inline constexpr double price_k_scarcity_default = 1.0;
inline constexpr double price_v_ref_default = 0.02;
inline constexpr double price_velocity_ratio_max_default = 2.0;
inline constexpr double price_max_step_default = 0.15;
inline constexpr int64_t price_rounding_cents_default = 50;
static_assert(price_ceiling_pct_default / 100.0 <= price_ceiling_multiple_max);
static_assert(price_rounding_cents_default <= price_rounding_cents_max);

// -- the waiting room (domain/admission_queue.hpp) --
inline constexpr uint32_t queue_users_max_default = 4u << 20; // ~4M users per event
inline constexpr int64_t queue_access_ttl_ms_default = 30 * 60 * 1000;
// An event's waiting room unless it says otherwise (onsale_config): admissions
// a minute, and admitted users shopping at once.
inline constexpr uint32_t queue_admit_per_min_default = 600;
inline constexpr uint32_t queue_active_max_default = 1000;
// An access token's lifetime as an operator may configure it (node/node_config.cpp).
inline constexpr int64_t queue_access_ttl_s_min = 60;
inline constexpr int64_t queue_access_ttl_s_max = 24 * 3600;
static_assert(queue_access_ttl_s_min * 1000 <= queue_access_ttl_ms_default &&
              queue_access_ttl_ms_default <= queue_access_ttl_s_max * 1000);
// The rate limiter may save up this much time's worth of admissions while the
// queue is empty or the active cap binds, so a late tick loses no credit; kept
// short so a quiet spell does not release a flood onto the sale at once.
inline constexpr int64_t queue_burst_window_ms_default = 2'000;
// ETA: admissions are counted in one-second buckets over the last minute.
inline constexpr uint32_t queue_rate_buckets = 60;
inline constexpr int64_t queue_rate_bucket_ms = 1'000;
// A measured rate needs this much history since the open before it is trusted.
inline constexpr int64_t queue_rate_measure_ms_min = 5'000;
// The queue actor (actors/queue_actor.cpp): admission runs on a short tick so
// a 10/s rate admits smoothly; watchers hear their position about once a
// second, and admissions at once. Watchers one waiting room keeps at most.
inline constexpr int64_t queue_tick_ms = 250;
inline constexpr uint32_t queue_ticks_per_push = 4;
inline constexpr size_t queue_watchers_max = 1u << 20;
static_assert(queue_tick_ms <= queue_burst_window_ms_default); // a late tick loses no credit
static_assert(queue_tick_ms <= queue_rate_bucket_ms);

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
static_assert(waitlist_user_live_entries_max_default <= waitlist_user_live_entries_max_max);
static_assert(waitlist_live_entries_max_default <= waitlist_entries_max_default);
// How long a waitlist offer holds its seats, unless the event says otherwise.
inline constexpr int64_t waitlist_offer_s_default = 900;
static_assert(waitlist_offer_s_default >= hold_ttl_s_min);
// Every (section or any, quantity) pair: bounds the queue walk of next_offer.
inline constexpr uint32_t waitlist_queues_max = (venue_sections_max + 1) * hold_seats_max;

// -- the node (node/) --
// Shards one node runs (cluster.shards).
inline constexpr uint32_t shards_max = 1024;
// The demo waiting room opens at most this long after start-up.
inline constexpr int64_t demo_room_opens_after_s_max = 30LL * 24 * 3600;
// Start-up waits this long for the demo event to be created and opened.
inline constexpr int64_t demo_setup_timeout_ms = 10'000;
// Durability never depends on a graceful exit (answers leave after commit),
// so a shutdown that hangs on some actor is cut short after this long.
inline constexpr int64_t shutdown_grace_ms = 10'000;
static_assert(shutdown_grace_ms % 1000 == 0); // quoted in whole seconds

// -- venue files (net/venue_file.cpp, docs/venue-format.md) --
// A venue file is read whole: the 800,000-seat bench venue written out row by
// row is under 1 MiB, and a million one-seat rows pretty-printed stay under
// this. JSON nesting deeper than the format's own (root, sections, a section,
// rows, a row: 5) is refused before it is built.
inline constexpr size_t venue_file_bytes_max = 64u << 20;
inline constexpr uint32_t venue_file_json_depth_max = 8;
// A refused file lists at most this many errors (and counts the rest).
inline constexpr uint32_t venue_file_errors_max = 100;
// Rows per section and seats per row. Rows are uint16_t in a seat and their
// labels are parse_row_label's (1 to 4 letters); numbers are uint16_t too.
inline constexpr uint32_t venue_section_rows_max = 200;
inline constexpr uint32_t venue_row_seats_max = 500;
inline constexpr uint32_t venue_row_label_bytes_max = 4;
// GA areas count as sections in a venue (venue_sections_max covers both).
inline constexpr uint32_t venue_ga_areas_max = 256;
// Names as UTF-8 bytes: the venue and its city; a section's or GA area's name
// (it starts every seat id) and its tier; a venue id.
inline constexpr size_t venue_name_bytes_max = 128;
inline constexpr size_t venue_section_name_bytes_max = 16;
inline constexpr size_t venue_tier_bytes_max = 32;
inline constexpr size_t venue_id_bytes_max = 64;
// Geometry in map units: seat and row spacing (defaults when a section says
// none), and how far apart auto-laid-out sections stay.
inline constexpr double venue_seat_spacing_default = 10;
inline constexpr double venue_row_spacing_default = 12;
inline constexpr double venue_spacing_max = 1'000;
inline constexpr double venue_layout_gap = 40;
static_assert(venue_ga_areas_max < venue_sections_max);
static_assert(venue_sections_max <= UINT16_MAX + 1u); // seat::section
static_assert(venue_section_rows_max <= UINT16_MAX && venue_row_seats_max <= UINT16_MAX);
static_assert(uint64_t{venue_section_rows_max} * venue_row_seats_max <= venue_seats_max);
static_assert(venue_row_label_bytes_max == 4); // parse_row_label's longest spelling
static_assert(venue_seat_spacing_default <= venue_spacing_max &&
              venue_row_spacing_default <= venue_spacing_max);
// A section at default spacing is at most this wide (its largest side); auto
// layout gives each section a square cell of that side plus the gap, in square
// rings around the stage: 4,096 cells need 32 rings, whose outer edge lies
// well inside the map.
inline constexpr double venue_auto_cell_max =
    (venue_row_seats_max - 1) * venue_seat_spacing_default + venue_layout_gap >
            (venue_section_rows_max - 1) * venue_row_spacing_default + venue_layout_gap
        ? (venue_row_seats_max - 1) * venue_seat_spacing_default + venue_layout_gap
        : (venue_section_rows_max - 1) * venue_row_spacing_default + venue_layout_gap;
static_assert((2 * 32 + 1) * (2 * 32 + 1) >= venue_sections_max + 1);
static_assert((32 + 1) * venue_auto_cell_max < venue_coordinate_abs_max);

} // namespace holdfast::limits

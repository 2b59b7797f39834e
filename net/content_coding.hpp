// Response compression. The seat map of a 50,000-seat venue is ~5 MB of JSON
// and ~0.7 MB gzipped: in an on-sale every fan fetches it, so the bytes on the
// wire matter more than the few milliseconds of CPU per rendered version.
// Pure functions: what a request accepts, and gzip itself (zlib).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace holdfast {

// Whether an Accept-Encoding header value admits gzip (RFC 9110 12.5.3):
// "gzip" or "x-gzip" with a q-value above 0, or "*" above 0 when gzip is not
// listed itself. Codings are case-insensitive; a malformed q counts as 0.
bool accepts_gzip(std::string_view accept_encoding);

// `data` as one gzip member (RFC 1952). Level 1 to 9; 1 is zlib's fastest,
// which on seat-map JSON still gives ~7x.
std::string gzip(std::string_view data, int level = 1);

// The inverse, for tests and clients: nullopt when `data` is not valid gzip or
// would inflate beyond `bytes_max`.
std::optional<std::string> gunzip(std::string_view data, size_t bytes_max);

} // namespace holdfast

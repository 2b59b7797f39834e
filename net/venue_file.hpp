// The venue file: a JSON document an operator writes to describe a venue
// (sections of named rows of numbered seats, general-admission areas, and
// optionally where each section sits on the map), parsed and checked into a
// holdfast::venue. The format, its bounds and its auto-layout are documented in
// docs/venue-format.md, with a JSON Schema in docs/venue.schema.json.
//
// Untrusted bytes: any input gives a venue or a list of errors, never a crash
// or an assert. Every error names the path of what is wrong
// ("sections[3].rows[7].seats: must be 1..500"), and all of them are reported
// (up to limits::venue_file_errors_max), so an operator fixes a file in one go.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/venue.hpp"

namespace holdfast {

// One thing wrong with a venue file. `path` is empty for the document itself
// (not JSON, too large, not an object); otherwise keys joined by '.' with
// array indexes in brackets, as in "ga[0].capacity".
struct venue_file_error {
  std::string path;
  std::string message;

  // "path: message", or the message alone for the document.
  std::string to_string() const;
  friend bool operator==(const venue_file_error&, const venue_file_error&) = default;
};

// A venue, or why the file makes none. Exactly one of the two is set: `venue`
// non-null and no errors, or null with 1 to venue_file_errors_max errors in
// document order; error_count counts every error found, listed or not.
struct venue_file_result {
  std::shared_ptr<const venue> parsed;
  std::vector<venue_file_error> errors;
  uint32_t error_count = 0;
};

// Parses and checks a venue file (callers: the admin API's POST
// /v1/admin/venues and the CLI's `venues create`, later). The venue's id is
// the file's "id", or empty when it has none (the caller assigns one).
venue_file_result parse_venue_file(std::string_view text);

} // namespace holdfast

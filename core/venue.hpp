// A venue: sections -> rows -> seats with tier, base price and map geometry, plus
// general-admission (GA) areas that sell a quantity instead of named seats.
// A venue is immutable once built and shared by every event held in it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "core/status.hpp"

namespace holdfast {

enum class section_kind : uint8_t { assigned, general_admission };

struct section {
  std::string name; // "101", "FLOOR"
  std::string tier; // "lower", "upper", "floor"
  int64_t base_price_cents = 0;
  section_kind kind = section_kind::assigned;
  seat_index first_seat = 0; // assigned: seats [first_seat, first_seat + seat_count)
  uint32_t seat_count = 0;
  uint32_t ga_capacity = 0; // general_admission only
  float x = 0, y = 0;       // label position on the map
};

struct seat {
  uint16_t section = 0;
  uint16_t row = 0;    // 0-based; shown as A, B, ..., Z, AA, ...
  uint16_t number = 0; // 1-based within the row
  float x = 0, y = 0;  // map position
};

// One row of an assigned section: its seats, ordered by number, are
// venue::row_seats(row) (adjacent numbers = seats side by side).
struct seat_row {
  uint16_t section = 0;
  uint16_t row = 0;
  uint32_t first = 0; // into the venue's row-ordered seat list
  uint32_t count = 0;
};

// Why `sections` and `seats` make no venue, or nothing when they make one: 1 to
// venue_sections_max sections; at most venue_seats_max seats; a GA area has no
// seats and a capacity of 1 to ga_capacity_max; the assigned sections' seat
// ranges cover every seat exactly once, each seat naming the section whose range
// holds it; labels are unique; every map position is finite and within
// venue_coordinate_abs_max. Decoders of untrusted bytes ask it before building
// a venue (the constructor asserts it).
std::optional<std::string> venue_error(const std::vector<section>& sections,
                                       const std::vector<seat>& seats);

class venue;

// Builds a venue from untrusted parts (a decoded journal record, an operator's
// venue file): checks them once with venue_error and fails with its reason,
// where the constructor would assert. The check is the costly part of a big
// venue (a set of every seat label), so it is not run twice.
status make_venue(std::string id, std::string name, std::string city,
                  std::vector<section> sections, std::vector<seat> seats,
                  std::shared_ptr<const venue>& out);

class venue {
public:
  // REQUIRES: !venue_error(sections, seats) (asserted). Parts from outside
  // the program go through make_venue instead.
  venue(std::string id, std::string name, std::string city, std::vector<section> sections,
        std::vector<seat> seats);

  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& city() const { return city_; }
  const std::vector<section>& sections() const { return sections_; }
  const std::vector<seat>& seats() const { return seats_; }
  uint32_t seat_count() const { return static_cast<uint32_t>(seats_.size()); }
  uint32_t ga_capacity_total() const { return ga_capacity_total_; }

  // Every row of every assigned section, section by section, rows in order.
  const std::vector<seat_row>& rows() const { return rows_; }
  std::span<const seat_index> row_seats(const seat_row& r) const {
    return {row_ordered_.data() + r.first, r.count};
  }
  uint32_t row_of(seat_index i) const { return row_of_[i]; }

  // "101-C-12": section name, row label, seat number. Stable across restarts.
  std::string seat_label(seat_index index) const;
  std::optional<seat_index> find_seat(std::string_view label) const;
  std::optional<uint16_t> find_section(std::string_view name) const;

  // Whether find_seat resolves this section's labels by parsing them.
  bool parsed_lookup(uint16_t section) const { return layouts_[section].regular; }
  // find_seat through the label map only (the reference the fast path is tested against).
  std::optional<seat_index> find_seat_by_map(std::string_view label) const;

private:
  friend status make_venue(std::string, std::string, std::string, std::vector<section>,
                           std::vector<seat>, std::shared_ptr<const venue>&);
  struct checked_parts {}; // make_venue has run venue_error on them
  venue(checked_parts, std::string id, std::string name, std::string city,
        std::vector<section> sections, std::vector<seat> seats);
  void index(); // derived state: GA total, label map, row layouts and rows

  // A section laid out row after row, seats numbered 1..n in each row: its
  // seat with row r and number k is row_start[r] + k - 1, so a label is found
  // by parsing it, without hashing into a table of every seat.
  struct row_layout {
    bool regular = false;
    std::vector<seat_index> row_start; // one per row, plus the end
  };
  std::optional<seat_index> find_seat_by_layout(std::string_view label) const;
  void build_layouts();
  void build_rows();

  std::string id_, name_, city_;
  std::vector<section> sections_;
  std::vector<seat> seats_;
  uint32_t ga_capacity_total_ = 0;
  std::unordered_map<std::string, seat_index> seat_by_label_;
  std::vector<row_layout> layouts_; // one per section
  std::vector<seat_row> rows_;
  std::vector<seat_index> row_ordered_; // seats grouped by row, by number within one
  std::vector<uint32_t> row_of_;        // seat -> index into rows_
};

std::string row_label(uint16_t row);
// The inverse of row_label for its canonical spellings (A..Z, AA, ...).
std::optional<uint16_t> parse_row_label(std::string_view label);

} // namespace holdfast

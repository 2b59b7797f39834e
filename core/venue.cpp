#include "core/venue.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "core/assert.hpp"
#include "core/limits.hpp"

namespace holdfast {

namespace {

std::string label_of(const section& in, const seat& s) {
  return in.name + "-" + row_label(s.row) + "-" + std::to_string(s.number);
}

} // namespace

std::optional<std::string> venue_error(const std::vector<section>& sections,
                                       const std::vector<seat>& seats) {
  if (sections.empty() || sections.size() > limits::venue_sections_max)
    return "a venue has 1 to " + std::to_string(limits::venue_sections_max) + " sections";
  if (seats.size() > limits::venue_seats_max)
    return "a venue has at most " + std::to_string(limits::venue_seats_max) + " seats";
  auto on_map = [](float x, float y) {
    return std::isfinite(x) && std::isfinite(y) && std::fabs(x) <= limits::venue_coordinate_abs_max &&
           std::fabs(y) <= limits::venue_coordinate_abs_max;
  };
  for (const auto& s : seats)
    if (!on_map(s.x, s.y)) return "a seat lies off the map";
  std::vector<bool> covered(seats.size(), false);
  for (size_t k = 0; k < sections.size(); ++k) {
    const auto& s = sections[k];
    if (!on_map(s.x, s.y)) return "section " + std::to_string(k) + "'s label lies off the map";
    if (s.kind == section_kind::general_admission) {
      if (s.seat_count != 0 || s.ga_capacity == 0 || s.ga_capacity > limits::ga_capacity_max)
        return "GA area " + std::to_string(k) + " has seats or a capacity out of range";
      continue;
    }
    if (uint64_t{s.first_seat} + s.seat_count > seats.size())
      return "section " + std::to_string(k) + "'s seats lie outside the venue";
    for (seat_index i = s.first_seat; i < s.first_seat + s.seat_count; ++i) {
      if (covered[i] || seats[i].section != k)
        return "seat " + std::to_string(i) + " is not in exactly its own section's range";
      covered[i] = true;
    }
  }
  if (std::find(covered.begin(), covered.end(), false) != covered.end())
    return "a seat lies in no section's range";
  std::unordered_set<std::string> labels;
  labels.reserve(seats.size());
  for (const auto& s : seats)
    if (auto label = label_of(sections[s.section], s); !labels.insert(label).second)
      return "two seats have the label " + label;
  return std::nullopt;
}

venue::venue(checked_parts, std::string id, std::string name, std::string city,
             std::vector<section> sections, std::vector<seat> seats)
    : id_(std::move(id)), name_(std::move(name)), city_(std::move(city)),
      sections_(std::move(sections)), seats_(std::move(seats)) {}

venue::venue(std::string id, std::string name, std::string city, std::vector<section> sections,
             std::vector<seat> seats)
    : venue(checked_parts{}, std::move(id), std::move(name), std::move(city), std::move(sections),
            std::move(seats)) {
  HF_ASSERT(!venue_error(sections_, seats_));
  index();
}

status make_venue(std::string id, std::string name, std::string city,
                  std::vector<section> sections, std::vector<seat> seats,
                  std::shared_ptr<const venue>& out) {
  if (auto why = venue_error(sections, seats)) return status::failure(*why);
  std::shared_ptr<venue> built{new venue(venue::checked_parts{}, std::move(id), std::move(name),
                                         std::move(city), std::move(sections), std::move(seats))};
  built->index();
  out = std::move(built);
  return status::success();
}

void venue::index() {
  for (const auto& s : sections_)
    if (s.kind == section_kind::general_admission) ga_capacity_total_ += s.ga_capacity;
  seat_by_label_.reserve(seats_.size());
  for (seat_index i = 0; i < seats_.size(); ++i)
    seat_by_label_.emplace(seat_label(i), i); // unique: venue_error checked
  build_layouts();
  build_rows();
}

void venue::build_rows() {
  row_of_.assign(seats_.size(), 0);
  row_ordered_.reserve(seats_.size());
  for (uint16_t k = 0; k < sections_.size(); ++k) {
    const auto& s = sections_[k];
    if (s.kind != section_kind::assigned) continue;
    const size_t from = row_ordered_.size();
    for (seat_index i = s.first_seat; i < s.first_seat + s.seat_count; ++i)
      row_ordered_.push_back(i);
    std::stable_sort(row_ordered_.begin() + static_cast<std::ptrdiff_t>(from), row_ordered_.end(),
                     [this](seat_index a, seat_index b) {
                       return std::pair(seats_[a].row, seats_[a].number) <
                              std::pair(seats_[b].row, seats_[b].number);
                     });
    for (size_t p = from; p < row_ordered_.size(); ++p) {
      const seat& here = seats_[row_ordered_[p]];
      if (p == from || seats_[row_ordered_[p - 1]].row != here.row)
        rows_.push_back(seat_row{k, here.row, static_cast<uint32_t>(p), 0});
      ++rows_.back().count;
      row_of_[row_ordered_[p]] = static_cast<uint32_t>(rows_.size() - 1);
    }
  }
  // Every seat lies in exactly one assigned section's range, so in one row.
  HF_ASSERT(row_ordered_.size() == seats_.size());
}

void venue::build_layouts() {
  // Sections may share a name: whichever find_section returns, a seat found
  // through its layout has exactly the label asked for, and labels are unique.
  layouts_.resize(sections_.size());
  for (uint16_t k = 0; k < sections_.size(); ++k) {
    const auto& s = sections_[k];
    if (s.kind != section_kind::assigned || s.seat_count == 0) continue;
    auto& layout = layouts_[k];
    bool regular = true;
    for (seat_index i = s.first_seat; i < s.first_seat + s.seat_count && regular; ++i) {
      const auto& seat = seats_[i];
      const bool first = i == s.first_seat;
      const auto& prev = seats_[first ? i : i - 1];
      if (seat.section != k) {
        regular = false;
      } else if (first ? seat.row == 0 && seat.number == 1
                       : seat.row == prev.row && seat.number == prev.number + 1) {
        if (first) layout.row_start.push_back(i);
      } else if (!first && seat.row == prev.row + 1 && seat.number == 1) {
        layout.row_start.push_back(i);
      } else {
        regular = false;
      }
    }
    layout.regular = regular;
    if (regular)
      layout.row_start.push_back(s.first_seat + s.seat_count);
    else
      layout.row_start.clear();
  }
}

std::string row_label(uint16_t row) {
  std::string label;
  uint32_t n = row + 1u; // bijective base-26: 1 -> A, 26 -> Z, 27 -> AA
  while (n > 0) {
    --n;
    label.insert(label.begin(), static_cast<char>('A' + n % 26));
    n /= 26;
  }
  return label;
}

std::string venue::seat_label(seat_index index) const {
  HF_ASSERT(index < seats_.size());
  return label_of(sections_[seats_[index].section], seats_[index]);
}

std::optional<uint16_t> parse_row_label(std::string_view label) {
  if (label.empty() || label.size() > 4) return std::nullopt;
  uint32_t n = 0;
  for (char c : label) {
    if (c < 'A' || c > 'Z') return std::nullopt;
    n = n * 26 + static_cast<uint32_t>(c - 'A' + 1);
  }
  if (n == 0 || n > 65'536) return std::nullopt;
  return static_cast<uint16_t>(n - 1);
}

std::optional<seat_index> venue::find_seat(std::string_view label) const {
  if (auto index = find_seat_by_layout(label)) return index;
  return find_seat_by_map(label);
}

std::optional<seat_index> venue::find_seat_by_map(std::string_view label) const {
  auto it = seat_by_label_.find(std::string{label});
  if (it == seat_by_label_.end()) return std::nullopt;
  return it->second;
}

// "<section>-<row>-<number>", read from the right (a section name may contain
// '-'). Only canonical spellings resolve here: the seat found is one whose
// label is exactly `label`. Anything else goes to the map.
std::optional<seat_index> venue::find_seat_by_layout(std::string_view label) const {
  const auto last = label.rfind('-');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  const auto before = label.rfind('-', last - 1);
  if (before == std::string_view::npos || before == 0) return std::nullopt;
  const auto digits = label.substr(last + 1);
  if (digits.empty() || digits.size() > 5 || digits[0] == '0') return std::nullopt;
  uint32_t number = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + static_cast<uint32_t>(c - '0');
  }
  const auto row = parse_row_label(label.substr(before + 1, last - before - 1));
  if (!row) return std::nullopt;
  const auto section = find_section(label.substr(0, before));
  if (!section) return std::nullopt;
  const auto& layout = layouts_[*section];
  if (!layout.regular || *row + 1u >= layout.row_start.size()) return std::nullopt;
  const seat_index first = layout.row_start[*row];
  if (number > layout.row_start[*row + 1] - first) return std::nullopt;
  return first + number - 1;
}

std::optional<uint16_t> venue::find_section(std::string_view name) const {
  for (uint16_t i = 0; i < sections_.size(); ++i)
    if (sections_[i].name == name) return i;
  return std::nullopt;
}

} // namespace holdfast

#include "node/demo_venue.hpp"

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"

namespace holdfast {

std::shared_ptr<const venue> make_demo_venue(uint32_t section_count, uint32_t seat_total,
                                             uint32_t ga_capacity) {
  HF_ASSERT(section_count > 0 && seat_total >= section_count);
  constexpr uint32_t seats_per_row = 50;
  // Rings of at most 99 sections around the floor, named like real bowls:
  // ring 0 is 101, 102, ...; ring 1 is 201, ...  Two rings when they fit.
  constexpr uint32_t ring_capacity = 99;
  const uint32_t rings = std::max((section_count + ring_capacity - 1) / ring_capacity, 2u);
  const uint32_t per_ring = (section_count + rings - 1) / rings;
  std::vector<section> sections;
  std::vector<seat> seats;
  seats.reserve(seat_total);
  const double pi = std::acos(-1.0);
  for (uint32_t s = 0; s < section_count; ++s) {
    const uint32_t ring = s / per_ring;
    const uint32_t in_ring = s % per_ring;
    const uint32_t ring_size = std::min(per_ring, section_count - ring * per_ring);
    const bool lower = ring == 0;
    const uint32_t count = seat_total / section_count + (s < seat_total % section_count ? 1 : 0);
    const double angle_mid = 2 * pi * (in_ring + 0.5) / ring_size;
    const double radius_min = 300.0 + 260.0 * ring;
    section sec;
    sec.name = std::to_string((ring + 1) * 100 + in_ring + 1);
    sec.tier = lower ? "lower" : "upper";
    sec.base_price_cents = lower ? 12'000 : 6'500;
    sec.first_seat = static_cast<seat_index>(seats.size());
    sec.seat_count = count;
    sec.x = static_cast<float>(std::cos(angle_mid) * (radius_min + 120));
    sec.y = static_cast<float>(std::sin(angle_mid) * (radius_min + 120) * 0.7);
    const uint32_t rows = (count + seats_per_row - 1) / seats_per_row;
    for (uint32_t k = 0; k < count; ++k) {
      const uint32_t row = k / seats_per_row, number = k % seats_per_row;
      // Seats fan out along an arc of the section's angular width.
      const double angle = 2 * pi * (in_ring + (number + 0.5) / seats_per_row) / ring_size;
      const double radius = radius_min + 240.0 * row / std::max(rows, 1u);
      seats.push_back(seat{static_cast<uint16_t>(s), static_cast<uint16_t>(row),
                           static_cast<uint16_t>(number + 1),
                           static_cast<float>(std::cos(angle) * radius),
                           static_cast<float>(std::sin(angle) * radius * 0.7)});
    }
    sections.push_back(std::move(sec));
  }
  if (ga_capacity > 0) {
    section floor;
    floor.name = "FLOOR";
    floor.tier = "floor";
    floor.base_price_cents = 9'000;
    floor.kind = section_kind::general_admission;
    floor.first_seat = static_cast<seat_index>(seats.size());
    floor.ga_capacity = ga_capacity;
    sections.push_back(std::move(floor));
  }
  return std::make_shared<const venue>("demo-stadium", "Holdfast Stadium", "Springfield",
                                       std::move(sections), std::move(seats));
}

} // namespace holdfast

// The demo stadium the node loads on a fresh start (node/demo.cpp), and the
// venue the tests, benchmarks and fuzz seeds are built on: generated, not read
// from a file, so any size can be asked for.
#pragma once

#include <cstdint>
#include <memory>

#include "core/venue.hpp"

namespace holdfast {

// The demo stadium: `section_count` assigned sections in two rings around a floor
// with one GA area; `seat_total` seats split evenly across the sections.
std::shared_ptr<const venue> make_demo_venue(uint32_t section_count = 40,
                                             uint32_t seat_total = 50'000,
                                             uint32_t ga_capacity = 2'000);

} // namespace holdfast

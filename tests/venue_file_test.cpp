// The venue file (net/venue_file.hpp) tried as an operator's typo and an
// attacker's bytes would try it: every kind of error must come back at its exact
// path, all of them at once, and no input (truncated, corrupted, huge numbers,
// deep nesting, a file past the size bound) may crash or yield a venue that
// is not one. What it accepts must be the venue the file says: seat ids that
// round-trip through find_seat, coordinates on the map, auto-laid-out sections
// that do not overlap. docs/venue-format.md's example is tests/data/venue-small.json,
// parsed here, so the document cannot drift from the code.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/limits.hpp"
#include "net/venue_file.hpp"

namespace holdfast {

namespace {

std::vector<std::string> errors_of(std::string_view text) {
  const auto r = parse_venue_file(text);
  REQUIRE(r.parsed == nullptr);
  REQUIRE(!r.errors.empty());
  REQUIRE(r.errors.size() <= limits::venue_file_errors_max);
  REQUIRE(r.error_count >= r.errors.size());
  std::vector<std::string> out;
  for (const auto& e : r.errors)
    out.push_back(e.to_string());
  return out;
}

std::shared_ptr<const venue> venue_of(std::string_view text) {
  const auto r = parse_venue_file(text);
  for (const auto& e : r.errors)
    MESSAGE(e.to_string());
  REQUIRE(r.errors.empty());
  REQUIRE(r.error_count == 0);
  REQUIRE(r.parsed != nullptr);
  return r.parsed;
}

// A section with the given name, rows and further fields.
std::string section_json(std::string name, std::string rows = R"([{"label": "A", "seats": 2}])",
                         std::string more = "") {
  return R"({"name": ")" + name + R"(", "tier": "lower", "priceCents": 100, "rows": )" + rows +
         more + "}";
}

std::string venue_with(std::string sections, std::string more = "") {
  return R"({"name": "Hall", "city": "Town", "sections": [)" + sections + "]" + more + "}";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void check_every_label(const venue& v) {
  for (seat_index i = 0; i < v.seat_count(); ++i)
    REQUIRE(v.find_seat(v.seat_label(i)) == i);
}

struct box {
  float lo_x = INFINITY, lo_y = INFINITY, hi_x = -INFINITY, hi_y = -INFINITY;
  bool meets(const box& o) const {
    return lo_x <= o.hi_x && o.lo_x <= hi_x && lo_y <= o.hi_y && o.lo_y <= hi_y;
  }
};

// Every seat on the map, and no two sections' bounding boxes overlapping.
void check_layout(const venue& v) {
  std::vector<box> boxes(v.sections().size());
  for (const auto& s : v.seats()) {
    REQUIRE(std::fabs(s.x) <= limits::venue_coordinate_abs_max);
    REQUIRE(std::fabs(s.y) <= limits::venue_coordinate_abs_max);
    auto& b = boxes[s.section];
    b = {std::min(b.lo_x, s.x), std::min(b.lo_y, s.y), std::max(b.hi_x, s.x),
         std::max(b.hi_y, s.y)};
  }
  for (size_t i = 0; i < boxes.size(); ++i)
    for (size_t j = i + 1; j < boxes.size(); ++j)
      if (v.sections()[i].seat_count > 0 && v.sections()[j].seat_count > 0)
        REQUIRE_MESSAGE(!boxes[i].meets(boxes[j]), "sections ", i, " and ", j, " overlap");
}

// A venue of `sections` sections, each `rows` rows of `seats` seats, written
// the way a generator would (no whitespace).
std::string generated(uint32_t sections, uint32_t rows, uint32_t seats) {
  std::string out = R"({"name":"Bench Arena","city":"Testville","sections":[)";
  for (uint32_t s = 0; s < sections; ++s) {
    out += (s ? ",{" : "{") + std::string(R"("name":"S)") + std::to_string(s) +
           R"(","tier":"t","priceCents":5000,"rows":[)";
    for (uint32_t r = 0; r < rows; ++r)
      out += (r ? "," : "") + std::string(R"({"label":")") + row_label(static_cast<uint16_t>(r)) +
             R"(","seats":)" + std::to_string(seats) + "}";
    out += "]}";
  }
  return out + "]}";
}

} // namespace

TEST_CASE("venue file: the documented example (tests/data/venue-small.json)") {
  const auto text = read_file(HOLDFAST_SOURCE_DIR "/tests/data/venue-small.json");
  // The format's page quotes this very file.
  CHECK(read_file(HOLDFAST_SOURCE_DIR "/docs/venue-format.md").find("```json\n" + text + "```") !=
        std::string::npos);
  const auto v = venue_of(text);
  CHECK(v->id() == "riverside-hall");
  CHECK(v->name() == "Riverside Hall");
  CHECK(v->city() == "Springfield");
  REQUIRE(v->sections().size() == 3);
  CHECK(v->seat_count() == 8 + 10 + 10 + 12 + 12);
  CHECK(v->ga_capacity_total() == 300);
  const auto& stalls = v->sections()[0];
  CHECK(stalls.name == "STALLS");
  CHECK(stalls.tier == "stalls");
  CHECK(stalls.base_price_cents == 4500);
  CHECK(stalls.seat_count == 28);
  CHECK(v->sections()[1].base_price_cents == 2500);
  const auto& floor = v->sections()[2];
  CHECK(floor.kind == section_kind::general_admission);
  CHECK(floor.ga_capacity == 300);
  CHECK(floor.base_price_cents == 3000);
  CHECK(floor.tier == "general admission"); // the default
  CHECK(v->seat_label(0) == "STALLS-A-1");
  CHECK(v->seat_label(7) == "STALLS-A-8");
  CHECK(v->seat_label(8) == "STALLS-B-1");
  CHECK(v->find_seat("STALLS-C-10") == 27);
  CHECK(v->find_seat("BALCONY-B-12") == 51);
  CHECK_FALSE(v->find_seat("STALLS-A-9"));
  CHECK_FALSE(v->find_seat("BALCONY-C-1"));
  CHECK(v->parsed_lookup(0));
  CHECK(v->parsed_lookup(1));
  check_every_label(*v);
  check_layout(*v);
}

TEST_CASE("venue file: seats are numbered 1..N per row, rows keep their labels") {
  // Row I skipped, as many halls do: its seats are not there, J's are.
  const auto v = venue_of(venue_with(section_json(
      "101", R"([{"label":"H","seats":3},{"label":"J","seats":2},{"label":"AA","seats":1}])")));
  REQUIRE(v->seat_count() == 6);
  CHECK(v->seat_label(3) == "101-J-1");
  CHECK(v->seat_label(5) == "101-AA-1");
  CHECK(v->seats()[3].row == 9);
  CHECK(v->seats()[4].number == 2);
  CHECK_FALSE(v->find_seat("101-I-1"));
  CHECK(v->rows().size() == 3);
  check_every_label(*v);
  // Names with '-', '.', '_' still make ids that resolve from the right.
  const auto w = venue_of(venue_with(section_json("Box-1.a_2") + "," + section_json("Box")));
  CHECK(w->find_seat("Box-1.a_2-A-2") == 1);
  CHECK(w->find_seat("Box-A-1") == 2);
  check_every_label(*w);
  // Optional fields: no id (the caller assigns one), no GA.
  CHECK(w->id().empty());
  CHECK(w->ga_capacity_total() == 0);
}

TEST_CASE("venue file: GA areas") {
  const auto v =
      venue_of(venue_with("", R"(, "ga": [{"name":"PIT","capacity":1,"priceCents":0,"tier":"pit"},
                       {"name":"LAWN","capacity":1048576,"priceCents":1500}])"));
  REQUIRE(v->sections().size() == 2);
  CHECK(v->seat_count() == 0);
  CHECK(v->ga_capacity_total() == 1 + limits::ga_capacity_max);
  CHECK(v->sections()[0].tier == "pit");
  CHECK(v->find_section("LAWN") == 1);
  CHECK(v->sections()[1].kind == section_kind::general_admission);
  CHECK(
      errors_of(venue_with(section_json("A"), R"(, "ga": [{"name":"F","capacity":0,"priceCents":1},
      {"name":"G","capacity":1048577,"priceCents":1}, {"name":"A","priceCents":1,"capacity":2},
      {"name":"H","capacity":2,"priceCents":1,"rows":[]}])")) ==
      std::vector<std::string>{
          "ga[0].capacity: must be 1..1048576",
          "ga[1].capacity: must be 1..1048576",
          "ga[3].rows: unknown key (allowed: name, tier, capacity, priceCents, geometry)",
          "ga[2].name: duplicate name A (also sections[0])",
      });
}

TEST_CASE("venue file: each error names its exact path, and all of them are reported") {
  CHECK(errors_of(venue_with(section_json("A", R"([{"label":"A","seats":501}])"))) ==
        std::vector<std::string>{"sections[0].rows[0].seats: must be 1..500"});
  CHECK(errors_of(venue_with(
            section_json("A") + "," + section_json("B") + "," + section_json("C") + "," +
            section_json("D", R"([{"label":"A","seats":1},{"label":"B","seats":0}])"))) ==
        std::vector<std::string>{"sections[3].rows[1].seats: must be 1..500"});
  CHECK(errors_of(R"({"nmae":"Hall","city":"Town","sections":[{"name":"A","tier":"t",
      "priceCents":1,"rows":[{"label":"A","seats":1,"numbered":true}],"geometery":{}}]})") ==
        std::vector<std::string>{
            "nmae: unknown key (allowed: id, name, city, sections, ga)",
            "name: missing",
            "sections[0].geometery: unknown key (allowed: name, tier, priceCents, rows, geometry)",
            "sections[0].rows[0].numbered: unknown key (allowed: label, seats)",
        });
  CHECK(errors_of(venue_with(R"({"rows":[{}]})")) == std::vector<std::string>{
                                                         "sections[0].name: missing",
                                                         "sections[0].tier: missing",
                                                         "sections[0].priceCents: missing",
                                                         "sections[0].rows[0].seats: missing",
                                                         "sections[0].rows[0].label: missing",
                                                     });
  CHECK(errors_of(venue_with(
            section_json("A") + "," + section_json("A") + "," +
            section_json("B", R"([{"label":"A","seats":1},{"label":"A","seats":2}])"))) ==
        std::vector<std::string>{
            "sections[2].rows[1].label: duplicate row A (also sections[2].rows[0])",
            "sections[1].name: duplicate name A (also sections[0])",
        });
}

TEST_CASE("venue file: row labels must be what seat ids parse") {
  for (const char* label : {R"("a")", R"("")", R"("A1")", R"("AAAAA")", R"("ZZZZ")", R"(" A")",
                            R"(1)", R"(null)", R"(["A"])", R"("A-B")"}) {
    CAPTURE(label);
    CHECK(errors_of(venue_with(
              section_json("S", std::string(R"([{"label":)") + label + R"(,"seats":1}])"))) ==
          std::vector<std::string>{"sections[0].rows[0].label: must be a row label: 1 to 4 "
                                   "capital letters, A to " +
                                   row_label(UINT16_MAX)});
  }
  // The last row label there is still one.
  const auto v = venue_of(
      venue_with(section_json("S", R"([{"label":")" + row_label(UINT16_MAX) + R"(","seats":1}])")));
  CHECK(v->find_seat("S-" + row_label(UINT16_MAX) + "-1") == 0);
}

TEST_CASE("venue file: wrong types, negative and huge numbers") {
  auto seats_error = [](std::string value) {
    return errors_of(venue_with(section_json("A", R"([{"label":"A","seats":)" + value + "}]")));
  };
  const std::vector<std::string> out_of_range{"sections[0].rows[0].seats: must be 1..500"};
  const std::vector<std::string> not_integer{
      "sections[0].rows[0].seats: must be an integer 1..500"};
  CHECK(seats_error("0") == out_of_range);
  CHECK(seats_error("-1") == out_of_range);
  CHECK(seats_error("-9223372036854775808") == out_of_range);
  CHECK(seats_error("9223372036854775807") == out_of_range);
  CHECK(seats_error("18446744073709551615") == out_of_range);
  CHECK(seats_error("2.5") == not_integer);
  CHECK(seats_error("50.0") == not_integer);
  CHECK(seats_error("1e3") == not_integer);
  CHECK(seats_error(R"("50")") == not_integer);
  CHECK(seats_error("true") == not_integer);
  CHECK(seats_error("null") == not_integer);
  CHECK(seats_error("[50]") == not_integer);
  // Beyond every integer: a double, or not JSON at all; either way no venue.
  errors_of(venue_with(section_json("A", R"([{"label":"A","seats":1e999}])")));
  errors_of(
      venue_with(section_json("A", R"([{"label":"A","seats":)" + std::string(400, '9') + "}]")));
  CHECK(errors_of(venue_with(section_json("A", R"([{"label":"A","seats":1}])",
                                          R"(, "geometry": {"x": 1e308, "y": -1e999})")))
            .front()
            .starts_with("sections[0].geometry.x: must be a number -1000000..1000000"));
  CHECK(errors_of(R"({"name":"Hall","city":"Town","sections":[{"name":"A","tier":"t",
      "priceCents":-5,"rows":[{"label":"A","seats":1}]}]})") ==
        std::vector<std::string>{"sections[0].priceCents: must be 0..1000000000000"});
  CHECK(errors_of(R"({"name":7,"city":"","sections":{}})") ==
        std::vector<std::string>{
            "name: must be a string of 1 to 128 bytes, no control characters",
            "city: must be a string of 1 to 128 bytes, no control characters",
            "sections: must be an array of 0..4096 sections",
        });
  CHECK(errors_of(venue_with(section_json("two words"), R"(, "id": "a/b")")) ==
        std::vector<std::string>{
            "id: must be a string of 1 to 64 letters, digits, '.', '_' or '-' (starting with a "
            "letter or digit)",
            "sections[0].name: must be a string of 1 to 16 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)",
        });
  CHECK(
      errors_of(venue_with(section_json("-A") + "," + section_json("ABCDEFGHIJKLMNOPQ"))).size() ==
      2);
  CHECK(
      errors_of(R"({"name":"Hall\u0007","city":"Town","sections":[)" + section_json("A") + "]}") ==
      std::vector<std::string>{"name: must be a string of 1 to 128 bytes, no control characters"});
}

TEST_CASE("venue file: empty and oversized arrays") {
  CHECK(errors_of(venue_with("")) ==
        std::vector<std::string>{"sections: a venue needs at least one section or GA area"});
  CHECK(errors_of(venue_with("", R"(, "ga": [])")) ==
        std::vector<std::string>{"sections: a venue needs at least one section or GA area"});
  CHECK(errors_of(venue_with(section_json("A", "[]"))) ==
        std::vector<std::string>{"sections[0].rows: must be an array of 1..200 rows"});
  std::string rows = "[";
  for (uint16_t r = 0; r <= limits::venue_section_rows_max; ++r)
    rows += (r ? "," : "") + std::string(R"({"label":")") + row_label(r) + R"(","seats":1})";
  CHECK(errors_of(venue_with(section_json("A", rows + "]"))) ==
        std::vector<std::string>{"sections[0].rows: must be an array of 1..200 rows"});
  CHECK(errors_of(R"({"name":"Hall","city":"Town"})") ==
        std::vector<std::string>{"sections: missing"});
  // Seats in all: 11 full sections are 1,100,000 > 2^20.
  CHECK(errors_of(generated(11, limits::venue_section_rows_max, limits::venue_row_seats_max)) ==
        std::vector<std::string>{"sections: 1100000 seats in all; a venue has at most 1048576"});
}

TEST_CASE("venue file: duplicate JSON keys are errors, wherever they are") {
  CHECK(errors_of(venue_with(section_json("A", R"([{"label":"A","seats":1,"seats":2}])"))) ==
        std::vector<std::string>{"sections[0].rows[0].seats: duplicate key"});
  CHECK(errors_of(R"({"name":"a","name":"b","city":"Town","sections":[)" + section_json("A") + "," +
                  section_json("B", R"([{"label":"A","seats":1}])", R"(,"tier":"x")") + "]}") ==
        std::vector<std::string>{"name: duplicate key", "sections[1].tier: duplicate key"});
}

TEST_CASE("venue file: not JSON, not an object, too deep, too large") {
  CHECK(errors_of("") ==
        std::vector<std::string>{"not valid JSON at line 1, column 1: incomplete JSON"});
  CHECK(errors_of("{\n  \"name\": x}") ==
        std::vector<std::string>{"not valid JSON at line 2, column 11: syntax error"});
  CHECK(errors_of("[]") == std::vector<std::string>{"must be an object"});
  CHECK(errors_of(R"("venue")") == std::vector<std::string>{"must be an object"});
  CHECK(errors_of(venue_with(section_json("A"), ",")).front().starts_with("not valid JSON"));
  CHECK(errors_of("{\"name\":\"a\xff\"}").front().starts_with("not valid JSON"));
  CHECK(errors_of(venue_with(section_json("A")) + " {}").front().starts_with("not valid JSON"));
  // Nesting: the format needs 5 levels; 8 are allowed, 9 refused before any is built.
  const std::string deep = R"({"name":)" + std::string(7, '[') + std::string(7, ']') + "}";
  CHECK(errors_of(deep) ==
        std::vector<std::string>{"name: must be a string of 1 to 128 bytes, no control characters",
                                 "city: missing", "sections: missing"});
  CHECK(errors_of(R"({"name":)" + std::string(8, '[') + std::string(8, ']') + "}")
            .front()
            .starts_with("not valid JSON at line 1, column 16: "));
  CHECK(errors_of(std::string(100'000, '[')).front().starts_with("not valid JSON"));
  std::string huge = venue_with(section_json("A"));
  huge.resize(limits::venue_file_bytes_max + 1, ' ');
  CHECK(errors_of(huge) ==
        std::vector<std::string>{"the file has 67108865 bytes; at most 67108864"});
}

TEST_CASE("venue file: errors beyond the bound are counted, not listed") {
  std::string sections;
  for (int s = 0; s < 150; ++s)
    sections +=
        (s ? "," : "") + section_json("S" + std::to_string(s), R"([{"label":"A","seats":0}])");
  const auto r = parse_venue_file(venue_with(sections));
  CHECK(r.parsed == nullptr);
  CHECK(r.error_count == 150);
  REQUIRE(r.errors.size() == limits::venue_file_errors_max);
  CHECK(r.errors.back().path == "sections[99].rows[0].seats");
}

TEST_CASE("venue file: truncated or corrupted at every byte, never a crash") {
  const auto text = read_file(HOLDFAST_SOURCE_DIR "/tests/data/venue-small.json");
  REQUIRE(parse_venue_file(text).parsed);
  // Every proper prefix ending before the closing brace is incomplete JSON.
  const size_t closing = text.rfind('}');
  for (size_t n = 0; n < closing; ++n) {
    CAPTURE(n);
    const auto r = parse_venue_file(std::string_view(text).substr(0, n));
    REQUIRE(r.parsed == nullptr);
    REQUIRE(!r.errors.empty());
  }
  // Each byte replaced by another: either a venue or errors, never both or neither.
  for (size_t n = 0; n < text.size(); ++n)
    for (char c : {'\0', '"', '0', '9', '-', 'A', '{', ']', ',', '\xc3'}) {
      auto bent = text;
      bent[n] = c;
      const auto r = parse_venue_file(bent);
      REQUIRE((r.parsed == nullptr) == !r.errors.empty());
      if (r.parsed) check_every_label(*r.parsed);
    }
}

TEST_CASE("venue file: auto layout keeps sections apart and on the map") {
  // Sections of many shapes, then GA areas: every seat on the map, no overlap.
  std::string sections;
  for (uint32_t s = 0; s < 60; ++s) {
    std::string rows = "[";
    for (uint32_t r = 0; r < 1 + s % 13; ++r)
      rows += (r ? "," : "") + std::string(R"({"label":")") + row_label(static_cast<uint16_t>(r)) +
              R"(","seats":)" + std::to_string(1 + (s * 7 + r * 3) % 40) + "}";
    sections += (s ? "," : "") + section_json("S" + std::to_string(s), rows + "]");
  }
  const auto v =
      venue_of(venue_with(sections, R"(, "ga": [{"name":"F1","capacity":10,"priceCents":1},
                            {"name":"F2","capacity":10,"priceCents":1}])"));
  check_layout(*v);
  check_every_label(*v);
  // The first section sits in front of the stage (+y), its front row nearest.
  const auto& first = v->seats()[0];
  CHECK(first.y > 0);
  // The extreme: the most sections there may be, one of them the largest.
  std::string many = section_json("BIG", [] {
    std::string rows = "[";
    for (uint16_t r = 0; r < limits::venue_section_rows_max; ++r)
      rows += (r ? "," : "") + std::string(R"({"label":")") + row_label(r) + R"(","seats":500})";
    return rows + "]";
  }());
  for (uint32_t s = 1; s < limits::venue_sections_max; ++s)
    many += "," + section_json("S" + std::to_string(s), R"([{"label":"A","seats":1}])");
  const auto w = venue_of(venue_with(many));
  CHECK(w->sections().size() == limits::venue_sections_max);
  for (const auto& s : w->seats()) {
    REQUIRE(std::fabs(s.x) <= limits::venue_coordinate_abs_max);
    REQUIRE(std::fabs(s.y) <= limits::venue_coordinate_abs_max);
  }
  CHECK(errors_of(venue_with(many, R"(, "ga": [{"name":"F","capacity":1,"priceCents":1}])")) ==
        std::vector<std::string>{"ga: sections and GA areas together number at most 4096"});
}

TEST_CASE("venue file: geometry places sections where the file says") {
  const auto v = venue_of(venue_with(
      section_json("A", R"([{"label":"A","seats":3},{"label":"B","seats":3}])",
                   R"(, "geometry": {"x": 100, "y": 50})") +
          "," +
          section_json("B", R"([{"label":"A","seats":2},{"label":"B","seats":2}])",
                       R"(, "geometry": {"x": -100, "y": 0, "rotation": 90, "seatSpacing": 4,
                                    "rowSpacing": 6})"),
      R"(, "ga": [{"name":"F","capacity":5,"priceCents":1,"geometry":{"x":0,"y":-20}}])"));
  auto at = [&](std::string_view label) { return v->seats()[*v->find_seat(label)]; };
  // Unturned: rows run along +x centred on x, later rows toward +y.
  CHECK(at("A-A-1").x == doctest::Approx(90));
  CHECK(at("A-A-2").x == doctest::Approx(100));
  CHECK(at("A-A-3").x == doctest::Approx(110));
  CHECK(at("A-A-3").y == doctest::Approx(50));
  CHECK(at("A-B-3").y == doctest::Approx(62));
  // Turned 90 degrees: the row runs along +y, later rows toward -x.
  CHECK(at("B-A-1").x == doctest::Approx(-100));
  CHECK(at("B-A-1").y == doctest::Approx(-2));
  CHECK(at("B-A-2").y == doctest::Approx(2));
  CHECK(at("B-B-1").x == doctest::Approx(-106));
  // Labels: amid a section's seats; where a GA area's geometry says.
  CHECK(v->sections()[0].x == doctest::Approx(100));
  CHECK(v->sections()[0].y == doctest::Approx(56));
  CHECK(v->sections()[2].x == 0);
  CHECK(v->sections()[2].y == -20);

  // All or none; each field checked; seats past the map's edge refused.
  CHECK(errors_of(venue_with(section_json("A", R"([{"label":"A","seats":1}])",
                                          R"(, "geometry": {"x": 1, "y": 2, "z": 3, "rotation": 361,
                                         "seatSpacing": 0, "rowSpacing": "wide"})") +
                             "," + section_json("B"))) ==
        std::vector<std::string>{
            "sections[0].geometry.z: unknown key (allowed: x, y, rotation, seatSpacing, "
            "rowSpacing)",
            "sections[0].geometry.rotation: must be a number -360..360",
            "sections[0].geometry.seatSpacing: must be above 0",
            "sections[0].geometry.rowSpacing: must be a number 0..1000",
            "sections[1].geometry: missing: give every section and GA area a geometry, or none "
            "(auto layout)",
        });
  CHECK(
      errors_of(venue_with(section_json("A", R"([{"label":"A","seats":500}])",
                                        R"(, "geometry": {"x": 999000, "y": 0})"))) ==
      std::vector<std::string>{"sections[0].geometry: puts seats off the map (beyond +-1000000)"});
  CHECK(errors_of(venue_with(section_json("A"), R"(, "ga": [{"name":"F","capacity":5,"priceCents":1,
      "geometry":{"x":0,"y":0,"rotation":0}}])"))
            .front() == "ga[0].geometry.rotation: unknown key (allowed: x, y)");
}

TEST_CASE("venue file: the 800,000-seat bench venue loads") {
  const auto text = generated(400, 40, 50);
  const auto start = std::chrono::steady_clock::now();
  const auto v = venue_of(text);
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("800,000 seats, ", text.size(), " bytes of JSON: parsed and built in ", ms, " ms");
  CHECK(v->seat_count() == 800'000);
  CHECK(v->sections().size() == 400);
  CHECK(v->rows().size() == 400 * 40);
  CHECK(v->find_seat("S399-AN-50") == 799'999);
  CHECK(v->find_seat("S0-A-1") == 0);
  CHECK(v->parsed_lookup(399));
  check_layout(*v);
}

} // namespace holdfast

#include "net/venue_file.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include "core/limits.hpp"

namespace holdfast {

namespace json = boost::json;

std::string venue_file_error::to_string() const {
  return path.empty() ? message : path + ": " + message;
}

namespace {

// ---- paths and errors ------------------------------------------------------

// A key as it may appear in a message: unknown keys come from the file, so
// they are cut short and stripped of control characters.
std::string printable(std::string_view key) {
  constexpr size_t shown_bytes_max = 40;
  std::string out;
  for (char c : key.substr(0, shown_bytes_max))
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  if (key.size() > shown_bytes_max) out += "...";
  return out;
}

std::string join(std::string_view base, std::string_view key) {
  std::string out(base);
  if (!out.empty()) out += '.';
  return out += printable(key);
}

std::string at(std::string_view base, size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

std::string range(int64_t lo, int64_t hi) {
  return std::to_string(lo) + ".." + std::to_string(hi);
}

class error_list {
public:
  void add(std::string path, std::string message) {
    ++count_;
    if (errors_.size() < limits::venue_file_errors_max)
      errors_.push_back({std::move(path), std::move(message)});
  }
  bool any() const { return count_ > 0; }

  venue_file_result refusal() && { return {nullptr, std::move(errors_), count_}; }

private:
  std::vector<venue_file_error> errors_;
  uint32_t count_ = 0; // at most one per byte of a bounded file
};

// ---- fields ------------------------------------------------------------------

// What a text field may hold: anything printable (names of venues, cities,
// tiers), or an identifier that starts seat ids and URLs: a letter or digit,
// then letters, digits, '.', '_' or '-'.
enum class text_rule { printable, identifier };

bool follows(std::string_view s, text_rule rule) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (rule == text_rule::printable) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    } else if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
      return false;
    }
  }
  return true;
}

std::string_view view(json::string_view s) {
  return {s.data(), s.size()};
}

// One JSON object of the format: refuses keys outside `allowed`, then reads
// fields, each reporting at its own path what is missing, mistyped or out of
// bounds. A field in error reads as nothing.
class fields {
public:
  // Null, with the error reported, when `value` is not an object.
  static std::optional<fields> of(const json::value& value, std::string path,
                                  std::initializer_list<std::string_view> allowed,
                                  error_list& errors) {
    const auto* object = value.if_object();
    if (!object) {
      errors.add(std::move(path), "must be an object");
      return std::nullopt;
    }
    for (const auto& field : *object)
      if (std::find(allowed.begin(), allowed.end(), view(field.key())) == allowed.end())
        errors.add(join(path, view(field.key())), "unknown key (allowed: " + listed(allowed) + ")");
    return fields(*object, std::move(path), errors);
  }

  const std::string& path() const { return path_; }
  std::string path(std::string_view key) const { return join(path_, key); }

  const json::value* find(std::string_view key, bool required) const {
    const auto* value = object_->if_contains(key);
    if (!value && required) errors_->add(path(key), "missing");
    return value;
  }

  std::optional<std::string> text(std::string_view key, size_t bytes_max, text_rule rule,
                                  bool required = true) const {
    const auto* value = find(key, required);
    if (!value) return std::nullopt;
    const auto* s = value->if_string();
    if (!s || s->empty() || s->size() > bytes_max || !follows(view(*s), rule)) {
      errors_->add(path(key), "must be a string of 1 to " + std::to_string(bytes_max) +
                                  (rule == text_rule::identifier
                                       ? " letters, digits, '.', '_' or '-' (starting with a "
                                         "letter or digit)"
                                       : " bytes, no control characters"));
      return std::nullopt;
    }
    return std::string(view(*s));
  }

  std::optional<int64_t> integer(std::string_view key, int64_t lo, int64_t hi) const {
    const auto* value = find(key, true);
    if (!value) return std::nullopt;
    if (!value->is_int64() && !value->is_uint64()) {
      errors_->add(path(key), "must be an integer " + range(lo, hi));
      return std::nullopt;
    }
    if (value->is_uint64() || value->get_int64() < lo || value->get_int64() > hi) {
      errors_->add(path(key), "must be " + range(lo, hi));
      return std::nullopt;
    }
    return value->get_int64();
  }

  // A finite number in [lo, hi]; `fallback` when absent, if there is one.
  std::optional<double> number(std::string_view key, double lo, double hi,
                               std::optional<double> fallback = std::nullopt) const {
    const auto* value = find(key, !fallback);
    if (!value) return fallback;
    const auto* n = value->if_double();
    const double d = n ? *n : value->is_int64() ? static_cast<double>(value->get_int64()) : NAN;
    if (value->is_uint64() || !std::isfinite(d) || d < lo || d > hi) {
      errors_->add(path(key), "must be a number " + numeral(lo) + ".." + numeral(hi));
      return std::nullopt;
    }
    return d;
  }

  // An array of lo to hi elements, or null when absent and not required.
  const json::array* array(std::string_view key, size_t lo, size_t hi, std::string_view noun,
                           bool required = true) const {
    const auto* value = find(key, required);
    if (!value) return nullptr;
    const auto* a = value->if_array();
    if (!a || a->size() < lo || a->size() > hi) {
      errors_->add(path(key), "must be an array of " +
                                  range(static_cast<int64_t>(lo), static_cast<int64_t>(hi)) + " " +
                                  std::string(noun));
      return nullptr;
    }
    return a;
  }

  error_list& errors() const { return *errors_; }

private:
  fields(const json::object& object, std::string path, error_list& errors)
      : object_(&object), path_(std::move(path)), errors_(&errors) {}

  static std::string listed(std::initializer_list<std::string_view> keys) {
    std::string out;
    for (auto key : keys)
      (out += out.empty() ? "" : ", ") += key;
    return out;
  }
  static std::string numeral(double d) {
    auto s = std::to_string(d); // the bounds here are whole numbers
    return s.substr(0, s.find('.'));
  }

  const json::object* object_;
  std::string path_;
  error_list* errors_;
};

// ---- the document as read ----------------------------------------------------

struct row_spec {
  uint16_t row = 0; // parse_row_label of its label
  uint16_t seats = 0;
};

// Where a section or GA area sits (docs/venue-format.md, "Geometry"): the
// middle of its first row (a GA area's label) at x, y; rows run along +x
// turned by rotation_deg, later rows lie row_spacing further toward +y.
struct geometry_spec {
  double x = 0, y = 0, rotation_deg = 0;
  double seat_spacing = limits::venue_seat_spacing_default;
  double row_spacing = limits::venue_row_spacing_default;
};

// A section of seats, or a GA area (no rows, a capacity).
struct area_spec {
  std::string path; // "sections[3]", "ga[0]": where later checks report
  std::string name, tier;
  int64_t price_cents = 0;
  bool general_admission = false;
  std::vector<row_spec> rows; // a section: 1 or more
  uint32_t ga_capacity = 0;   // a GA area: 1 or more
  std::optional<geometry_spec> geometry;
};

struct venue_spec {
  std::string id, name, city;
  std::vector<area_spec> areas; // sections first, then GA areas
};

std::optional<geometry_spec> read_geometry(const fields& owner, bool seated) {
  const auto* value = owner.find("geometry", false);
  if (!value) return std::nullopt;
  constexpr double xy_max = limits::venue_coordinate_abs_max;
  const auto f =
      seated ? fields::of(*value, owner.path("geometry"),
                          {"x", "y", "rotation", "seatSpacing", "rowSpacing"}, owner.errors())
             : fields::of(*value, owner.path("geometry"), {"x", "y"}, owner.errors());
  if (!f) return geometry_spec{};
  geometry_spec g;
  g.x = f->number("x", -xy_max, xy_max).value_or(0);
  g.y = f->number("y", -xy_max, xy_max).value_or(0);
  if (!seated) return g;
  g.rotation_deg = f->number("rotation", -360, 360, 0.0).value_or(0);
  for (auto [key, spacing] :
       {std::pair{"seatSpacing", &g.seat_spacing}, std::pair{"rowSpacing", &g.row_spacing}}) {
    *spacing = f->number(key, 0, limits::venue_spacing_max, *spacing).value_or(1);
    if (*spacing == 0) f->errors().add(f->path(key), "must be above 0");
  }
  return g;
}

std::vector<row_spec> read_rows(const json::array& rows, const std::string& path,
                                error_list& errors) {
  std::vector<row_spec> out;
  out.reserve(rows.size());
  std::unordered_map<uint16_t, size_t> first_with; // row -> its first index in the array
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto f = fields::of(rows[i], at(path, i), {"label", "seats"}, errors);
    if (!f) continue;
    const auto seats = f->integer("seats", 1, limits::venue_row_seats_max);
    const auto* label = f->find("label", true);
    if (!label) continue;
    const auto* s = label->if_string();
    const auto row = s ? parse_row_label(view(*s)) : std::nullopt;
    if (!row) {
      errors.add(f->path("label"), "must be a row label: 1 to " +
                                       std::to_string(limits::venue_row_label_bytes_max) +
                                       " capital letters, A to " + row_label(UINT16_MAX));
      continue;
    }
    if (auto [it, fresh] = first_with.emplace(*row, i); !fresh) {
      errors.add(f->path("label"),
                 "duplicate row " + row_label(*row) + " (also " + at(path, it->second) + ")");
      continue;
    }
    if (seats) out.push_back(row_spec{*row, static_cast<uint16_t>(*seats)});
  }
  return out;
}

// A section (rows of seats) or a GA area (a capacity): both have a name, a
// tier, a price and an optional geometry.
std::optional<area_spec> read_area(const json::value& value, std::string path, bool ga,
                                   error_list& errors) {
  const auto f = ga ? fields::of(value, std::move(path),
                                 {"name", "tier", "capacity", "priceCents", "geometry"}, errors)
                    : fields::of(value, std::move(path),
                                 {"name", "tier", "priceCents", "rows", "geometry"}, errors);
  if (!f) return std::nullopt;
  area_spec a;
  a.path = f->path();
  a.general_admission = ga;
  a.name =
      f->text("name", limits::venue_section_name_bytes_max, text_rule::identifier).value_or("");
  a.tier = f->text("tier", limits::venue_tier_bytes_max, text_rule::printable, !ga)
               .value_or(ga ? "general admission" : "");
  if (ga)
    a.ga_capacity =
        static_cast<uint32_t>(f->integer("capacity", 1, limits::ga_capacity_max).value_or(0));
  a.price_cents = f->integer("priceCents", 0, limits::price_base_cents_max).value_or(0);
  if (!ga)
    if (const auto* rows = f->array("rows", 1, limits::venue_section_rows_max, "rows"))
      a.rows = read_rows(*rows, f->path("rows"), errors);
  a.geometry = read_geometry(*f, !ga);
  return a;
}

// Checks that span areas: names unique across sections and GA areas, seats
// in all within bounds, geometry given for every area or for none.
void check_areas(const venue_spec& spec, error_list& errors) {
  std::unordered_map<std::string_view, const area_spec*> by_name;
  uint64_t seats = 0;
  size_t placed = 0;
  for (const auto& a : spec.areas) {
    if (!a.name.empty())
      if (auto [it, fresh] = by_name.emplace(a.name, &a); !fresh)
        errors.add(join(a.path, "name"),
                   "duplicate name " + a.name + " (also " + it->second->path + ")");
    for (const auto& r : a.rows)
      seats += r.seats;
    placed += a.geometry.has_value();
  }
  if (seats > limits::venue_seats_max)
    errors.add("sections", std::to_string(seats) + " seats in all; a venue has at most " +
                               std::to_string(limits::venue_seats_max));
  if (placed == 0 || placed == spec.areas.size()) return;
  for (const auto& a : spec.areas)
    if (!a.geometry)
      errors.add(join(a.path, "geometry"),
                 "missing: give every section and GA area a geometry, or none (auto layout)");
}

venue_spec read_venue(const json::value& root, error_list& errors) {
  venue_spec spec;
  const auto f = fields::of(root, "", {"id", "name", "city", "sections", "ga"}, errors);
  if (!f) return spec;
  spec.id = f->text("id", limits::venue_id_bytes_max, text_rule::identifier, false).value_or("");
  spec.name = f->text("name", limits::venue_name_bytes_max, text_rule::printable).value_or("");
  spec.city = f->text("city", limits::venue_name_bytes_max, text_rule::printable).value_or("");
  const auto* sections = f->array("sections", 0, limits::venue_sections_max, "sections");
  const auto* ga = f->array("ga", 0, limits::venue_ga_areas_max, "GA areas", false);
  const size_t areas = (sections ? sections->size() : 0) + (ga ? ga->size() : 0);
  if (sections && areas == 0)
    errors.add("sections", "a venue needs at least one section or GA area");
  if (areas > limits::venue_sections_max)
    errors.add("ga", "sections and GA areas together number at most " +
                         std::to_string(limits::venue_sections_max));
  for (const auto* list : {sections, ga})
    for (size_t i = 0; list && i < list->size(); ++i)
      if (auto area =
              read_area((*list)[i], at(list == ga ? "ga" : "sections", i), list == ga, errors))
        spec.areas.push_back(std::move(*area));
  check_areas(spec, errors);
  return spec;
}

// ---- duplicate keys ------------------------------------------------------------

// Boost.JSON keeps the last of two equal keys in an object; a venue file
// refuses them, since a second "seats" is as surely a mistake as a misspelt
// one. This handler walks the (already valid) document once more, tracking
// the path, and reports each repeated key there.
class duplicate_key_finder {
public:
  static constexpr size_t max_object_size = size_t(-1), max_array_size = size_t(-1);
  static constexpr size_t max_key_size = size_t(-1), max_string_size = size_t(-1);

  explicit duplicate_key_finder(error_list& errors) : errors_(&errors) {}

  using ec = boost::system::error_code;
  using sv = json::string_view;
  bool on_document_begin(ec&) { return true; }
  bool on_document_end(ec&) { return true; }
  bool on_array_begin(ec&) { return open(true); }
  bool on_array_end(size_t, ec&) { return close(); }
  bool on_object_begin(ec&) { return open(false); }
  bool on_object_end(size_t, ec&) { return close(); }
  bool on_string_part(sv, size_t, ec&) { return true; }
  bool on_string(sv, size_t, ec&) { return value_done(); }
  bool on_key_part(sv s, size_t, ec&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv s, size_t, ec&) {
    key_.append(s.data(), s.size());
    auto& f = stack_.back();
    if (!f.keys.insert(key_).second) errors_->add(join(path(), key_), "duplicate key");
    f.key = std::move(key_);
    key_.clear();
    return true;
  }
  bool on_number_part(sv, ec&) { return true; }
  bool on_int64(int64_t, sv, ec&) { return value_done(); }
  bool on_uint64(uint64_t, sv, ec&) { return value_done(); }
  bool on_double(double, sv, ec&) { return value_done(); }
  bool on_bool(bool, ec&) { return value_done(); }
  bool on_null(ec&) { return value_done(); }
  bool on_comment_part(sv, ec&) { return true; }
  bool on_comment(sv, ec&) { return true; }

private:
  struct frame {
    bool array = false;
    size_t index = 0; // array: the element being read
    std::string key;  // object: the key being read
    std::unordered_set<std::string> keys;
  };
  bool open(bool array) {
    stack_.push_back(frame{array, 0, {}, {}});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return value_done();
  }
  bool value_done() {
    if (!stack_.empty() && stack_.back().array) ++stack_.back().index;
    return true;
  }
  // The path of the object being read (all frames but the innermost).
  std::string path() const {
    std::string out;
    for (size_t i = 0; i + 1 < stack_.size(); ++i)
      out = stack_[i].array ? at(out, stack_[i].index) : join(out, stack_[i].key);
    return out;
  }

  error_list* errors_;
  std::vector<frame> stack_;
  std::string key_;
};

json::parse_options parse_options() {
  json::parse_options options;
  options.max_depth = limits::venue_file_json_depth_max;
  return options;
}

// The document, or null with the error (where, and what) reported.
std::optional<json::value> read_json(std::string_view text, error_list& errors) {
  if (text.size() > limits::venue_file_bytes_max) {
    errors.add("", "the file has " + std::to_string(text.size()) + " bytes; at most " +
                       std::to_string(limits::venue_file_bytes_max));
    return std::nullopt;
  }
  json::stream_parser parser({}, parse_options());
  boost::system::error_code ec;
  const size_t used = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    const auto before = text.substr(0, std::min(used, text.size()));
    const auto line = std::count(before.begin(), before.end(), '\n') + 1;
    const auto column = before.size() - (before.rfind('\n') + 1) + 1; // npos + 1 == 0
    errors.add("", "not valid JSON at line " + std::to_string(line) + ", column " +
                       std::to_string(column) + ": " + ec.message());
    return std::nullopt;
  }
  json::basic_parser<duplicate_key_finder> keys(parse_options(), errors);
  keys.write_some(false, text.data(), text.size(), ec);
  return parser.release();
}

// ---- layout ----------------------------------------------------------------

// Where each seat of a section goes: seat k (1..n) of the j-th row listed lies
// at (k - (n+1)/2) seat spacings along the row and j row spacings back, less
// `depth_offset`; that point is turned by the rotation and moved to `origin`.
struct placement {
  double x = 0, y = 0;
  double cos = 1, sin = 0;
  double seat_spacing = limits::venue_seat_spacing_default;
  double row_spacing = limits::venue_row_spacing_default;
  double depth_offset = 0;
};

double width_of(const area_spec& a) {
  uint16_t longest = 0;
  for (const auto& r : a.rows)
    longest = std::max(longest, r.seats);
  return longest == 0 ? 0 : (longest - 1) * limits::venue_seat_spacing_default;
}
double depth_of(const area_spec& a) {
  return a.rows.empty() ? 0 : (a.rows.size() - 1.0) * limits::venue_row_spacing_default;
}

// The cells of square rings around the stage's cell (0, 0), nearest the front
// (+y) first and alternating sides, so a few sections sit before the stage.
std::vector<std::pair<int, int>> ring_cells(size_t count) {
  std::vector<std::pair<int, int>> cells;
  for (int ring = 1; cells.size() < count; ++ring) {
    std::vector<std::pair<int, int>> here;
    for (int x = -ring; x <= ring; ++x)
      for (int y = -ring; y <= ring; ++y)
        if (std::max(std::abs(x), std::abs(y)) == ring) here.emplace_back(x, y);
    auto angle = [](std::pair<int, int> c) { return std::atan2(-c.first, c.second); };
    std::sort(here.begin(), here.end(), [&](auto a, auto b) {
      return std::pair(std::fabs(angle(a)), angle(a)) < std::pair(std::fabs(angle(b)), angle(b));
    });
    cells.insert(cells.end(), here.begin(), here.end());
  }
  cells.resize(count);
  return cells;
}

// Auto layout: every area gets a square cell as wide as the largest section
// plus a gap, so no two overlap; a section is centred in its cell, its front
// row toward the stage.
std::vector<placement> auto_layout(const std::vector<area_spec>& areas) {
  double side = 0;
  for (const auto& a : areas)
    side = std::max({side, width_of(a), depth_of(a)});
  side += limits::venue_layout_gap;
  const auto cells = ring_cells(areas.size());
  std::vector<placement> out;
  for (size_t i = 0; i < areas.size(); ++i) {
    const auto [cx, cy] = cells[i];
    placement p;
    p.x = cx * side;
    p.y = cy * side;
    // Rows grow away from the stage: +y below it, -y above, +x right, -x left.
    const bool vertical = std::abs(cy) >= std::abs(cx);
    std::tie(p.cos, p.sin) =
        vertical ? std::pair(cy > 0 ? 1.0 : -1.0, 0.0) : std::pair(0.0, cx > 0 ? -1.0 : 1.0);
    p.depth_offset = depth_of(areas[i]) / 2;
    out.push_back(p);
  }
  return out;
}

placement placed(const geometry_spec& g) {
  const double turn = g.rotation_deg * std::acos(-1.0) / 180;
  return placement{g.x, g.y, std::cos(turn), std::sin(turn), g.seat_spacing, g.row_spacing, 0};
}

bool on_map(float x, float y) {
  return std::fabs(x) <= limits::venue_coordinate_abs_max &&
         std::fabs(y) <= limits::venue_coordinate_abs_max;
}

// Appends a section's seats; false if one would lie off the map.
bool lay_seats(const area_spec& a, uint16_t index, const placement& p, std::vector<seat>& seats,
               section& out) {
  float lo_x = INFINITY, lo_y = INFINITY, hi_x = -INFINITY, hi_y = -INFINITY;
  for (size_t j = 0; j < a.rows.size(); ++j) {
    const auto& r = a.rows[j];
    const double along_y = j * p.row_spacing - p.depth_offset;
    for (uint16_t k = 1; k <= r.seats; ++k) {
      const double along_x = (k - (r.seats + 1) / 2.0) * p.seat_spacing;
      const auto x = static_cast<float>(p.x + along_x * p.cos - along_y * p.sin);
      const auto y = static_cast<float>(p.y + along_x * p.sin + along_y * p.cos);
      if (!on_map(x, y)) return false;
      seats.push_back(seat{index, r.row, k, x, y});
      lo_x = std::min(lo_x, x), hi_x = std::max(hi_x, x);
      lo_y = std::min(lo_y, y), hi_y = std::max(hi_y, y);
    }
  }
  out.x = (lo_x + hi_x) / 2; // the label sits amid the seats
  out.y = (lo_y + hi_y) / 2;
  return true;
}

std::shared_ptr<const venue> build(venue_spec& spec, error_list& errors) {
  bool automatic = std::none_of(spec.areas.begin(), spec.areas.end(),
                                [](const auto& a) { return a.geometry.has_value(); });
  const auto layout = automatic ? auto_layout(spec.areas) : std::vector<placement>{};
  std::vector<section> sections;
  std::vector<seat> seats;
  size_t seat_total = 0;
  for (const auto& a : spec.areas)
    for (const auto& r : a.rows)
      seat_total += r.seats;
  seats.reserve(seat_total); // at most venue_seats_max: check_areas saw to it
  for (uint16_t i = 0; i < spec.areas.size(); ++i) {
    auto& a = spec.areas[i];
    const auto p = automatic ? layout[i] : placed(*a.geometry);
    section s;
    s.name = std::move(a.name);
    s.tier = std::move(a.tier);
    s.base_price_cents = a.price_cents;
    s.first_seat = static_cast<seat_index>(seats.size());
    if (a.general_admission) { // its label where its cell or geometry says
      s.kind = section_kind::general_admission;
      s.ga_capacity = a.ga_capacity;
      s.x = static_cast<float>(p.x), s.y = static_cast<float>(p.y);
    } else if (!lay_seats(a, i, p, seats, s)) {
      errors.add(join(a.path, "geometry"),
                 "puts seats off the map (beyond +-" +
                     std::to_string(static_cast<int64_t>(limits::venue_coordinate_abs_max)) + ")");
    }
    s.seat_count = static_cast<uint32_t>(seats.size() - s.first_seat);
    sections.push_back(std::move(s));
  }
  if (errors.any()) return nullptr;
  // The checks above should leave nothing for venue_error to find; it still
  // has the last word, once (make_venue).
  std::shared_ptr<const venue> built;
  if (auto st = make_venue(std::move(spec.id), std::move(spec.name), std::move(spec.city),
                           std::move(sections), std::move(seats), built);
      !st) {
    errors.add("", "not a venue: " + st.message);
    return nullptr;
  }
  return built;
}

} // namespace

venue_file_result parse_venue_file(std::string_view text) {
  error_list errors;
  const auto root = read_json(text, errors);
  if (!root) return std::move(errors).refusal();
  auto spec = read_venue(*root, errors);
  if (errors.any()) return std::move(errors).refusal();
  if (auto built = build(spec, errors)) return {std::move(built), {}, 0};
  return std::move(errors).refusal();
}

} // namespace holdfast

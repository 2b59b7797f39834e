#include "actors/node_config.hpp"

#include <fstream>

#include <boost/program_options.hpp>

#include "core/limits.hpp"

namespace holdfast {

std::string load_node_config(const std::string& path, node_config& out) {
  namespace po = boost::program_options;
  std::ifstream in(path);
  if (!in) return "cannot open " + path;
  po::options_description desc;
  // clang-format off
  desc.add_options()
    ("cluster.shards", po::value(&out.shards))
    ("node.name", po::value(&out.name))
    ("node.http_host", po::value(&out.http_host))
    ("node.http_port", po::value(&out.http_port))
    ("node.data_dir", po::value(&out.data_dir))
    ("node.caf_port", po::value(&out.caf_port))
    ("node.http_threads", po::value(&out.http_threads))
    ("node.actor_threads", po::value(&out.actor_threads))
    ("node.actor_scheduler", po::value(&out.actor_scheduler))
    ("node.web_root", po::value(&out.web_root))
    ("node.clock_offset_s", po::value(&out.clock_offset_s))
    ("node.snapshot_records", po::value(&out.snapshot_records))
    ("demo.load", po::value(&out.demo_load))
    ("demo.sections", po::value(&out.demo_sections))
    ("demo.seats", po::value(&out.demo_seats))
    ("demo.ga_capacity", po::value(&out.demo_ga_capacity))
    ("demo.user_seats_max", po::value(&out.demo_user_seats_max));
  // clang-format on
  try {
    po::variables_map vm;
    po::store(po::parse_config_file(in, desc, /*allow_unregistered=*/false), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return path + ": " + e.what();
  }
  if (out.shards == 0 || out.shards > 1024) return path + ": cluster.shards must be 1..1024";
  if (out.demo_seats == 0 || out.demo_seats > limits::venue_seats_max)
    return path + ": demo.seats out of range";
  if (out.actor_scheduler != "stealing" && out.actor_scheduler != "sharing")
    return path + ": node.actor_scheduler must be stealing or sharing";
  if (out.demo_user_seats_max == 0 || out.demo_user_seats_max > limits::user_seats_max_max)
    return path + ": demo.user_seats_max must be 1.." + std::to_string(limits::user_seats_max_max);
  if (out.demo_sections == 0 || out.demo_sections > out.demo_seats)
    return path + ": demo.sections out of range";
  return {};
}

} // namespace holdfast

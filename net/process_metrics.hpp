// The process_* metrics every Prometheus client library exports, for the node
// itself, read from /proc at each scrape (nothing is kept between scrapes).
#pragma once

#include <string>

namespace holdfast {

// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds and
// process_start_time_seconds in the text format; a value /proc cannot give is
// left out rather than reported as 0.
std::string render_process_metrics();

} // namespace holdfast

// The node's data directory holds user ids, orders, card last-4s, idempotency
// keys and the node's secrets: nobody but the node's own user may read it.
#pragma once

#include <string>

#include "core/status.hpp"

namespace holdfast {

// Creates `path` if needed and makes it private: the directory 0700, and each
// file the node keeps there (databases with their -wal/-shm, secrets, logs)
// 0600, which also repairs data directories written by older versions. Call
// after umask(077), so what the node creates later is private from the start.
status make_data_dir_private(const std::string& path);

} // namespace holdfast

// A fresh directory under the system temp dir for one test, removed after it.
// Names carry the pid and a counter, so parallel test processes never share one.
#pragma once

#include <filesystem>
#include <string>

#include <unistd.h>

#include "persistence/shard_store.hpp"

namespace holdfast::testing {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("holdfast-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string db(uint32_t shard = 0) const { return shard_db_path(path.string(), shard); }
};

} // namespace holdfast::testing

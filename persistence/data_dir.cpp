#include "persistence/data_dir.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace holdfast {

namespace fs = std::filesystem;

status make_data_dir_private(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return status::failure("cannot create " + path + ": " + ec.message());
  fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return status::failure("cannot make " + path + " private (mode 0700): " + ec.message());
  // Only the node's own files, by name: a data_dir that is also home to
  // other files keeps theirs as they are.
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    const auto name = entry.path().filename().string();
    const bool ours = name.ends_with(".db") || name.ends_with(".db-wal") ||
                      name.ends_with(".db-shm") || name.ends_with(".sqlite") ||
                      name.ends_with(".sqlite-wal") || name.ends_with(".sqlite-shm") ||
                      name.ends_with(".log") || name == "node.secret" || name == "admin.token";
    if (!ours) continue;
    fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace, ec);
    if (ec)
      return status::failure("cannot make " + entry.path().string() +
                             " private (mode 0600): " + ec.message());
  }
  if (ec) return status::failure("cannot list " + path + ": " + ec.message());
  return status::success();
}

} // namespace holdfast

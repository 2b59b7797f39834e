#include "net/static_files.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include "core/crc32c.hpp"
#include "core/limits.hpp"
#include "net/content_coding.hpp"
#include "net/header_lists.hpp"

namespace holdfast {

namespace {

const char* content_type_of(std::string_view file) {
  auto ends = [&](std::string_view ext) {
    return file.size() >= ext.size() && file.substr(file.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  return nullptr;
}

bool compressible(std::string_view type) {
  return type.starts_with("text/") || type == "application/json" || type == "image/svg+xml";
}

bool same_time(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

} // namespace

std::shared_ptr<const static_file> static_files::get(std::string_view name) {
  const char* type = content_type_of(name);
  if (type == nullptr || name.empty() || name.front() == '.' ||
      name.find('/') != std::string_view::npos || name.find("..") != std::string_view::npos)
    return nullptr;
  const std::string path = root_ + "/" + std::string(name);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto it = files_.find(std::string(name));
    if (it != files_.end() && it->second->size == st.st_size &&
        same_time(it->second->modified, st.st_mtim))
      return it->second;
  }
  // Read outside the lock; two threads loading the same change both store it.
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::ostringstream contents;
  contents << in.rdbuf();
  auto file = std::make_shared<static_file>();
  file->content_type = type;
  file->body = std::move(contents).str();
  file->size = st.st_size;
  file->modified = st.st_mtim;
  // Size and the journal's checksum: a fingerprint for revalidation, not a
  // security boundary.
  char tag[48];
  std::snprintf(tag, sizeof tag, "\"%zx-%08x\"", file->body.size(),
                static_cast<unsigned>(crc32c(file->body)));
  file->etag = tag;
  file->etag_gzip = gzip_etag(file->etag);
  if (compressible(type) && file->body.size() >= limits::static_gzip_bytes_min) {
    file->gzipped = gzip(file->body, 9); // once per file version: take the best
    if (file->gzipped.size() >= file->body.size()) file->gzipped.clear();
  }
  std::lock_guard<std::mutex> guard{mutex_};
  files_[std::string(name)] = file;
  return file;
}

bool none_match(std::string_view if_none_match, std::string_view etag) {
  auto opaque = [](std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; };
  return any_list_element(if_none_match, [&](std::string_view tag) {
    return tag == "*" || opaque(tag) == opaque(etag);
  });
}

std::string gzip_etag(std::string_view etag) {
  std::string tag(etag.substr(0, etag.size() - 1)); // without the closing quote
  tag += "-gz\"";
  return tag;
}

const std::string* held_etag(std::string_view if_none_match, const std::string& etag,
                             const std::string& etag_gzip, bool zipped) {
  if (if_none_match.empty()) return nullptr;
  const bool plain_held = none_match(if_none_match, etag);
  const bool gzip_held = none_match(if_none_match, etag_gzip);
  if (zipped ? gzip_held : plain_held) return zipped ? &etag_gzip : &etag;
  if (plain_held || gzip_held) return plain_held ? &etag : &etag_gzip;
  return nullptr;
}

} // namespace holdfast

// Static files from memory: what this tries to break is the cache (a file
// rewritten with the same size must be reread, an untouched one must not be),
// the names it refuses to serve (hidden files, paths, "..", unknown types,
// directories, missing files), the gzipped copy (only for text big enough to
// gain, and exactly the body when inflated), ETags (distinct per content and
// per coding) and If-None-Match matching ("*", lists, weak tags).
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "net/content_coding.hpp"
#include "net/static_files.hpp"
#include "tests/temp_dir.hpp"

using namespace holdfast;

namespace {

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

} // namespace

TEST_CASE("static files are read once and again only when they change") {
  testing::temp_dir dir;
  const auto js = dir.path / "app.js";
  const std::string first(4000, 'a');
  write_file(js, first);
  static_files files(dir.path.string());
  auto a = files.get("app.js");
  REQUIRE(a);
  CHECK(a->body == first);
  CHECK(a->content_type == "text/javascript; charset=utf-8");
  CHECK(files.get("app.js") == a); // untouched: the same copy

  // The same size, new content, a later modification time: reread.
  const std::string second(4000, 'b');
  write_file(js, second);
  std::filesystem::last_write_time(js,
                                   std::filesystem::last_write_time(js) + std::chrono::seconds(2));
  auto b = files.get("app.js");
  REQUIRE(b);
  CHECK(b != a);
  CHECK(b->body == second);
  CHECK(b->etag != a->etag);
  CHECK(a->body == first); // a copy already handed out stays whole

  std::filesystem::remove(js);
  CHECK_FALSE(files.get("app.js")); // gone from disk: gone
}

TEST_CASE("static files refuse names that are not plain files of a known type") {
  testing::temp_dir dir;
  write_file(dir.path / "ok.css", "body{}");
  write_file(dir.path / ".hidden.js", "x");
  write_file(dir.path / "notes.txt", "x");
  std::filesystem::create_directories(dir.path / "sub.js");
  write_file(dir.path / "sub.js" / "a.js", "x");
  static_files files(dir.path.string());
  CHECK(files.get("ok.css"));
  for (const char* name : {".hidden.js", "notes.txt", "sub.js", "sub.js/a.js", "../ok.css", "..",
                           "", "missing.js", "ok.css/", "ok.css\\..\\x.js"}) {
    INFO(name);
    CHECK_FALSE(files.get(name));
  }
}

TEST_CASE("gzipped copies: text big enough to gain, never binary or tiny") {
  testing::temp_dir dir;
  std::string js;
  for (int i = 0; i < 200; ++i)
    js += "export const value" + std::to_string(i) + " = 'holdfast';\n";
  write_file(dir.path / "big.js", js);
  write_file(dir.path / "tiny.js", "export {};");
  write_file(dir.path / "logo.png", std::string(5000, '\x89'));
  static_files files(dir.path.string());
  auto big = files.get("big.js");
  REQUIRE(big);
  REQUIRE_FALSE(big->gzipped.empty());
  CHECK(big->gzipped.size() < big->body.size() / 3);
  CHECK(gunzip(big->gzipped, big->body.size()) == big->body);
  CHECK(big->etag_gzip != big->etag);
  CHECK(files.get("tiny.js")->gzipped.empty());
  CHECK(files.get("logo.png")->gzipped.empty());
  CHECK(files.get("logo.png")->content_type == "image/png");
}

TEST_CASE("If-None-Match: lists, *, weak tags, and nothing else") {
  const std::string tag = "\"d56-035576de37c48242\"";
  CHECK(none_match(tag, tag));
  CHECK(none_match("*", tag));
  CHECK(none_match("\"other\", " + tag, tag));
  CHECK(none_match(" \"other\" ,\t" + tag + " ", tag));
  CHECK(none_match("W/" + tag, tag)); // weak comparison
  CHECK_FALSE(none_match("", tag));
  CHECK_FALSE(none_match("\"other\"", tag));
  CHECK_FALSE(none_match("\"d56-035576de37c48242-gz\"", tag));
  CHECK_FALSE(none_match("d56-035576de37c48242", tag)); // unquoted is another tag
  CHECK_FALSE(none_match(",,", tag));
}

TEST_CASE("a resource served plain or gzipped: which tag a 304 names") {
  const std::string plain = "\"d56-0355\"";
  const std::string zipped = gzip_etag(plain);
  CHECK(zipped == "\"d56-0355-gz\"");
  // Holding the copy it would be sent: that one.
  CHECK(held_etag(plain, plain, zipped, false) == &plain);
  CHECK(held_etag(zipped, plain, zipped, true) == &zipped);
  // Holding the other copy: still current, and the 304 names the one held.
  CHECK(held_etag(plain, plain, zipped, true) == &plain);
  CHECK(held_etag(zipped, plain, zipped, false) == &zipped);
  // Holding both: the one it would be sent.
  CHECK(held_etag(plain + ", " + zipped, plain, zipped, true) == &zipped);
  CHECK(held_etag("*", plain, zipped, false) == &plain);
  // Neither, or no header: the body.
  CHECK(held_etag("", plain, zipped, true) == nullptr);
  CHECK(held_etag("\"d56-0356\"", plain, zipped, false) == nullptr);
}

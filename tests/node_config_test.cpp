// Settings from outside cluster.conf: --set section.key=value and
// HOLDFAST_SECTION__KEY variables override the file, the command line first;
// an unknown or malformed one is refused like a bad line in the file.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "node/node_config.hpp"
#include "tests/temp_dir.hpp"

using namespace holdfast;
using holdfast::testing::temp_dir;

namespace {

std::string write_conf(const temp_dir& dir, const std::string& text) {
  const auto path = (dir.path / "node.conf").string();
  std::ofstream(path) << text;
  return path;
}

config_override set(std::string_view text) {
  config_override o;
  REQUIRE(parse_config_override(text, "--set", o).ok);
  return o;
}

} // namespace

TEST_CASE("node config: --set and the environment override the file, the command line first") {
  temp_dir dir;
  const auto path = write_conf(dir, "[node]\nhttp_port = 8080\nadmin_port = 8081\n"
                                    "[cluster]\nshards = 2\n");
  node_config plain;
  REQUIRE(load_node_config(path, plain).ok);
  CHECK(plain.http_port == 8080);
  CHECK(plain.shards == 2);

  std::string env_port = "HOLDFAST_NODE__HTTP_PORT=9191";
  std::string env_shards = "HOLDFAST_CLUSTER__SHARDS=4";
  std::string not_a_setting = "HOLDFAST_ADMIN_TOKEN=abc"; // no "__": the CLI's, not a setting
  std::string other = "HOME=/root";
  std::vector<char*> env{env_port.data(), env_shards.data(), not_a_setting.data(), other.data(),
                         nullptr};
  auto from_env = config_overrides_from_environment(env.data());
  REQUIRE(from_env.size() == 2);
  CHECK(from_env[0].key == "node.http_port");
  CHECK(from_env[0].value == "9191");
  CHECK(from_env[0].origin == "HOLDFAST_NODE__HTTP_PORT");

  std::vector<config_override> overrides{set("node.http_port=7070")};
  overrides.insert(overrides.end(), from_env.begin(), from_env.end());
  node_config conf;
  REQUIRE(load_node_config(path, conf, overrides).ok);
  CHECK(conf.http_port == 7070);  // --set beats the environment
  CHECK(conf.shards == 4);        // the environment beats the file
  CHECK(conf.admin_port == 8081); // the file stands where nothing overrides it
}

TEST_CASE("node config: a bad override is refused and names where it came from") {
  temp_dir dir;
  const auto path = write_conf(dir, "[node]\nhttp_port = 8080\n");
  config_override o;
  CHECK_FALSE(parse_config_override("node.http_port", "--set", o).ok);   // no value
  CHECK_FALSE(parse_config_override("http_port=1", "--set", o).ok);      // no section
  CHECK_FALSE(parse_config_override(".http_port=1", "--set", o).ok);     // empty section
  CHECK_FALSE(parse_config_override("node.=1", "--set", o).ok);          // empty key
  CHECK(parse_config_override("node.web_root=/srv/a=b", "--set", o).ok); // '=' in a value
  CHECK(o.value == "/srv/a=b");

  node_config conf;
  const auto unknown = load_node_config(path, conf, {set("node.htp_port=1")});
  CHECK_FALSE(unknown.ok);
  CHECK(unknown.message.find("--set node.htp_port") != std::string::npos);

  std::string typo = "HOLDFAST_NODE__HTP_PORT=1";
  std::vector<char*> env{typo.data(), nullptr};
  const auto from_env = load_node_config(path, conf, config_overrides_from_environment(env.data()));
  CHECK_FALSE(from_env.ok);
  CHECK(from_env.message.find("HOLDFAST_NODE__HTP_PORT") != std::string::npos);

  const auto not_a_number = load_node_config(path, conf, {set("node.http_port=eighty")});
  CHECK_FALSE(not_a_number.ok);
  // The checks after parsing apply to overridden values too.
  CHECK_FALSE(load_node_config(path, conf, {set("cluster.shards=0")}).ok);
}

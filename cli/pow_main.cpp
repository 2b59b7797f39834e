// holdfast-pow: solves a proof-of-work challenge from the node, for scripts and
// curl users (the web UI solves it in the browser, web/pow.js). Reads the JSON
// of GET /v1/users/challenge (or …/queue/challenge) on stdin and prints the
// JSON body to send on: {"challenge", "nonce"} plus any --field name=value.
//
//   curl -s localhost:8080/v1/users/challenge | build/holdfast-pow name=ada |
//     curl -s -XPOST localhost:8080/v1/users -d @-
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include <boost/json.hpp>

#include "core/limits.hpp"

#include "net/proof_of_work.hpp"

int main(int argc, char** argv) {
  namespace json = boost::json;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--version") {
      std::printf("holdfast-pow %s\n", HOLDFAST_VERSION);
      return 0;
    }
    if (arg == "--help" || arg == "-h" || arg.find('=') == std::string::npos) {
      std::fprintf(arg == "--help" || arg == "-h" ? stdout : stderr,
                   "usage: holdfast-pow [name=value ...] < challenge.json\n"
                   "Reads {\"challenge\", \"difficulty\"} on stdin; prints {\"challenge\", "
                   "\"nonce\", name: value ...}\n"
                   "where SHA-256(challenge \":\" nonce) has difficulty leading zero bits.\n");
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  const std::string input{std::istreambuf_iterator<char>(std::cin), {}};
  boost::system::error_code ec;
  const json::value doc = json::parse(input, ec);
  const auto* obj = ec ? nullptr : doc.if_object();
  const auto* challenge = obj ? obj->if_contains("challenge") : nullptr;
  const auto* difficulty = obj ? obj->if_contains("difficulty") : nullptr;
  if (!challenge || !challenge->is_string() || !difficulty || !difficulty->is_int64() ||
      difficulty->as_int64() < 0 ||
      difficulty->as_int64() > holdfast::limits::pow_difficulty_bits_max) {
    std::fprintf(stderr, "holdfast-pow: stdin is not a challenge: %.200s\n", input.c_str());
    return 1;
  }
  const std::string text(challenge->as_string());
  const auto bits = static_cast<uint32_t>(difficulty->as_int64());
  std::string nonce = "0";
  for (uint64_t n = 0; bits > 0; ++n) {
    nonce = std::to_string(n);
    if (holdfast::work_bits(text, nonce) >= bits) break;
  }
  json::object out{{"challenge", text}, {"nonce", nonce}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    out[arg.substr(0, eq)] = arg.substr(eq + 1);
  }
  std::cout << json::serialize(out) << "\n";
  return 0;
}

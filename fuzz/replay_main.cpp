// fuzz-replay <target> <file or directory>...: runs a fuzz target once on each input, as the
// libFuzzer program would, without libFuzzer (so that g++ builds and the sanitizer suite replay
// the seed corpora and every regression input). A missing directory is skipped; a failing input
// crashes or aborts, which fails the test.
#include "replay.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fuzz-replay <target> <file or directory>...\n");
    return 2;
  }
  const ReplayTarget* target = nullptr;
  for (const ReplayTarget* t = kReplayTargets; t->name != nullptr; ++t) {
    if (std::string_view(t->name) == argv[1]) target = t;
  }
  if (target == nullptr) {
    std::fprintf(stderr, "fuzz-replay: no target named %s\n", argv[1]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 2; i < argc; ++i) {
    const fs::path path(argv[i]);
    if (fs::is_directory(path)) {
      for (const auto& entry : fs::directory_iterator(path)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
    } else if (fs::exists(path)) {
      inputs.push_back(path);
    }
  }
  std::sort(inputs.begin(), inputs.end());
  for (const auto& path : inputs) {
    std::ifstream file(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    std::fprintf(stderr, "%s: %s (%zu bytes)\n", target->name, path.c_str(), bytes.size());
    target->run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "%s: %zu inputs replayed\n", target->name, inputs.size());
  return 0;
}

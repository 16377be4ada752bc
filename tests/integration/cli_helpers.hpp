#pragma once
// Helpers of the CLI integration tests (cli_*_test.cpp): run the real
// binary through the shell and look at its exit status and output.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/server_process.hpp"

namespace orderflow::testing::cli {

inline const std::string& Binary() {
  static const std::string binary = OrderflowBinary();
  return binary;
}

// Runs `command` with the shell; returns its exit status and what it wrote
// to the stream `redirect` keeps ("2>&1 >/dev/null": stderr alone).
inline std::pair<int, std::string> RunCapturing(const std::string& command,
                                                const std::string& redirect) {
  std::string output;
  FILE* pipe = popen(("{ " + command + " ; } " + redirect).c_str(), "r");
  if (pipe == nullptr) return {-1, output};
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) output += buf.data();
  int status = pclose(pipe);
  return {WEXITSTATUS(status), output};
}

// Exit status and stderr alone.
inline std::pair<int, std::string> RunForStderr(const std::string& command) {
  return RunCapturing(command, "2>&1 >/dev/null");
}

// Exit status and stdout alone.
inline std::pair<int, std::string> RunForStdout(const std::string& command) {
  return RunCapturing(command, "2>/dev/null");
}

inline std::vector<std::string> NonEmptyLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace orderflow::testing::cli

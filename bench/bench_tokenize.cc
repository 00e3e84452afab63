// WordPiece throughput: encodes every line of a JSONL file of strings (no
// truncation, with tokens as HF's Encoding has them), single thread, `repeats`
// times. Prints one JSON line: {"lines", "tokens", "seconds": [..]}.
// Driven by scripts/bench_text.py, which times HF tokenizers on the same lines.
//
// usage: bench_tokenize MODEL_DIR LINES.jsonl [REPEATS]
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "merhan/text/tokenizer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench_tokenize MODEL_DIR LINES.jsonl [REPEATS]\n";
    return 2;
  }
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
  const auto tokenizer = merhan::LoadTokenizer(argv[1]);
  std::vector<std::string> lines;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line).get<std::string>());
  }
  std::vector<double> seconds;
  size_t tokens = 0;
  for (int r = 0; r < repeats; ++r) {
    tokens = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& l : lines) tokens += tokenizer->Encode(l, 1 << 30).size();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::cout << nlohmann::json({{"lines", lines.size()}, {"tokens", tokens}, {"seconds", seconds}}).dump() << "\n";
  return 0;
}

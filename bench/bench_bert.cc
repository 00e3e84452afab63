// BERT forward on CPU: a fixed batch (B x T token ids from a seeded generator,
// all positions valid) through LoadBertEncoder's model under InferenceMode,
// after 2 warm-up runs, `repeats` times, with `threads` intra-op threads.
// Prints one JSON line {"batch", "tokens", "threads", "seconds": [..]}.
// Driven by scripts/bench_text.py, which times transformers (eager) alike.
//
// usage: bench_bert MODEL_DIR [BATCH] [TOKENS] [REPEATS] [THREADS] [fp32|bf16]
#include <torch/torch.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "merhan/nn/bert.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_bert MODEL_DIR [BATCH] [TOKENS] [REPEATS] [THREADS] [fp32|bf16]\n";
    return 2;
  }
  const int64_t batch = argc > 2 ? std::atoll(argv[2]) : 32;
  const int64_t tokens = argc > 3 ? std::atoll(argv[3]) : 64;
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 5;
  const int threads = argc > 5 ? std::atoi(argv[5]) : torch::get_num_threads();
  torch::set_num_threads(threads);
  merhan::TextOptions options;
  options.model_dir = argv[1];
  options.dtype = argc > 6 ? argv[6] : "fp32";
  merhan::TextEncoder enc = merhan::LoadBertEncoder(options);
  torch::manual_seed(0);
  auto ids = torch::randint(1000, 30000, {batch, tokens}, torch::kLong);
  auto mask = torch::ones({batch, tokens}, torch::kLong);
  torch::InferenceMode guard;
  std::vector<double> seconds;
  for (int r = -2; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    auto out = enc.model->forward(ids, mask);
    (void)out.last_hidden_state.sum().item<float>();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r >= 0) seconds.push_back(s);
  }
  std::cout << nlohmann::json({{"batch", batch}, {"tokens", tokens}, {"threads", threads}, {"seconds", seconds}}).dump()
            << "\n";
  return 0;
}

// The positional convolution (grouped, kernel 128, 16 groups) at one intra-op thread:
// torch's grouped conv1d (what transformers runs, and merhan under autograd or bf16)
// against merhan's FftGroupedConv, on random weights and frames at the base (768) and
// large (1024) widths, for 2- to 60-s inputs (50 frames per second). Prints one line per
// shape: min and median milliseconds over the repeats (after one warm-up call) and the
// largest absolute difference. docs/benchmarks.md ("Speech-encoder extraction") quotes it.
//
// usage: bench_positional_conv [REPEATS]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "merhan/speech/fft_grouped_conv.h"

namespace {

constexpr int64_t kKernel = 128, kGroups = 16;

// "min / median ms" of `repeats` calls after one warm-up call.
std::pair<double, double> Time(const std::function<torch::Tensor()>& fn, int repeats) {
  fn();
  std::vector<double> ms;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 15;
  torch::set_num_threads(1);
  torch::manual_seed(0);
  torch::InferenceMode inference;
  std::printf("%6s %7s %22s %22s %8s %9s\n", "width", "frames", "conv1d min/median ms", "fft min/median ms", "speed-up",
              "max diff");
  for (const int64_t width : {768, 1024}) {
    const auto weight = torch::randn({width, width / kGroups, kKernel}) * 0.01;
    const auto bias = torch::randn({width});
    const merhan::FftGroupedConv fft(weight, kGroups);
    for (const int64_t frames : {99, 199, 499, 1499, 2999}) {
      const auto x = torch::randn({1, width, frames});
      const auto conv1d = [&] {
        return torch::conv1d(x, weight, bias, 1, kKernel / 2, 1, kGroups).slice(2, 0, frames);
      };
      const auto ours = [&] { return fft.Forward(x, bias); };
      const double diff = (conv1d() - ours()).abs().max().item<double>();
      const auto [direct_min, direct_median] = Time(conv1d, repeats);
      const auto [fft_min, fft_median] = Time(ours, repeats);
      std::printf("%6ld %7ld %10.2f / %9.2f %10.2f / %9.2f %7.1fx %9.1e\n", static_cast<long>(width),
                  static_cast<long>(frames), direct_min, direct_median, fft_min, fft_median, direct_min / fft_min,
                  diff);
    }
  }
  return 0;
}

#include "merhan/speech/fft_grouped_conv.h"

#include <ATen/Parallel.h>

#include <vector>

#include "merhan/util/error.h"

namespace merhan {
namespace {

const torch::Tensor& CheckedWeight(const torch::Tensor& weight, int64_t groups) {
  if (weight.dim() != 3 || weight.scalar_type() != torch::kFloat || !weight.device().is_cpu() || groups <= 0 ||
      weight.size(0) % groups != 0 || weight.size(1) != weight.size(0) / groups) {
    throw InternalError("FftGroupedConv: expected a float32 CPU conv1d weight (C, C / groups, kernel)");
  }
  return weight;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MERHAN_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MERHAN_CPU_CLONES
#endif

int64_t FftLength(int64_t kernel) {
  int64_t n = 2;
  while (n < 2 * kernel) n *= 2;
  return n;
}

// out[o] = sum_i s[i][o] x[i] over complex numbers, for `width` outputs: s as real and
// imaginary (width x width) planes; x and out (re, im) pairs `stride` floats apart.
// Written by hand because torch's batched complex matmul spends about 4 us per 48 x 48
// product in call overhead, more than the product itself. On x86-64 it is compiled for
// AVX-512 and AVX2 besides the baseline, picked at load time by the CPU (function
// multiversioning): that made the whole convolution 20 % faster at 199 frames than the
// baseline's SSE2 alone.
MERHAN_CPU_CLONES void ComplexMatVec(const float* __restrict s_re, const float* __restrict s_im,
                                     const float* __restrict x, float* __restrict out, int64_t width, int64_t stride,
                                     float* __restrict acc_re, float* __restrict acc_im) {
  for (int64_t o = 0; o < width; ++o) acc_re[o] = acc_im[o] = 0.0f;
  for (int64_t i = 0; i < width; ++i) {
    const float xr = x[i * stride], xi = x[i * stride + 1];
    const float* __restrict row_re = s_re + i * width;
    const float* __restrict row_im = s_im + i * width;
    for (int64_t o = 0; o < width; ++o) {
      acc_re[o] += row_re[o] * xr - row_im[o] * xi;
      acc_im[o] += row_re[o] * xi + row_im[o] * xr;
    }
  }
  for (int64_t o = 0; o < width; ++o) {
    out[o * stride] = acc_re[o];
    out[o * stride + 1] = acc_im[o];
  }
}

}  // namespace

FftGroupedConv::FftGroupedConv(const torch::Tensor& weight, int64_t groups)
    : channels_(CheckedWeight(weight, groups).size(0)),
      groups_(groups),
      kernel_(weight.size(2)),
      fft_length_(FftLength(weight.size(2))) {
  torch::NoGradGuard no_grad;
  const int64_t width = channels_ / groups;
  // Correlation with W is convolution with W reversed in time.
  const auto spectra = torch::fft::rfft(weight.detach().flip(-1), fft_length_);  // (C, in, bins)
  spectra_ = torch::view_as_real(spectra)
                 .view({groups, width, width, -1, 2})  // (group, out, in, bin, re/im)
                 .permute({3, 0, 4, 2, 1})             // (bin, group, re/im, in, out)
                 .contiguous();
}

// (B, C, T) -> (B, C, blocks, bins, 2): the spectra of the overlapping blocks of
// fft_length samples, hop fft_length - kernel + 1, of the input padded by kernel / 2
// zeros in front and enough behind for whole blocks.
torch::Tensor FftGroupedConv::InputSpectra(const torch::Tensor& x, int64_t blocks) const {
  const int64_t hop = fft_length_ - kernel_ + 1, front = kernel_ / 2;
  const int64_t padded = blocks * hop + kernel_ - 1;
  const auto framed = torch::constant_pad_nd(x, {front, padded - x.size(2) - front}).unfold(2, fft_length_, hop);
  return torch::view_as_real(torch::fft::rfft(framed, fft_length_));
}

// Per frequency and group, the (in -> out) complex matrix times every block's spectrum,
// in place of the products' (B, C, blocks, bins, 2) layout: no transposes. Groups outer,
// frequencies inner, so one group's input spectra stay in cache across frequencies.
torch::Tensor FftGroupedConv::MultiplySpectra(const torch::Tensor& x_spectra) const {
  const int64_t batch = x_spectra.size(0), blocks = x_spectra.size(2), bins = x_spectra.size(3);
  const int64_t width = channels_ / groups_, stride = blocks * bins * 2;  // floats from channel c to c + 1
  auto y = torch::empty_like(x_spectra);
  const float* s = spectra_.data_ptr<float>();
  const float* x = x_spectra.data_ptr<float>();
  float* out = y.data_ptr<float>();
  at::parallel_for(0, groups_ * bins, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> acc(2 * static_cast<size_t>(width));
    for (int64_t group_bin = begin; group_bin < end; ++group_bin) {
      const int64_t group = group_bin / bins, bin = group_bin % bins;
      const float* s_re = s + (bin * groups_ + group) * 2 * width * width;
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t block = 0; block < blocks; ++block) {
          const int64_t offset = (((b * channels_ + group * width) * blocks + block) * bins + bin) * 2;
          ComplexMatVec(s_re, s_re + width * width, x + offset, out + offset, width, stride, acc.data(),
                        acc.data() + width);
        }
      }
    }
  });
  return y;
}

torch::Tensor FftGroupedConv::Forward(const torch::Tensor& x, const torch::Tensor& bias) const {
  const int64_t batch = x.size(0), frames = x.size(2), hop = fft_length_ - kernel_ + 1;
  const int64_t blocks = (frames + hop - 1) / hop;
  const auto products = torch::view_as_complex(MultiplySpectra(InputSpectra(x, blocks)));
  // Each block's circular convolution is exact from sample kernel - 1 on.
  auto y = torch::fft::irfft(products, fft_length_).slice(3, kernel_ - 1);  // (B, C, blocks, hop)
  y = bias.defined() ? y + bias.view({1, -1, 1, 1}) : y.contiguous();
  return y.view({batch, channels_, blocks * hop}).slice(2, 0, frames);
}

std::shared_ptr<const FftGroupedConv> FftGroupedConvCache::For(const torch::Tensor& weight, int64_t groups) {
  // A weight made under InferenceMode has no version counter (and cannot be written in
  // place outside it): its storage identifies it.
  const int64_t version = weight.is_inference() ? 0 : weight._version();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!conv_ || data_ != weight.data_ptr() || version_ != version) {
    conv_ = std::make_shared<const FftGroupedConv>(weight, groups);
    data_ = weight.data_ptr();
    version_ = version;
  }
  return conv_;
}

}  // namespace merhan

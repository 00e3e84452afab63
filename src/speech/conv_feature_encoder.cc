#include "merhan/speech/conv_feature_encoder.h"

#include <ATen/autocast_mode.h>

namespace merhan {
namespace {

// The dtype the GEMMs run in: autocast's (bfloat16 under --dtype bf16 or cpu_bf16) when
// it is on for this device, since in-place accumulation (addmm_) is not autocast.
torch::ScalarType ComputeDtype(const torch::Tensor& x) {
  const auto device = x.device().type();
  return at::autocast::is_autocast_enabled(device) ? at::autocast::get_autocast_dtype(device) : x.scalar_type();
}

// bias + a b, or a b without a bias.
torch::Tensor MatMulBias(const torch::Tensor& bias, const torch::Tensor& a, const torch::Tensor& b) {
  return bias.defined() ? at::addmm(bias, a, b) : at::mm(a, b);
}

// (B, S) samples as the (B, T', kernel) windows a first convolution reads.
torch::Tensor SampleWindows(const torch::Tensor& waves, int64_t kernel, int64_t stride) {
  const auto x = waves.contiguous();
  const int64_t frames = (x.size(1) - kernel) / stride + 1;
  return x.as_strided({x.size(0), frames, kernel}, {x.size(1), stride, 1});
}

// Rows first, first + step, ... (count of them) of time-major frames as a matrix view
// with leading dimension step * C: no copy.
torch::Tensor EveryNthRow(const torch::Tensor& frames, int64_t first, int64_t step, int64_t count) {
  const int64_t width = frames.size(1);
  return frames.as_strided({count, width}, {step * width, 1}, frames.storage_offset() + first * width);
}

// A strided convolution over time-major frames, (T, C_in) -> (T', C_out), as one
// GEMM per kernel tap: output row t accumulates input row t * stride + j times tap
// j's (C_in, C_out) weights. The rows a tap reads are a strided view of the
// contiguous input (leading dimension stride * C_in), so nothing is copied into
// im2col columns. With the folded GroupNorm below, the front end runs 6-14 % faster
// than torch's conv1d on channels-first input at one thread (docs/benchmarks.md,
// "Speech-encoder extraction").
torch::Tensor DirectTapConv(const torch::Tensor& frames, const torch::Tensor& taps, const torch::Tensor& bias,
                            int64_t stride) {
  const int64_t kernel = taps.size(0);
  const int64_t out_frames = (frames.size(0) - kernel) / stride + 1;
  auto y = MatMulBias(bias, EveryNthRow(frames, 0, stride, out_frames), taps[0]);
  for (int64_t j = 1; j < kernel; ++j) y.addmm_(EveryNthRow(frames, j, stride, out_frames), taps[j]);
  return y;
}

// Kernel 3, stride 2 (four of wav2vec 2.0's seven convolutions) with Winograd's F(3, 2)
// on the even input rows. The odd rows meet tap W1 alone: one GEMM. The even rows
// e[v] = x[2v] meet W0 and W2 as a 2-tap correlation, z[v] = e[v] W0 + e[v + 1] W2. For
// outputs 3k, 3k + 1, 3k + 2, with d_j = e[3k + j] = x[6k + 2j]:
//   p1 = (d1 + d2) (W0 + W2) / 2,   p2 = (d2 - d1) (W0 - W2) / 2
//   z[3k]     = (d0 - d2) W0 + p1 + p2
//   z[3k + 1] = p1 - p2
//   z[3k + 2] = (d3 - d1) W2 + p1 + p2
// Four GEMMs of a third of the output's height where direct taps need six: 2.33 GEMMs
// of the output's height instead of 3 (2.5 with F(2, 2)). At one thread on a 4-s
// utterance's shapes the four layers took 165-174 ms against 176-184 ms with F(2, 2)
// and 200-208 ms with direct taps (scripts/bench_speech_kernels.py; docs/benchmarks.md).
torch::Tensor Kernel3Stride2Conv(const torch::Tensor& frames, const torch::Tensor& taps, const torch::Tensor& bias) {
  const int64_t out_frames = (frames.size(0) - 3) / 2 + 1, triples = out_frames / 3;
  auto y = MatMulBias(bias, EveryNthRow(frames, 1, 2, out_frames), taps[1]);
  if (triples > 0) {
    const auto d0 = EveryNthRow(frames, 0, 6, triples), d1 = EveryNthRow(frames, 2, 6, triples);
    const auto d2 = EveryNthRow(frames, 4, 6, triples), d3 = EveryNthRow(frames, 6, 6, triples);
    const auto p2 = at::mm(d2 - d1, (taps[0] - taps[2]) * 0.5);
    const auto p1_plus_p2 = at::addmm(p2, d1 + d2, (taps[0] + taps[2]) * 0.5);
    EveryNthRow(y, 0, 3, triples).add_(p1_plus_p2).addmm_(d0 - d2, taps[0]);
    EveryNthRow(y, 1, 3, triples).add_(p1_plus_p2).sub_(p2, 2.0);
    EveryNthRow(y, 2, 3, triples).add_(p1_plus_p2).addmm_(d3 - d1, taps[2]);
  }
  const int64_t first = 3 * triples, rest = out_frames - first;  // at most two rows: direct taps
  if (rest > 0) {
    y.narrow(0, first, rest)
        .addmm_(EveryNthRow(frames, 2 * first, 2, rest), taps[0])
        .addmm_(EveryNthRow(frames, 2 * first + 2, 2, rest), taps[2]);
  }
  return y;
}

// Winograd in float32 only: in bfloat16 the sums and differences of rows are rounded
// once more, which took wav2vec2-base's bf16-against-fp32 difference from 0.29 to 0.33
// with F(2, 2).
torch::Tensor TimeMajorConv(const torch::Tensor& frames, const torch::Tensor& taps, const torch::Tensor& bias,
                            int64_t stride) {
  if (taps.size(0) == 3 && stride == 2 && taps.scalar_type() == torch::kFloat) {
    return Kernel3Stride2Conv(frames, taps, bias);
  }
  return DirectTapConv(frames, taps, bias, stride);
}

// The first convolution followed by GroupNorm over time (one group per channel), on
// one utterance's (T', kernel) windows. Each channel's output is linear in the
// windows, so its mean and variance follow from the windows' mean and covariance
// (float64, kernel x kernel): GroupNorm folds into the weights and bias of a single
// GEMM, instead of three passes over the largest activation of the encoder.
torch::Tensor FirstConvGroupNorm(const torch::Tensor& windows, const torch::Tensor& weight,
                                 const torch::nn::GroupNormImpl& norm) {
  const int64_t channels = weight.size(0), kernel = weight.size(2);
  const auto w = weight.reshape({channels, kernel}).to(torch::kFloat64);  // conv bias cancels in the norm
  const auto x = windows.to(torch::kFloat64);
  const auto mean = x.mean(0);
  const auto centred = x - mean;
  const auto covariance = centred.t().mm(centred) / static_cast<double>(x.size(0));
  const auto channel_mean = w.mv(mean);
  const auto channel_var = (w.mm(covariance) * w).sum(1);
  auto scale = (channel_var + norm.options.eps()).rsqrt();
  auto shift = -channel_mean * scale;
  if (norm.options.affine()) {
    scale = scale * norm.weight.to(torch::kFloat64);
    shift = shift * norm.weight.to(torch::kFloat64) + norm.bias.to(torch::kFloat64);
  }
  const auto folded = (w * scale.unsqueeze(1)).t().to(windows.scalar_type());
  return at::addmm(shift.to(windows.scalar_type()), windows, folded);
}

}  // namespace

SpeechConvLayerImpl::SpeechConvLayerImpl(const SpeechEncoderConfig& c, size_t i, ConvLayerNorm n)
    : norm(n), stride(c.conv_stride[i]) {
  const int64_t in = i == 0 ? 1 : c.conv_dim[i - 1];
  const int64_t out = c.conv_dim[i];
  conv = register_module(
      "conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, c.conv_kernel[i]).stride(stride).bias(c.conv_bias)));
  // torch's defaults (eps 1e-5, affine), as transformers builds them: not layer_norm_eps.
  if (norm == ConvLayerNorm::kGroupNorm) {
    group_norm = register_module("layer_norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(out, out)));
  } else if (norm == ConvLayerNorm::kLayerNorm) {
    layer_norm = register_module("layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out})));
  }
}

torch::Tensor SpeechConvLayerImpl::forward(const torch::Tensor& x) {
  const auto& weight = conv->weight;
  const int64_t kernel = weight.size(2);
  std::vector<torch::Tensor> outputs;
  if (weight.size(1) == 1) {  // raw samples, (B, S): one GEMM over copied windows
    const auto windows = SampleWindows(x, kernel, stride);
    const auto weights = weight.reshape({weight.size(0), kernel}).t();
    for (int64_t b = 0; b < x.size(0); ++b) {
      if (norm == ConvLayerNorm::kGroupNorm) {
        outputs.push_back(FirstConvGroupNorm(windows[b], weight, *group_norm));
      } else {
        outputs.push_back(MatMulBias(conv->bias, windows[b], weights));
      }
    }
  } else {
    // (k, C_in, C_out): one weight matrix per tap, copied on each call (3 MB per layer at
    // 512 channels) so that the module's parameters keep torch's Conv1d layout.
    const auto dtype = ComputeDtype(x);
    const auto taps = weight.permute({2, 1, 0}).to(dtype).contiguous();
    const auto bias = conv->bias.defined() ? conv->bias.to(dtype) : torch::Tensor();
    const auto frames = x.to(dtype).contiguous();
    for (int64_t b = 0; b < frames.size(0); ++b) outputs.push_back(TimeMajorConv(frames[b], taps, bias, stride));
  }
  auto y = outputs.size() == 1 ? outputs.front().unsqueeze(0) : torch::stack(outputs);
  if (norm == ConvLayerNorm::kLayerNorm) y = layer_norm(y);
  return torch::gelu(y);
}

ConvFeatureEncoderImpl::ConvFeatureEncoderImpl(const SpeechEncoderConfig& c) {
  conv_layers = register_module("conv_layers", torch::nn::ModuleList());
  for (size_t i = 0; i < c.conv_dim.size(); ++i) {
    ConvLayerNorm norm = ConvLayerNorm::kLayerNorm;
    if (c.conv_norm == ConvNorm::kGroup) norm = i == 0 ? ConvLayerNorm::kGroupNorm : ConvLayerNorm::kNone;
    conv_layers->push_back(SpeechConvLayer(c, i, norm));
  }
}

torch::Tensor ConvFeatureEncoderImpl::forward(const torch::Tensor& waveforms) {
  auto x = waveforms;
  for (const auto& layer : *conv_layers) x = layer->as<SpeechConvLayerImpl>()->forward(x);
  return x;
}

}  // namespace merhan

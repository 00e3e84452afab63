#include "merhan/nn/layer_mix.h"

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

LayerMixImpl::LayerMixImpl(std::string stream, int64_t layers, int64_t dim)
    : stream_(std::move(stream)), layers_(layers), dim_(dim) {
  if (layers < 2 || dim < 1) throw InternalError(Cat("LayerMix: ", layers, " layers of ", dim));
  logits_ = register_parameter("weights", torch::zeros({layers}));
}

torch::Tensor LayerMixImpl::forward(const torch::Tensor& rows) {
  if (rows.size(-1) != layers_ * dim_) {
    throw DataError(Cat("stream ", stream_, ": ", rows.size(-1), " features per row, expected ", layers_, " hidden states of ",
                        dim_));
  }
  std::vector<int64_t> shape = rows.sizes().vec();
  shape.back() = layers_;
  shape.push_back(dim_);
  const auto weights = torch::softmax(logits_, 0).to(rows.scalar_type()).unsqueeze(-1);  // (L, 1)
  return (rows.view(shape) * weights).sum(-2);
}

std::vector<double> LayerMixImpl::Weights() const {
  torch::NoGradGuard no_grad;
  const auto w = torch::softmax(logits_.detach().to(torch::kCPU, torch::kFloat64), 0).contiguous();
  return {w.data_ptr<double>(), w.data_ptr<double>() + w.numel()};
}

std::map<std::string, std::vector<double>> LayerMixWeights(const torch::nn::Module& model) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& module : model.modules(/*include_self=*/true)) {
    const auto* mix = dynamic_cast<const LayerMixImpl*>(module.get());
    if (!mix) continue;
    std::string key = mix->stream();
    for (int k = 2; out.count(key); ++k) key = mix->stream() + "#" + std::to_string(k);
    out[key] = mix->Weights();
  }
  return out;
}

}  // namespace merhan

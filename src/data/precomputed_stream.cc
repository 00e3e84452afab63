#include "merhan/data/precomputed_stream.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>

#include "merhan/io/npy.h"
#include "merhan/io/state_dict.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

// Bumped whenever reading gives other matrices for the same files.
constexpr int kPrecomputedReaderVersion = 1;

std::string SpecJson(const PrecomputedStreamSpec& spec) {
  return nlohmann::json{{"reader", Cat("precomputed-v", kPrecomputedReaderVersion)},
                        {"format", spec.format == PrecomputedFormat::kNpy ? "npy" : "safetensors"},
                        {"dim", spec.dim}}
      .dump();
}

FeatureMatrix ReadNpyMatrix(const PrecomputedStreamSpec& spec, const Utterance& u) {
  const std::string& file = PrecomputedFile(spec, u);
  const std::string what = Cat("utterance ", u.id, ", stream ", spec.name, " (", file, ")");
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw DataError(what + ": file not found");
  NpyArray a;
  try {
    a = ReadNpyFloat(file);
  } catch (const DataError& e) {
    throw DataError(Cat("utterance ", u.id, ", stream ", spec.name, ": ", e.what()));
  }
  return CheckedFeatureMatrix(spec, a.shape, std::move(a.data), what);
}

// One safetensors file per stream, loaded once and shared by the extraction threads.
struct LazySafetensors {
  std::string file;
  std::once_flag once;
  StateDict tensors;
  const StateDict& Get() {
    std::call_once(once, [this] { tensors = LoadSafetensors(file); });
    return tensors;
  }
};

FeatureMatrix ReadSafetensorsMatrix(const PrecomputedStreamSpec& spec, LazySafetensors& lazy, const Utterance& u) {
  const std::string what = Cat("utterance ", u.id, ", stream ", spec.name, " (", spec.file, ")");
  const StateDict& tensors = lazy.Get();
  if (!tensors.Has(u.id)) throw DataError(what + ": the file has no tensor named after the utterance");
  const torch::Tensor t = tensors.Get(u.id);
  if (!t.is_floating_point()) throw DataError(Cat(what, ": ", t.scalar_type(), " values, expected floats"));
  const torch::Tensor f = t.to(torch::kFloat32).contiguous();
  std::vector<int64_t> shape(f.sizes().begin(), f.sizes().end());
  std::vector<float> values(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
  return CheckedFeatureMatrix(spec, shape, std::move(values), what);
}

}  // namespace

const std::string& PrecomputedFile(const PrecomputedStreamSpec& spec, const Utterance& u) {
  auto it = u.feature_files.find(spec.name);
  if (it == u.feature_files.end() || it->second.empty()) {
    throw DataError(Cat("utterance ", u.id, ": no file for stream ", spec.name, " (give data.streams.", spec.name,
                        ".dir or a manifest column \"", spec.name, "\")"));
  }
  return it->second;
}

void AssignPrecomputedFiles(const std::vector<PrecomputedStreamSpec>& specs, const std::string& manifest_dir,
                            std::vector<Utterance>* utterances) {
  for (const PrecomputedStreamSpec& spec : specs) {
    if (spec.format == PrecomputedFormat::kSpeechEncoder) continue;  // computed from the wav, no file
    for (Utterance& u : *utterances) {
      std::string file;
      auto column = u.columns.find(spec.name);
      if (spec.format == PrecomputedFormat::kSafetensors) {
        file = spec.file;
      } else if (column != u.columns.end() && !column->second.empty()) {
        const fs::path p(column->second);
        file = (p.is_absolute() || manifest_dir.empty() ? p : fs::path(manifest_dir) / p).lexically_normal().string();
      } else if (!spec.dir.empty()) {
        file = (fs::path(spec.dir) / (u.id + ".npy")).string();
      }
      u.feature_files[spec.name] = file;
    }
  }
}

FeatureMatrix CheckedFeatureMatrix(const PrecomputedStreamSpec& spec, const std::vector<int64_t>& shape,
                                   std::vector<float> values, const std::string& what) {
  if (shape.size() != 1 && shape.size() != 2) {
    throw DataError(Cat(what, ": ", shape.size(), "-D array; expected 1-D (dim) or 2-D (frames x dim)"));
  }
  FeatureMatrix m;
  m.rows = shape.size() == 1 ? 1 : shape[0];
  m.cols = shape.back();
  if (m.cols != spec.dim) {
    throw DataError(Cat(what, ": ", m.cols, " features per row, data.streams.", spec.name, ".dim is ", spec.dim));
  }
  if (m.rows < 1) throw DataError(what + ": no frames");
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw DataError(Cat(what, ": ", std::isnan(values[i]) ? "NaN" : "Inf", " at row ",
                          static_cast<int64_t>(i) / m.cols, ", column ", static_cast<int64_t>(i) % m.cols));
    }
  }
  m.data = std::move(values);
  return m;
}

FeatureStream PrecomputedFeatureStream(const PrecomputedStreamSpec& spec) {
  if (spec.format == PrecomputedFormat::kSpeechEncoder) {
    throw InternalError("PrecomputedFeatureStream: " + spec.name + " is computed (SpeechEncoderFeatureStream)");
  }
  FeatureStream s;
  s.kind = StreamKind::kPrecomputed;
  s.name = spec.name;
  s.input = CacheInput::kFeatureFile;
  s.config_json = SpecJson(spec);
  if (spec.format == PrecomputedFormat::kNpy) {
    s.extract = [spec](const Utterance& u) { return ReadNpyMatrix(spec, u); };
  } else {
    auto lazy = std::make_shared<LazySafetensors>();
    lazy->file = spec.file;
    s.extract = [spec, lazy](const Utterance& u) { return ReadSafetensorsMatrix(spec, *lazy, u); };
  }
  return s;
}

}  // namespace merhan

#include "merhan/train/checkpoint.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

nlohmann::json CheckpointMeta::ToJson() const {
  nlohmann::json dims_json = {{"num_classes", dims.num_classes}, {"audio_dim", dims.audio_dim}, {"text_dim", dims.text_dim}};
  if (!dims.stream_dims.empty()) dims_json["stream_dims"] = dims.stream_dims;  // precomputed streams only
  return {{"format", kCheckpointFormat},
          {"version", kCheckpointVersion},
          {"kind", kind},
          {"config", config},
          {"classes", classes},
          {"dims", dims_json},
          {"fold", fold},
          {"fold_name", fold_name},
          {"seed", seed},
          {"epoch", epoch},
          {"metrics", metrics},
          {"text_encoder", text_encoder},
          {"calibration", calibration}};
}

CheckpointMeta CheckpointMeta::FromJson(const nlohmann::json& j, const std::string& origin) {
  CheckpointMeta m;
  try {
    if (j.at("format").get<std::string>() != kCheckpointFormat) {
      throw DataError(origin + ": not a merhan checkpoint");
    }
    const int version = j.at("version").get<int>();
    if (version > kCheckpointVersion) {
      throw DataError(origin + ": checkpoint format version " + std::to_string(version) +
                      " is newer than this merhan reads (" + std::to_string(kCheckpointVersion) + ")");
    }
    m.kind = j.at("kind").get<std::string>();
    m.config = j.at("config");
    m.classes = j.at("classes").get<std::vector<std::string>>();
    m.dims.num_classes = j.at("dims").at("num_classes").get<int>();
    m.dims.audio_dim = j.at("dims").at("audio_dim").get<int>();
    m.dims.text_dim = j.at("dims").at("text_dim").get<int>();
    if (j.at("dims").contains("stream_dims")) {
      m.dims.stream_dims = j.at("dims").at("stream_dims").get<std::map<std::string, int>>();
    }
    m.fold = j.at("fold").get<int>();
    m.fold_name = j.at("fold_name").get<std::string>();
    m.seed = j.at("seed").get<int>();
    m.epoch = j.at("epoch").get<int>();
    m.metrics = j.at("metrics");
    m.text_encoder = j.at("text_encoder");
    // Absent from checkpoints written before calibration existed.
    m.calibration = j.contains("calibration") ? j.at("calibration") : nlohmann::json();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(origin + ": malformed checkpoint metadata: " + e.what());
  }
  return m;
}

namespace {

// FNV-1a over little-endian 8-byte words (the tail zero-padded), then the size.
std::string HashFile(const fs::path& path, uint64_t* size_out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot read " + path.string());
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t hash = 14695981039346656037ull;
  uint64_t size = 0;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const size_t n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    size += n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t word;
      std::memcpy(&word, buffer.data() + i, 8);
      hash = (hash ^ word) * kPrime;
    }
    if (i < n) {
      uint64_t word = 0;
      std::memcpy(&word, buffer.data() + i, n - i);
      hash = (hash ^ word) * kPrime;
    }
  }
  hash = (hash ^ size) * kPrime;
  *size_out = size;
  std::ostringstream hex;
  hex << std::hex << std::setw(16) << std::setfill('0') << hash;
  return hex.str();
}

const char* const kEncoderFiles[] = {"config.json", "model.safetensors", "pytorch_model.bin",
                                     "vocab.txt", "tokenizer.json", "spiece.model"};

}  // namespace

nlohmann::json TextEncoderFingerprint(const std::string& dir) {
  if (dir.empty()) return nullptr;
  std::error_code ec;
  const fs::path root = fs::absolute(dir, ec).lexically_normal();
  if (!fs::is_directory(root)) throw DataError("text encoder directory " + root.string() + " does not exist");
  if (!fs::exists(root / "config.json")) {
    throw DataError("text encoder directory " + root.string() + " has no config.json");
  }
  nlohmann::json files = nlohmann::json::object();
  for (const char* name : kEncoderFiles) {
    const fs::path p = root / name;
    if (!fs::exists(p)) continue;
    uint64_t size = 0;
    const std::string hash = HashFile(p, &size);
    files[name] = {{"size", size}, {"fnv1a64", hash}};
  }
  return {{"dir", root.string()}, {"files", files}};
}

void CheckTextEncoder(const nlohmann::json& recorded, const std::string& checkpoint_path,
                      const std::string& moved_to) {
  if (recorded.is_null()) return;
  const std::string dir = moved_to.empty() ? recorded.value("dir", std::string()) : moved_to;
  const std::string hint =
      moved_to.empty() ? " (recorded in checkpoint " + checkpoint_path +
                             "; the model was trained with that encoder: restore it there, give its new place "
                             "with --text-model-dir, or retrain)"
                       : " (--text-model-dir must hold the encoder checkpoint " + checkpoint_path +
                             " was trained with, file for file)";
  if (!fs::is_directory(dir)) {
    throw DataError("text encoder directory " + dir + " is missing" +
                    (moved_to.empty() ? ": it was moved or deleted" : "") + hint);
  }
  const nlohmann::json now = TextEncoderFingerprint(dir);
  const auto& before = recorded.at("files");
  const auto& after = now.at("files");
  for (auto it = before.begin(); it != before.end(); ++it) {
    if (!after.contains(it.key())) {
      throw DataError("text encoder directory " + dir + ": " + it.key() + " is gone" + hint);
    }
    if (after[it.key()] != it.value()) {
      throw DataError("text encoder directory " + dir + ": " + it.key() + " changed (size/hash " +
                      it.value().dump() + " -> " + after[it.key()].dump() + ")" + hint);
    }
  }
  for (auto it = after.begin(); it != after.end(); ++it) {
    if (!before.contains(it.key())) {
      throw DataError("text encoder directory " + dir + ": " + it.key() + " appeared since training" + hint);
    }
  }
}

void SaveCheckpoint(const std::string& path, const CheckpointMeta& meta, torch::nn::Module& model,
                    const std::function<void(torch::serialize::OutputArchive&)>& extra) {
  torch::serialize::OutputArchive archive;
  archive.write("merhan_checkpoint", c10::IValue(meta.ToJson().dump()));
  torch::serialize::OutputArchive weights;
  model.save(weights);
  archive.write("model", weights);
  if (extra) {
    torch::serialize::OutputArchive training;
    extra(training);
    archive.write("training", training);
  }
  WriteFileAtomically(path, [&](std::ostream& out) { archive.save_to(out); });
}

CheckpointReader::CheckpointReader(const std::string& path, const torch::Device& device) : path_(path) {
  if (!fs::exists(path)) throw DataError("checkpoint " + path + " does not exist");
  if (fs::is_directory(path)) throw DataError("checkpoint " + path + " is a directory, not a checkpoint file");
  try {
    archive_.load_from(path, device);
  } catch (const c10::Error& e) {
    // LibTorch's message is long and speculative; its first sentence is enough.
    std::string why = e.what_without_backtrace();
    why = why.substr(0, why.find(". "));
    throw DataError(path + " is not a merhan checkpoint (not a LibTorch archive: " + why + ")");
  }
  c10::IValue meta;
  bool found = false;
  try {
    found = archive_.try_read("merhan_checkpoint", meta);
  } catch (const c10::Error&) {
    found = false;
  }
  if (!found || !meta.isString()) {
    throw DataError(path + " is not a merhan checkpoint (a LibTorch archive without merhan metadata)");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(meta.toStringRef());
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path + ": corrupt checkpoint metadata: " + e.what());
  }
  meta_ = CheckpointMeta::FromJson(j, path);
}

namespace {

std::map<std::string, std::vector<int64_t>> Shapes(torch::nn::Module& model) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& p : model.named_parameters()) shapes["parameter " + p.key()] = p.value().sizes().vec();
  for (const auto& b : model.named_buffers()) shapes["buffer " + b.key()] = b.value().sizes().vec();
  return shapes;
}

}  // namespace

void CheckpointReader::LoadModel(torch::nn::Module& model) {
  // Module::load replaces each tensor with the stored one (Tensor::set_), which
  // accepts any shape, so shapes are compared after loading.
  const auto expected = Shapes(model);
  torch::serialize::InputArchive weights;
  try {
    archive_.read("model", weights);
    torch::NoGradGuard no_grad;
    model.load(weights);
  } catch (const c10::Error& e) {
    throw DataError("checkpoint " + path_ + " does not fit this model: " +
                    std::string(e.what_without_backtrace()).substr(0, 300));
  }
  const auto loaded = Shapes(model);
  for (const auto& [name, shape] : expected) {
    const auto it = loaded.find(name);
    if (it == loaded.end() || it->second != shape) {
      throw DataError("checkpoint " + path_ + " does not fit this model: " + name + " has shape " +
                      (it == loaded.end() ? std::string("?") : Cat(c10::IntArrayRef(it->second))) +
                      " in the checkpoint, the model expects " + Cat(c10::IntArrayRef(shape)));
    }
  }
}

bool CheckpointReader::ReadTraining(torch::serialize::InputArchive* training) {
  try {
    return archive_.try_read("training", *training);
  } catch (const c10::Error& e) {
    throw DataError("checkpoint " + path_ + ": unreadable training state: " +
                    std::string(e.what_without_backtrace()).substr(0, 300));
  }
}

}  // namespace merhan

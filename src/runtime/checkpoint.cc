#include "merhan/runtime/checkpoint.h"

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
                                     "vocab.txt",   "tokenizer.json",    "spiece.model"};

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

void CheckTextEncoder(const nlohmann::json& recorded, const std::string& checkpoint_path, const std::string& moved_to) {
  if (recorded.is_null()) return;
  const std::string dir = moved_to.empty() ? recorded.value("dir", std::string()) : moved_to;
  const std::string hint = moved_to.empty()
                               ? " (recorded in checkpoint " + checkpoint_path +
                                     "; the model was trained with that encoder: restore it there, give its new place "
                                     "with --text-model-dir, or retrain)"
                               : " (--text-model-dir must hold the encoder checkpoint " + checkpoint_path +
                                     " was trained with, file for file)";
  if (!fs::is_directory(dir)) {
    throw DataError("text encoder directory " + dir + " is missing" +
                    (moved_to.empty() ? ": it was moved or deleted" : "") + hint);
  }
  CheckSameFiles(recorded.at("files"), TextEncoderFingerprint(dir).at("files"), "text encoder directory " + dir, hint);
}

void CheckSameFiles(const nlohmann::json& before, const nlohmann::json& after, const std::string& where,
                    const std::string& hint) {
  for (auto it = before.begin(); it != before.end(); ++it) {
    if (!after.contains(it.key())) throw DataError(where + ": " + it.key() + " is gone" + hint);
    if (after[it.key()] != it.value()) {
      throw DataError(where + ": " + it.key() + " changed (size/hash " + it.value().dump() + " -> " +
                      after[it.key()].dump() + ")" + hint);
    }
  }
  for (auto it = after.begin(); it != after.end(); ++it) {
    if (!before.contains(it.key())) throw DataError(where + ": " + it.key() + " appeared since training" + hint);
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
  // LibTorch's zip writer throws from its destructor when a write comes up short (a
  // full disk), which ends the process (std::terminate). It gets a writer that always
  // accepts; the stream keeps the failure, and WriteFileAtomically reports it as a
  // DataError naming `path`, with the previous checkpoint left in place.
  WriteFileAtomically(path, [&](std::ostream& out) {
    archive.save_to([&out](const void* data, size_t size) -> size_t {
      if (out) out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
      return size;
    });
  });
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
  meta_ = CheckpointMeta::Parse(meta.toStringRef(), path);
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
    throw DataError("checkpoint " + path_ +
                    " does not fit this model: " + std::string(e.what_without_backtrace()).substr(0, 300));
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
    throw DataError("checkpoint " + path_ +
                    ": unreadable training state: " + std::string(e.what_without_backtrace()).substr(0, 300));
  }
}

}  // namespace merhan

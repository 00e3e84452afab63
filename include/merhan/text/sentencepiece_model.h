// A SentencePiece model (unigram or BPE .model) loaded through
// merhan_spm_plugin.so, isolated from LibTorch's protobuf (docs/design.md T1).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace merhan {

class SentencePieceModel {
 public:
  // Throws DataError naming `model_path` if it cannot be loaded, and
  // InternalError if the plugin itself is missing.
  explicit SentencePieceModel(const std::string& model_path);
  ~SentencePieceModel();
  SentencePieceModel(const SentencePieceModel&) = delete;
  SentencePieceModel& operator=(const SentencePieceModel&) = delete;

  std::vector<int> Encode(const std::string& text) const;
  int VocabSize() const;
  std::string IdToPiece(int id) const;
  int PieceToId(const std::string& piece) const;
  int UnkId() const;
  int BosId() const;
  int EosId() const;
  int PadId() const;

  // Where the plugin was found (for diagnostics).
  static std::string PluginPath();

  struct Plugin;  // the plugin's entry points (defined in the .cc)

 private:
  const Plugin* plugin_;
  void* handle_ = nullptr;
  std::string path_;
};

}  // namespace merhan

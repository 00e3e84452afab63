#include "merhan/text/sentencepiece_model.h"

#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "merhan/text/spm_plugin_abi.h"
#include "merhan/util/error.h"

#ifndef MERHAN_SPM_PLUGIN_DEFAULT
#define MERHAN_SPM_PLUGIN_DEFAULT ""
#endif

namespace merhan {
namespace fs = std::filesystem;

struct SentencePieceModel::Plugin {
  std::string path;
  merhan_spm_load_fn load;
  merhan_spm_encode_fn encode;
  merhan_spm_vocab_size_fn vocab_size;
  merhan_spm_id_to_piece_fn id_to_piece;
  merhan_spm_piece_to_id_fn piece_to_id;
  merhan_spm_special_id_fn special_id;
  merhan_spm_free_fn free;
};

namespace {

// Sanitizer runtimes refuse RTLD_DEEPBIND (it would bypass their interceptors), so
// sanitizer builds open the plugin without it. They are built against the PyPI
// wheel's LibTorch, where T1 was measured not to occur (docs/design.md T1).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MERHAN_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MERHAN_SANITIZER_BUILD 1
#endif
#endif
#ifdef MERHAN_SANITIZER_BUILD
constexpr int kPluginDlopenFlags = RTLD_NOW | RTLD_LOCAL;
#else
constexpr int kPluginDlopenFlags = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#endif

std::vector<std::string> PluginCandidates() {
  std::vector<std::string> c;
  if (const char* env = std::getenv("MERHAN_SPM_PLUGIN")) c.push_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    c.push_back((exe.parent_path() / "merhan_spm_plugin.so").string());
    c.push_back((exe.parent_path() / "../lib/merhan_spm_plugin.so").string());
  }
  if (*MERHAN_SPM_PLUGIN_DEFAULT) c.push_back(MERHAN_SPM_PLUGIN_DEFAULT);
  return c;
}

template <typename Fn>
Fn Symbol(void* lib, const char* name, const std::string& path) {
  void* sym = ::dlsym(lib, name);
  if (!sym) throw InternalError(path + ": missing symbol " + name);
  return reinterpret_cast<Fn>(sym);
}

const SentencePieceModel::Plugin* LoadPlugin() {
  static std::once_flag once;
  static SentencePieceModel::Plugin* plugin = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    std::string tried;
    for (const auto& path : PluginCandidates()) {
      if (!fs::exists(path)) {
        tried += " " + path;
        continue;
      }
      // DEEPBIND: the plugin resolves its own symbols (sentencepiece's protobuf)
      // before the global ones that LibTorch brought in.
      void* lib = ::dlopen(path.c_str(), kPluginDlopenFlags);
      if (!lib) {
        tried += " " + path + " (" + ::dlerror() + ")";
        continue;
      }
      auto* p = new SentencePieceModel::Plugin;
      p->path = path;
      p->load = Symbol<merhan_spm_load_fn>(lib, "merhan_spm_load", path);
      p->encode = Symbol<merhan_spm_encode_fn>(lib, "merhan_spm_encode", path);
      p->vocab_size = Symbol<merhan_spm_vocab_size_fn>(lib, "merhan_spm_vocab_size", path);
      p->id_to_piece = Symbol<merhan_spm_id_to_piece_fn>(lib, "merhan_spm_id_to_piece", path);
      p->piece_to_id = Symbol<merhan_spm_piece_to_id_fn>(lib, "merhan_spm_piece_to_id", path);
      p->special_id = Symbol<merhan_spm_special_id_fn>(lib, "merhan_spm_special_id", path);
      p->free = Symbol<merhan_spm_free_fn>(lib, "merhan_spm_free", path);
      plugin = p;
      return;
    }
    failure = "SentencePiece support (merhan_spm_plugin.so) not found; tried:" + tried +
              ". Set MERHAN_SPM_PLUGIN to its path.";
  });
  if (!plugin) throw InternalError(failure);
  return plugin;
}
}  // namespace

SentencePieceModel::SentencePieceModel(const std::string& model_path) : plugin_(LoadPlugin()), path_(model_path) {
  if (!fs::exists(model_path)) throw DataError(model_path + ": SentencePiece model not found");
  char err[512] = {0};
  handle_ = plugin_->load(model_path.c_str(), err, sizeof(err));
  if (!handle_) throw DataError(model_path + ": cannot load SentencePiece model: " + err);
}

SentencePieceModel::~SentencePieceModel() {
  if (handle_) plugin_->free(handle_);
}

std::vector<int> SentencePieceModel::Encode(const std::string& text) const {
  std::vector<int> ids(text.size() + 16);
  char err[512] = {0};
  int n =
      plugin_->encode(handle_, text.data(), text.size(), ids.data(), static_cast<int>(ids.size()), err, sizeof(err));
  if (n < 0) throw DataError(path_ + ": encoding failed: " + err);
  if (n > static_cast<int>(ids.size())) {
    ids.resize(n);
    n = plugin_->encode(handle_, text.data(), text.size(), ids.data(), n, err, sizeof(err));
  }
  ids.resize(n);
  return ids;
}

int SentencePieceModel::VocabSize() const { return plugin_->vocab_size(handle_); }
std::string SentencePieceModel::IdToPiece(int id) const {
  const char* p = plugin_->id_to_piece(handle_, id);
  return p ? p : "";
}
int SentencePieceModel::PieceToId(const std::string& piece) const {
  return plugin_->piece_to_id(handle_, piece.c_str());
}
int SentencePieceModel::UnkId() const { return plugin_->special_id(handle_, 0); }
int SentencePieceModel::BosId() const { return plugin_->special_id(handle_, 1); }
int SentencePieceModel::EosId() const { return plugin_->special_id(handle_, 2); }
int SentencePieceModel::PadId() const { return plugin_->special_id(handle_, 3); }
std::string SentencePieceModel::PluginPath() { return LoadPlugin()->path; }

}  // namespace merhan

#include "merhan/data/feature_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/file_lock.h"
#include "merhan/util/hash.h"
#include "merhan/util/logging.h"
#include "merhan/util/parallel_for.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormat = "merhan-feature-cache";
constexpr int kVersion = 1;

// Workers keep LibTorch to one intra-op thread (the extractors' FFT and encoder
// calls): workers x intra-op threads beyond the cores is many times slower.
void OneTorchThread() { at::set_num_threads(1); }

// Whole 4-byte units holding `bytes`: the data file's offsets count these.
int64_t UnitsOf(int64_t bytes) { return (bytes + 3) / 4; }

// Bytes of a rows x cols matrix of `dtype`.
int64_t MatrixBytes(int64_t rows, int64_t cols, FeatureDtype dtype) { return rows * cols * FeatureDtypeBytes(dtype); }

// Appends blocks of 4-byte units to a new data file; fsync'd on Close().
class DataWriter {
 public:
  explicit DataWriter(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw DataError(path + ": cannot create: " + std::strerror(errno));
  }
  ~DataWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Writes `bytes` bytes, zero-padded to a whole 4-byte unit (float16 matrices with
  // an odd count), and returns the offset (in 4-byte units) where the block starts.
  int64_t Append(const void* data, int64_t bytes) {
    const int64_t offset = units_;
    Write(data, static_cast<size_t>(bytes));
    const int64_t padding = UnitsOf(bytes) * 4 - bytes;
    const char zeros[4] = {0, 0, 0, 0};
    if (padding > 0) Write(zeros, static_cast<size_t>(padding));
    units_ += UnitsOf(bytes);
    return offset;
  }
  int64_t bytes() const { return units_ * 4; }
  void Close() {
    if (::fsync(fd_) != 0) throw DataError(path_ + ": fsync failed: " + std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
  }

 private:
  void Write(const void* data, size_t left) {
    const char* p = reinterpret_cast<const char*>(data);
    while (left > 0) {
      const ssize_t w = ::write(fd_, p, left);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw DataError(path_ + ": write failed: " + std::strerror(errno));
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
  }

  std::string path_;
  int fd_ = -1;
  int64_t units_ = 0;
};

struct FileStat {
  int64_t size = -1;
  int64_t mtime_ns = -1;
};

FileStat Stat(const std::string& path, const std::string& utterance) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw DataError("utterance " + utterance + ": " + path + ": cannot stat: " + std::strerror(errno));
  }
  FileStat s;
  s.size = static_cast<int64_t>(st.st_size);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  return s;
}

// Content hashes of files, each computed once however many utterances share it.
class FileHashes {
 public:
  std::string Of(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = hashes_.find(path);
    if (it == hashes_.end()) it = hashes_.emplace(path, HexDigest(HashFile(path))).first;
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> hashes_;
};

uint64_t Checksum(const void* data, int64_t bytes) { return Hash64(data, static_cast<size_t>(bytes)); }

// The index's name of a dtype: values are stored in the machine's (little-endian) order.
std::string IndexDtype(FeatureDtype dtype) { return std::string(FeatureDtypeName(dtype)) + "-le"; }

}  // namespace

const char* FeatureDtypeName(FeatureDtype dtype) {
  switch (dtype) {
    case FeatureDtype::kFloat32: return "float32";
    case FeatureDtype::kInt32: return "int32";
    case FeatureDtype::kFloat16: return "float16";
  }
  throw InternalError("FeatureDtypeName: unknown dtype");
}

int64_t FeatureDtypeBytes(FeatureDtype dtype) { return dtype == FeatureDtype::kFloat16 ? 2 : 4; }

const void* FeatureMatrix::bytes() const {
  switch (dtype) {
    case FeatureDtype::kFloat32: return data.data();
    case FeatureDtype::kInt32: return ids.data();
    case FeatureDtype::kFloat16: return halves.data();
  }
  throw InternalError("FeatureMatrix::bytes: unknown dtype");
}

int64_t FeatureMatrix::size() const {
  switch (dtype) {
    case FeatureDtype::kFloat32: return static_cast<int64_t>(data.size());
    case FeatureDtype::kInt32: return static_cast<int64_t>(ids.size());
    case FeatureDtype::kFloat16: return static_cast<int64_t>(halves.size());
  }
  throw InternalError("FeatureMatrix::size: unknown dtype");
}

const float* FeatureView::floats() const {
  if (dtype != FeatureDtype::kFloat32) {
    throw InternalError(Cat("FeatureView::floats: the view holds ", FeatureDtypeName(dtype), " values"));
  }
  return static_cast<const float*>(data);
}

std::string FeatureCacheStats::ToString() const {
  return Cat(requested, " utterances: ", hits, " cached, ", computed, " computed",
             content_hashed ? Cat(", ", content_hashed, " wavs content-hashed") : "",
             corrupt ? Cat(" (", corrupt, " corrupt)") : "", index_rebuilt ? ", index rebuilt" : "", ", ",
             static_cast<int>(seconds * 1000 + 0.5) / 1000.0, " s");
}

FeatureCache::FeatureCache(const std::string& cache_dir, const std::string& stream, const std::string& config_json,
                           CacheInput input, FeatureDtype dtype)
    : stream_(stream), config_(config_json), input_(input), dtype_(dtype) {
  if (stream.empty() || stream.find_first_of("/\\ ") != std::string::npos) {
    throw InternalError("feature cache: bad stream name '" + stream + "'");
  }
  key_ = HexDigest(Hash64(Cat(kFormat, kVersion, "\n", stream, "\n", config_json)));
  dir_ = (fs::path(cache_dir) / (stream + "-" + key_)).string();
  // A broken cache is reported (and rebuilt) by Ensure().
  std::string problem;
  LoadIndex(&problem);
}

FeatureCache::~FeatureCache() { Unmap(); }

void FeatureCache::Unmap() {
  if (mapped_ != nullptr) ::munmap(const_cast<uint32_t*>(mapped_), static_cast<size_t>(mapped_bytes_));
  mapped_ = nullptr;
  mapped_bytes_ = 0;
}

void FeatureCache::Map(const std::string& data_file, int64_t bytes) {
  Unmap();
  if (bytes == 0) return;
  const std::string path = dir_ + "/" + data_file;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DataError(path + ": cannot open: " + std::strerror(errno));
  void* p = ::mmap(nullptr, static_cast<size_t>(bytes), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) throw DataError(path + ": cannot mmap: " + std::strerror(errno));
  mapped_ = static_cast<const uint32_t*>(p);
  mapped_bytes_ = bytes;
}

// Returns true with a valid, mapped cache; false with `problem` empty when there is
// none yet, or naming what is wrong with it.
bool FeatureCache::LoadIndex(std::string* problem) {
  entries_.clear();
  by_id_.clear();
  data_file_.clear();
  Unmap();
  const std::string index_path = dir_ + "/index.json";
  std::error_code ec;
  if (!fs::exists(index_path, ec)) {
    // Data files without an index: a build was interrupted before its commit.
    if (fs::is_directory(dir_, ec)) {
      for (const auto& entry : fs::directory_iterator(dir_, ec)) {
        if (entry.path().filename().string().compare(0, 5, "data.") == 0)
          *problem = "no index.json (an interrupted build)";
      }
    }
    return false;
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(ReadFileToString(index_path));
    if (j.at("format") != kFormat || j.at("version") != kVersion) throw std::runtime_error("unknown format/version");
    if (j.at("stream") != stream_ || j.at("key") != key_ || j.at("config") != config_) {
      throw std::runtime_error("index belongs to another stream or config");
    }
    if (j.value("dtype", IndexDtype(FeatureDtype::kFloat32)) != IndexDtype(dtype_)) {
      throw std::runtime_error("index holds " + j.value("dtype", std::string()) + " values, not " + IndexDtype(dtype_));
    }
    const std::string data_file = j.at("data_file");
    const int64_t bytes = j.at("data_bytes");
    if (data_file.find('/') != std::string::npos) throw std::runtime_error("bad data_file");
    const std::string data_path = dir_ + "/" + data_file;
    if (!fs::exists(data_path, ec) || static_cast<int64_t>(fs::file_size(data_path, ec)) != bytes) {
      throw std::runtime_error(Cat("data file ", data_file, " is missing or not ", bytes, " bytes"));
    }
    std::vector<Entry> entries;
    for (const auto& e : j.at("entries")) {
      Entry x;
      x.id = e.at("id");
      x.input = e.at("input");
      x.path = e.value("path", "");
      x.file_size = e.value("size", int64_t{-1});
      x.mtime_ns = e.value("mtime_ns", int64_t{-1});
      x.offset = e.at("offset");
      x.rows = e.at("rows");
      x.cols = e.at("cols");
      x.checksum = std::stoull(e.at("checksum").get<std::string>(), nullptr, 16);
      if (x.offset < 0 || x.rows < 0 || x.cols < 0 || (x.offset + UnitsOf(MatrixBytes(x.rows, x.cols, dtype_))) * 4 > bytes) {
        throw std::runtime_error("entry " + x.id + " out of the data file's bounds");
      }
      entries.push_back(std::move(x));
    }
    generation_ = j.value("generation", 0);
    Map(data_file, bytes);
    data_file_ = data_file;
    entries_ = std::move(entries);
    for (size_t i = 0; i < entries_.size(); ++i) by_id_[entries_[i].id] = i;
    return true;
  } catch (const std::exception& e) {
    entries_.clear();
    by_id_.clear();
    Unmap();
    *problem = Cat("corrupt index.json (", e.what(), ")");
    return false;
  }
}

void FeatureCache::WriteIndex(const std::string& data_file, int64_t bytes) const {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : entries_) {
    nlohmann::json x = {{"id", e.id},     {"input", e.input}, {"offset", e.offset},
                        {"rows", e.rows}, {"cols", e.cols},   {"checksum", HexDigest(e.checksum)}};
    if (input_ != CacheInput::kText) {
      x["path"] = e.path;
      x["size"] = e.file_size;
      x["mtime_ns"] = e.mtime_ns;
    }
    entries.push_back(std::move(x));
  }
  const nlohmann::json j = {
      {"format", kFormat},           {"version", kVersion},          {"stream", stream_},      {"key", key_},
      {"config", config_},           {"generation", generation_},    {"data_file", data_file}, {"data_bytes", bytes},
      {"dtype", IndexDtype(dtype_)}, {"entries", std::move(entries)}};
  WriteStringAtomically(dir_ + "/index.json", j.dump(1) + "\n");
}

struct FeatureCache::Plan {
  enum Status { kHit, kStatChanged, kMiss, kCorrupt };
  std::vector<const Utterance*> wanted;  // distinct requested utterances
  std::vector<Status> status;            // per wanted utterance
  std::vector<Entry> fresh;              // identity fields of each wanted utterance now
  std::vector<size_t> to_compute;        // wanted indices: kMiss or kCorrupt
  bool stat_changes = false;             // some kStatChanged
};

FeatureCacheStats FeatureCache::Ensure(const std::vector<Utterance>& utterances, const FeatureExtractor& extract,
                                       int threads, const ProgressCallback& progress) {
  const auto began = std::chrono::steady_clock::now();
  threads = ResolveThreads(threads);
  CreateDirectories(dir_);
  const FileLock lock = FileLock::Acquire(dir_ + "/.lock", [this] {
    log::Info(Cat("feature cache ", dir_, ": another process is writing it; waiting for its lock"));
  });
  FeatureCacheStats stats;
  Reload(&stats);
  const Plan plan = CheckEntries(utterances, threads, &stats);
  if (plan.to_compute.empty()) {
    if (plan.stat_changes) {
      RememberMovedInputs(plan);
      stats.wrote = true;
    }
  } else {
    if (!extract) {
      throw DataError(Cat("feature cache ", dir_, ": features of ", plan.to_compute.size(), " utterances (e.g. ",
                          plan.fresh[plan.to_compute[0]].id,
                          ") are missing or stale; run `merhan features --config ...` first"));
    }
    if (space_check_) {
      std::vector<const Utterance*> to_compute;
      for (size_t i : plan.to_compute) to_compute.push_back(plan.wanted[i]);
      space_check_(to_compute, mapped_bytes_, dir_);
    }
    WriteGeneration(plan, extract, threads, progress);
    stats.computed = static_cast<int64_t>(plan.to_compute.size());
    stats.wrote = true;
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return stats;
}

// Another process may have written the cache since we opened it.
void FeatureCache::Reload(FeatureCacheStats* stats) {
  std::string problem;
  if (!LoadIndex(&problem) && !problem.empty()) {
    log::Warn(Cat("feature cache ", dir_, ": ", problem, "; rebuilding it"));
    stats->index_rebuilt = true;
  }
}

// In parallel: each distinct utterance's input identity (wav: size + mtime, content
// hash when they changed; text: hash) and whether its entry is valid.
FeatureCache::Plan FeatureCache::CheckEntries(const std::vector<Utterance>& utterances, int threads,
                                              FeatureCacheStats* stats) const {
  Plan plan;
  std::unordered_map<std::string, const Utterance*> seen;
  for (const auto& u : utterances) {
    if (seen.emplace(u.id, &u).second) plan.wanted.push_back(&u);
  }
  stats->requested = static_cast<int64_t>(plan.wanted.size());
  plan.status.assign(plan.wanted.size(), Plan::kMiss);
  plan.fresh.resize(plan.wanted.size());
  std::atomic<int64_t> hashed{0};
  FileHashes shared_files;  // a safetensors stream: one file for every utterance
  ParallelFor(
      static_cast<int64_t>(plan.wanted.size()), threads,
      [&](int64_t i) {
        const Utterance& u = *plan.wanted[static_cast<size_t>(i)];
        Entry& f = plan.fresh[static_cast<size_t>(i)];
        f.id = u.id;
        auto it = by_id_.find(u.id);
        const Entry* old = it == by_id_.end() ? nullptr : &entries_[it->second];
        bool stat_changed = false;
        if (input_ == CacheInput::kText) {
          f.input = HexDigest(Hash64(u.text));
        } else {
          const std::string& path = InputFile(u);
          const FileStat st = Stat(path, u.id);
          f.path = path;
          f.file_size = st.size;
          f.mtime_ns = st.mtime_ns;
          if (old && old->path == f.path && old->file_size == st.size && old->mtime_ns == st.mtime_ns) {
            f.input = old->input;
          } else {
            f.input = input_ == CacheInput::kFeatureFile ? shared_files.Of(path) : HexDigest(HashFile(path));
            ++hashed;
            stat_changed = true;
          }
        }
        if (!old || old->input != f.input) return;  // kMiss
        Plan::Status& s = plan.status[static_cast<size_t>(i)];
        s = Checksum(mapped_ + old->offset, MatrixBytes(old->rows, old->cols, dtype_)) != old->checksum ? Plan::kCorrupt
            : stat_changed                                                          ? Plan::kStatChanged
                                                                                    : Plan::kHit;
      },
      OneTorchThread);
  stats->content_hashed = hashed;
  std::vector<std::string> corrupt;
  for (size_t i = 0; i < plan.wanted.size(); ++i) {
    const Plan::Status s = plan.status[i];
    if (s == Plan::kHit || s == Plan::kStatChanged) ++stats->hits;
    if (s == Plan::kStatChanged) plan.stat_changes = true;
    if (s == Plan::kCorrupt) corrupt.push_back(plan.fresh[i].id);
    if (s == Plan::kMiss || s == Plan::kCorrupt) plan.to_compute.push_back(i);
  }
  // Largest input files (about the longest audio) first: the workers' last items are then
  // short ones, and no worker waits long for another at the end of the list.
  std::stable_sort(plan.to_compute.begin(), plan.to_compute.end(),
                   [&](size_t a, size_t b) { return plan.fresh[a].file_size > plan.fresh[b].file_size; });
  stats->corrupt = static_cast<int64_t>(corrupt.size());
  if (!corrupt.empty()) WarnCorrupt(corrupt);
  return plan;
}

// Names the stream and the utterances (the first ten) whose checksum failed.
void FeatureCache::WarnCorrupt(const std::vector<std::string>& ids) const {
  std::string names;
  for (size_t i = 0; i < ids.size() && i < 10; ++i) names += (i ? ", " : "") + ids[i];
  if (ids.size() > 10) names += Cat(" and ", ids.size() - 10, " more");
  log::Warn(Cat("feature cache ", dir_, ": ", ids.size(), " ", stream_,
                ids.size() == 1 ? " entry failed its checksum (" : " entries failed their checksums (", names,
                "); recomputing"));
}

const std::string& FeatureCache::InputFile(const Utterance& u) const {
  if (input_ == CacheInput::kWavFile) return u.wav_path;
  auto it = u.feature_files.find(stream_);
  if (it == u.feature_files.end() || it->second.empty()) {
    throw DataError(Cat("utterance ", u.id, ": no file for stream ", stream_));
  }
  return it->second;
}

// Same content under a new mtime or path: the index remembers it, the data file stays.
void FeatureCache::RememberMovedInputs(const Plan& plan) {
  for (size_t i = 0; i < plan.wanted.size(); ++i) {
    if (plan.status[i] != Plan::kStatChanged) continue;
    Entry& e = entries_[by_id_.at(plan.fresh[i].id)];
    e.path = plan.fresh[i].path;
    e.file_size = plan.fresh[i].file_size;
    e.mtime_ns = plan.fresh[i].mtime_ns;
  }
  WriteIndex(data_file_, mapped_bytes_);
}

// A new generation of the data file: kept entries are copied over (including cached
// utterances not requested now), then the computed ones are appended; removed
// again when anything fails, so that the old generation stays the valid one.
void FeatureCache::WriteGeneration(const Plan& plan, const FeatureExtractor& extract, int threads,
                                   const ProgressCallback& progress) {
  const int generation = generation_ + 1;
  const std::string data_file = Cat("data.", generation, ".f32");
  const std::string data_path = dir_ + "/" + data_file;
  std::vector<Entry> next;
  DataWriter writer(data_path);
  try {
    std::unordered_map<std::string, size_t> wanted_index;
    for (size_t i = 0; i < plan.wanted.size(); ++i) wanted_index[plan.wanted[i]->id] = i;
    for (const auto& e : entries_) {
      auto w = wanted_index.find(e.id);
      Entry copy = e;
      if (w != wanted_index.end()) {
        const Plan::Status s = plan.status[w->second];
        if (s == Plan::kMiss || s == Plan::kCorrupt) continue;
        copy.path = plan.fresh[w->second].path;
        copy.file_size = plan.fresh[w->second].file_size;
        copy.mtime_ns = plan.fresh[w->second].mtime_ns;
      }
      copy.offset = writer.Append(mapped_ + e.offset, MatrixBytes(e.rows, e.cols, dtype_));
      next.push_back(std::move(copy));
    }
    std::mutex write_mutex;
    std::atomic<int64_t> done{0};
    const int64_t total = static_cast<int64_t>(plan.to_compute.size());
    if (progress) progress(0, total);
    ParallelFor(
        total, threads,
        [&](int64_t k) {
          const size_t i = plan.to_compute[static_cast<size_t>(k)];
          const FeatureMatrix m = extract(*plan.wanted[i]);
          if (m.rows < 0 || m.cols < 0 || m.dtype != dtype_ || m.size() != m.rows * m.cols) {
            throw InternalError(Cat("feature extractor for stream ", stream_, " returned ", m.size(), " ",
                                    FeatureDtypeName(m.dtype), " values for a ", m.rows, "x", m.cols, " ",
                                    FeatureDtypeName(dtype_), " matrix (", plan.wanted[i]->id, ")"));
          }
          Entry e = plan.fresh[i];
          e.rows = m.rows;
          e.cols = m.cols;
          e.checksum = Checksum(m.bytes(), MatrixBytes(m.rows, m.cols, m.dtype));
          {
            std::lock_guard<std::mutex> lock(write_mutex);
            e.offset = writer.Append(m.bytes(), MatrixBytes(m.rows, m.cols, m.dtype));
            next.push_back(std::move(e));
          }
          const int64_t d = ++done;
          if (progress) progress(d, total);
        },
        OneTorchThread);
    writer.Close();
  } catch (...) {
    std::error_code ec;
    fs::remove(data_path, ec);
    throw;
  }
  Commit(std::move(next), data_file, writer.bytes(), generation);
}

// The index names the new data file (the commit point); then older ones go.
void FeatureCache::Commit(std::vector<Entry> entries, const std::string& data_file, int64_t bytes, int generation) {
  entries_ = std::move(entries);
  by_id_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) by_id_[entries_[i].id] = i;
  generation_ = generation;
  try {
    WriteIndex(data_file, bytes);
  } catch (...) {
    // The old index (and data file) still stand: go back to them, drop the new data.
    std::error_code ec;
    fs::remove(dir_ + "/" + data_file, ec);
    std::string ignored;
    LoadIndex(&ignored);
    throw;
  }
  Map(data_file, bytes);
  data_file_ = data_file;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.compare(0, 5, "data.") == 0 && name != data_file_) fs::remove(entry.path(), ec);
  }
}

bool FeatureCache::Has(const std::string& id) const { return by_id_.count(id) > 0; }

FeatureView FeatureCache::Get(const std::string& id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    throw DataError(
        Cat("feature cache ", dir_, ": no ", stream_, " features for ", id, "; run `merhan features --config ...`"));
  }
  const Entry& e = entries_[it->second];
  return FeatureView{mapped_ + e.offset, e.rows, e.cols, dtype_};
}

}  // namespace merhan

#include "merhan/data/feature_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "merhan/util/hash.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormat = "merhan-feature-cache";
constexpr int kVersion = 1;

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

// Runs fn(i) for i in [0, n) on `threads` workers; rethrows the first exception after
// every worker has stopped. Each worker keeps LibTorch to one intra-op thread (the
// extractors' FFT and BERT calls): workers x intra-op threads beyond the cores
// is many times slower, not faster.
void ParallelFor(int64_t n, int threads, const std::function<void(int64_t)>& fn) {
  if (n <= 0) return;
  threads = static_cast<int>(std::min<int64_t>(threads, n));
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    if (threads > 1) at::set_num_threads(1);
    while (!failed.load()) {
      const int64_t i = next.fetch_add(1);
      if (i >= n) break;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

// Appends float blocks to a new data file; fsync'd on Close().
class DataWriter {
 public:
  explicit DataWriter(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw DataError(path + ": cannot create: " + std::strerror(errno));
  }
  ~DataWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Returns the offset (in floats) where the block starts.
  int64_t Append(const float* data, int64_t count) {
    const int64_t offset = floats_;
    const char* p = reinterpret_cast<const char*>(data);
    size_t left = static_cast<size_t>(count) * sizeof(float);
    while (left > 0) {
      const ssize_t w = ::write(fd_, p, left);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw DataError(path_ + ": write failed: " + std::strerror(errno));
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
    floats_ += count;
    return offset;
  }
  int64_t bytes() const { return floats_ * static_cast<int64_t>(sizeof(float)); }
  void Close() {
    if (::fsync(fd_) != 0) throw DataError(path_ + ": fsync failed: " + std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
  }

 private:
  std::string path_;
  int fd_ = -1;
  int64_t floats_ = 0;
};

class DirLock {
 public:
  explicit DirLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw DataError(path + ": cannot open lock file: " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw DataError(path + ": cannot lock: " + std::strerror(errno));
    }
  }
  ~DirLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_ = -1;
};

struct FileStat {
  int64_t size = -1;
  int64_t mtime_ns = -1;
};

FileStat Stat(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw DataError(path + ": cannot stat: " + std::strerror(errno));
  FileStat s;
  s.size = static_cast<int64_t>(st.st_size);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  return s;
}

uint64_t Checksum(const float* data, int64_t count) {
  return Hash64(data, static_cast<size_t>(count) * sizeof(float));
}

}  // namespace

std::string FeatureCacheStats::ToString() const {
  return Cat(requested, " utterances: ", hits, " cached, ", computed, " computed",
             content_hashed ? Cat(", ", content_hashed, " wavs content-hashed") : "",
             corrupt ? Cat(" (", corrupt, " corrupt)") : "", index_rebuilt ? ", index rebuilt" : "", ", ",
             static_cast<int>(seconds * 1000 + 0.5) / 1000.0, " s");
}

FeatureCache::FeatureCache(const std::string& cache_dir, const std::string& stream, const std::string& config_json,
                           CacheInput input)
    : stream_(stream), config_(config_json), input_(input) {
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
  if (mapped_ != nullptr) ::munmap(const_cast<float*>(mapped_), static_cast<size_t>(mapped_bytes_));
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
  mapped_ = static_cast<const float*>(p);
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
        if (entry.path().filename().string().compare(0, 5, "data.") == 0) *problem = "no index.json (an interrupted build)";
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
      if (x.offset < 0 || x.rows < 0 || x.cols < 0 || (x.offset + x.rows * x.cols) * 4 > bytes) {
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
    nlohmann::json x = {{"id", e.id}, {"input", e.input}, {"offset", e.offset}, {"rows", e.rows},
                        {"cols", e.cols}, {"checksum", HexDigest(e.checksum)}};
    if (input_ == CacheInput::kWavFile) {
      x["path"] = e.path;
      x["size"] = e.file_size;
      x["mtime_ns"] = e.mtime_ns;
    }
    entries.push_back(std::move(x));
  }
  const nlohmann::json j = {{"format", kFormat}, {"version", kVersion}, {"stream", stream_}, {"key", key_},
                            {"config", config_}, {"generation", generation_}, {"data_file", data_file},
                            {"data_bytes", bytes}, {"dtype", "float32-le"}, {"entries", std::move(entries)}};
  WriteStringAtomically(dir_ + "/index.json", j.dump(1) + "\n");
}

FeatureCacheStats FeatureCache::Ensure(const std::vector<Utterance>& utterances, const FeatureExtractor& extract,
                                       int threads, const ProgressCallback& progress) {
  const auto began = std::chrono::steady_clock::now();
  threads = ResolveThreads(threads);
  CreateDirectories(dir_);
  DirLock lock(dir_ + "/.lock");
  FeatureCacheStats stats;
  // Another process may have written the cache since we opened it.
  std::string problem;
  if (!LoadIndex(&problem) && !problem.empty()) {
    log::Warn(Cat("feature cache ", dir_, ": ", problem, "; rebuilding it"));
    stats.index_rebuilt = true;
  }

  // Distinct requested utterances.
  std::vector<const Utterance*> wanted;
  {
    std::unordered_map<std::string, const Utterance*> seen;
    for (const auto& u : utterances) {
      auto [it, inserted] = seen.emplace(u.id, &u);
      if (inserted) wanted.push_back(&u);
    }
  }
  stats.requested = static_cast<int64_t>(wanted.size());

  // Phase 1 (parallel): input identity of each utterance and validity of its entry.
  enum Status { kHit, kStatChanged, kMiss, kCorrupt };
  std::vector<Status> status(wanted.size(), kMiss);
  std::vector<Entry> fresh(wanted.size());  // identity fields for entries to (re)write
  std::atomic<int64_t> hashed{0};
  ParallelFor(static_cast<int64_t>(wanted.size()), threads, [&](int64_t i) {
    const Utterance& u = *wanted[static_cast<size_t>(i)];
    Entry& f = fresh[static_cast<size_t>(i)];
    f.id = u.id;
    auto it = by_id_.find(u.id);
    const Entry* old = it == by_id_.end() ? nullptr : &entries_[it->second];
    bool stat_changed = false;
    if (input_ == CacheInput::kText) {
      f.input = HexDigest(Hash64(u.text));
    } else {
      const FileStat st = Stat(u.wav_path);
      f.path = u.wav_path;
      f.file_size = st.size;
      f.mtime_ns = st.mtime_ns;
      if (old && old->path == f.path && old->file_size == st.size && old->mtime_ns == st.mtime_ns) {
        f.input = old->input;
      } else {
        f.input = HexDigest(HashFile(u.wav_path));
        ++hashed;
        stat_changed = true;
      }
    }
    if (!old || old->input != f.input) return;  // kMiss
    if (Checksum(mapped_ + old->offset, old->rows * old->cols) != old->checksum) {
      status[static_cast<size_t>(i)] = kCorrupt;
      return;
    }
    status[static_cast<size_t>(i)] = stat_changed ? kStatChanged : kHit;
  });
  stats.content_hashed = hashed;

  std::vector<size_t> to_compute;
  bool stat_changes = false;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (status[i] == kHit || status[i] == kStatChanged) ++stats.hits;
    if (status[i] == kStatChanged) stat_changes = true;
    if (status[i] == kCorrupt) ++stats.corrupt;
    if (status[i] == kMiss || status[i] == kCorrupt) to_compute.push_back(i);
  }
  if (stats.corrupt > 0) log::Warn(Cat("feature cache ", dir_, ": ", stats.corrupt, " corrupt entries; recomputing them"));

  if (to_compute.empty()) {
    if (stat_changes) {  // same content, new mtime/path: remember it, keep the data file
      for (size_t i = 0; i < wanted.size(); ++i) {
        if (status[i] != kStatChanged) continue;
        Entry& e = entries_[by_id_.at(fresh[i].id)];
        e.path = fresh[i].path;
        e.file_size = fresh[i].file_size;
        e.mtime_ns = fresh[i].mtime_ns;
      }
      WriteIndex(data_file_, mapped_bytes_);
      stats.wrote = true;
    }
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    return stats;
  }
  if (!extract) {
    throw DataError(Cat("feature cache ", dir_, ": features of ", to_compute.size(), " utterances (e.g. ",
                        fresh[to_compute[0]].id, ") are missing or stale; run `merhan features --config ...` first"));
  }

  // Phase 2: a new generation of the data file. Kept entries are copied over (including
  // cached utterances not requested now), then the computed ones are appended.
  const int generation = generation_ + 1;
  const std::string data_file = Cat("data.", generation, ".f32");
  const std::string data_path = dir_ + "/" + data_file;
  std::vector<Entry> next;
  DataWriter writer(data_path);
  try {
    std::unordered_map<std::string, size_t> wanted_index;
    for (size_t i = 0; i < wanted.size(); ++i) wanted_index[wanted[i]->id] = i;
    for (const auto& e : entries_) {
      auto w = wanted_index.find(e.id);
      Entry copy = e;
      if (w != wanted_index.end()) {
        const Status s = status[w->second];
        if (s == kMiss || s == kCorrupt) continue;
        copy.path = fresh[w->second].path;
        copy.file_size = fresh[w->second].file_size;
        copy.mtime_ns = fresh[w->second].mtime_ns;
      }
      copy.offset = writer.Append(mapped_ + e.offset, e.rows * e.cols);
      next.push_back(std::move(copy));
    }
    std::mutex write_mutex;
    std::atomic<int64_t> done{0};
    const int64_t total = static_cast<int64_t>(to_compute.size());
    if (progress) progress(0, total);
    ParallelFor(total, threads, [&](int64_t k) {
      const size_t i = to_compute[static_cast<size_t>(k)];
      FeatureMatrix m = extract(*wanted[i]);
      if (m.rows < 0 || m.cols < 0 || static_cast<int64_t>(m.data.size()) != m.rows * m.cols) {
        throw InternalError(Cat("feature extractor for stream ", stream_, " returned ", m.data.size(),
                                " values for a ", m.rows, "x", m.cols, " matrix (", wanted[i]->id, ")"));
      }
      Entry e = fresh[i];
      e.rows = m.rows;
      e.cols = m.cols;
      e.checksum = Checksum(m.data.data(), static_cast<int64_t>(m.data.size()));
      {
        std::lock_guard<std::mutex> lock(write_mutex);
        e.offset = writer.Append(m.data.data(), static_cast<int64_t>(m.data.size()));
        next.push_back(std::move(e));
      }
      const int64_t d = ++done;
      if (progress) progress(d, total);
    });
    writer.Close();
  } catch (...) {
    std::error_code ec;
    fs::remove(data_path, ec);
    throw;
  }
  // Commit: the index names the new data file; then the old one goes.
  const int64_t bytes = writer.bytes();
  const std::string old_file = data_file_;
  entries_ = std::move(next);
  by_id_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) by_id_[entries_[i].id] = i;
  generation_ = generation;
  try {
    WriteIndex(data_file, bytes);
  } catch (...) {
    // The old index (and data file) still stand: go back to them, drop the new data.
    std::error_code ec;
    fs::remove(data_path, ec);
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
  stats.computed = static_cast<int64_t>(to_compute.size());
  stats.wrote = true;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  (void)old_file;
  return stats;
}

bool FeatureCache::Has(const std::string& id) const { return by_id_.count(id) > 0; }

FeatureView FeatureCache::Get(const std::string& id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    throw DataError(Cat("feature cache ", dir_, ": no ", stream_, " features for ", id,
                        "; run `merhan features --config ...`"));
  }
  const Entry& e = entries_[it->second];
  return FeatureView{mapped_ + e.offset, e.rows, e.cols};
}

}  // namespace merhan

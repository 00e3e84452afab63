#include "merhan/util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "merhan/util/error.h"
#include "merhan/util/failpoint.h"

namespace merhan {
namespace fs = std::filesystem;

namespace {

// The error for a write that failed with `err`: it names the file the user asked for
// (the temporary sibling is gone by then) and says that the previous one is intact.
[[noreturn]] void WriteFailed(const std::string& path, int err) {
  std::string why = err != 0 ? std::strerror(err) : "the stream failed";
  if (err == ENOSPC || err == EFBIG || err == EDQUOT) why += ": the disk is full or a file-size limit was reached";
  throw DataError("cannot write " + path + ": " + why + " (" + path + " was left as it was)");
}

// Puts the filled `tmp` at `target`: a rename, or when `target` exists an atomic
// exchange, after which `tmp` names the old directory and is removed.
void PublishDirectory(const std::string& tmp, const std::string& target, bool exists) {
  if (!exists) {
    if (std::rename(tmp.c_str(), target.c_str()) != 0) {
      throw DataError("cannot rename " + tmp + " to " + target + ": " + std::strerror(errno));
    }
    return;
  }
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
    throw DataError("cannot replace " + target + " with " + tmp + ": " + std::strerror(errno) + " (" + target +
                    " was left as it was)");
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
}

}  // namespace

void WriteFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const fs::path target(path);
  if (target.has_parent_path()) CreateDirectories(target.parent_path().string());
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw DataError("cannot write " + path + ": cannot create " + tmp + ": " + std::strerror(errno));
      errno = 0;
      try {
        write(out);
      } catch (const Error&) {
        throw;
      } catch (const std::exception&) {
        // A serializer that notices the failed stream throws its own error (LibTorch's
        // archive writer does): a full disk is still a data error naming the path.
        if (!out) WriteFailed(path, errno);
        throw;
      }
      out.flush();
      if (!out) WriteFailed(path, errno);
      out.close();
      if (!out) WriteFailed(path, errno);
    }
    // fsync so that a crash after the rename cannot leave an empty file behind; some
    // file systems (NFS, quotas) report a full disk only here.
    const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      const int synced = ::fsync(fd);
      const int err = errno;
      ::close(fd);
      if (synced != 0 && err != EINVAL) WriteFailed(path, err);
    }
    Failpoint(path);  // a crash here must leave `path` as it was
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      throw DataError("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
    }
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

void WriteDirectoryAtomically(const std::string& dir, const std::function<void(const std::string&)>& fill,
                              bool replace) {
  std::error_code ec;
  const bool exists = fs::exists(dir, ec);
  if (exists && !replace) throw DataError(dir + " already exists; remove it or choose another directory");
  if (exists && !fs::is_directory(dir, ec)) throw DataError(dir + " exists and is not a directory; not replacing it");
  const fs::path target = fs::absolute(dir, ec);
  if (target.has_parent_path()) CreateDirectories(target.parent_path().string());
  const std::string tmp = target.string() + ".tmp." + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  try {
    CreateDirectories(tmp);
    try {
      fill(tmp);
    } catch (const DataError& e) {
      throw DataError("cannot write " + target.string() + ": " + e.what() + "; " +
                      (exists ? target.string() + " was left as it was" : "nothing was created"));
    }
    PublishDirectory(tmp, target.string(), exists);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

void WriteStringAtomically(const std::string& path, const std::string& content) {
  WriteFileAtomically(path, [&](std::ostream& out) { out.write(content.data(), content.size()); });
}

std::string ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::exists(path)) throw DataError(path + ": no such file");
    throw DataError(path + ": cannot read: " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void CreateDirectories(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw DataError("cannot create directory " + dir + ": " + ec.message());
}

}  // namespace merhan

// Error kinds and the exit codes the CLI maps them to (README "Exit codes").
#pragma once

#include <stdexcept>
#include <string>

namespace merhan {

enum class ExitCode : int {
  kOk = 0,
  kUsage = 2,     // bad command line, bad config key/value
  kData = 3,      // missing, unreadable or malformed input file
  kInternal = 4,  // a bug or an unexpected library failure
  kPeer = 5,      // data-parallel training: another rank died, hung or could not be reached
  // Stopped by SIGTERM/SIGINT after writing a resumable checkpoint (sysexits'
  // EX_TEMPFAIL: run again with --resume). A second SIGINT exits with 130.
  kInterrupted = 75,
};

// Base of every error merhan raises on purpose. The message is shown to the
// user as is, so it names the file (and line or key) at fault.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// The user asked for something that cannot be done: bad flag, config key or value.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(ExitCode::kUsage, message) {}
};

// An input file is missing, unreadable or malformed.
class DataError : public Error {
 public:
  explicit DataError(const std::string& message) : Error(ExitCode::kData, message) {}
};

// Something that should not happen did.
class InternalError : public Error {
 public:
  explicit InternalError(const std::string& message) : Error(ExitCode::kInternal, message) {}
};

// Data-parallel training lost a peer: a rank died, stopped answering or never
// arrived. The message names the rank(s); their own logs hold the reason.
class PeerError : public Error {
 public:
  explicit PeerError(const std::string& message) : Error(ExitCode::kPeer, message) {}
};

}  // namespace merhan

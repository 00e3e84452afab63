// Where training steps spend their time, op by op: LibTorch's (Kineto) profiler
// over a few steps, reduced to self and total time per op name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace merhan {

struct OpTime {
  std::string name;
  int64_t calls = 0;
  double self_seconds = 0;   // excluding the ops it called
  double total_seconds = 0;  // including them
};

struct OpProfile {
  int steps = 0;
  double wall_seconds = 0;  // from Start to Stop
  std::vector<OpTime> ops;  // by self time, largest first

  nlohmann::json ToJson() const;
  // A table of the `top` ops by self time, with each one's share of the wall time.
  std::string ToMarkdown(size_t top = 30) const;
};

// Self time from nested intervals: `events` are (name, thread, start ns, end ns)
// of one profile; an event's self time is its duration less its direct children's.
struct ProfiledEvent {
  std::string name;
  uint64_t thread = 0;
  uint64_t start_ns = 0, end_ns = 0;
};
std::vector<OpTime> SummarizeEvents(std::vector<ProfiledEvent> events);

// Profiles the CPU ops of the calling thread from construction to Stop().
class OpProfiler {
 public:
  OpProfiler();
  ~OpProfiler();  // stops a profile that was not stopped, discarding it
  OpProfiler(const OpProfiler&) = delete;
  OpProfiler& operator=(const OpProfiler&) = delete;
  OpProfile Stop(int steps);

 private:
  bool running_ = false;
  uint64_t start_ns_ = 0;
};

}  // namespace merhan

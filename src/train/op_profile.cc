#include "merhan/train/op_profile.h"

#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <map>
#include <sstream>

#include "merhan/util/error.h"

namespace merhan {
namespace {

namespace kineto = torch::autograd::profiler;
namespace profiler_impl = torch::profiler::impl;

uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

const std::set<profiler_impl::ActivityType>& CpuActivities() {
  static const std::set<profiler_impl::ActivityType> cpu = {profiler_impl::ActivityType::CPU};
  return cpu;
}

}  // namespace

std::vector<OpTime> SummarizeEvents(std::vector<ProfiledEvent> events) {
  // Parents before their children: by thread, start, then longer first.
  std::sort(events.begin(), events.end(), [](const ProfiledEvent& a, const ProfiledEvent& b) {
    if (a.thread != b.thread) return a.thread < b.thread;
    if (a.start_ns != b.start_ns) return a.start_ns < b.start_ns;
    return a.end_ns > b.end_ns;
  });
  std::vector<double> child_ns(events.size(), 0);
  std::vector<size_t> open;  // indices of the enclosing events
  for (size_t i = 0; i < events.size(); ++i) {
    const ProfiledEvent& e = events[i];
    while (!open.empty() && (events[open.back()].thread != e.thread || events[open.back()].end_ns <= e.start_ns)) {
      open.pop_back();
    }
    if (!open.empty()) child_ns[open.back()] += static_cast<double>(e.end_ns - e.start_ns);
    open.push_back(i);
  }
  std::map<std::string, OpTime> by_name;
  for (size_t i = 0; i < events.size(); ++i) {
    OpTime& t = by_name[events[i].name];
    t.name = events[i].name;
    const double duration = static_cast<double>(events[i].end_ns - events[i].start_ns);
    ++t.calls;
    t.total_seconds += duration * 1e-9;
    t.self_seconds += std::max(0.0, duration - child_ns[i]) * 1e-9;
  }
  std::vector<OpTime> ops;
  for (auto& [name, t] : by_name) ops.push_back(std::move(t));
  std::sort(ops.begin(), ops.end(), [](const OpTime& a, const OpTime& b) { return a.self_seconds > b.self_seconds; });
  return ops;
}

nlohmann::json OpProfile::ToJson() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& op : ops) {
    rows.push_back({{"name", op.name},
                    {"calls", op.calls},
                    {"self_seconds", op.self_seconds},
                    {"total_seconds", op.total_seconds}});
  }
  return {{"steps", steps}, {"wall_seconds", wall_seconds}, {"ops", rows}};
}

std::string OpProfile::ToMarkdown(size_t top) const {
  std::ostringstream out;
  out << std::fixed;
  out << "Op profile of " << steps << " training step(s): " << std::setprecision(3) << wall_seconds
      << " s wall, self time per op (time in the op itself, not in the ops it called).\n\n";
  out << "| op | calls | self s | self % of wall | total s |\n|---|---|---|---|---|\n";
  for (size_t i = 0; i < std::min(top, ops.size()); ++i) {
    const OpTime& op = ops[i];
    out << "| " << op.name << " | " << op.calls << " | " << std::setprecision(4) << op.self_seconds << " | "
        << std::setprecision(1) << (wall_seconds > 0 ? 100.0 * op.self_seconds / wall_seconds : 0.0) << " | "
        << std::setprecision(4) << op.total_seconds << " |\n";
  }
  return out.str();
}

OpProfiler::OpProfiler() {
  const profiler_impl::ProfilerConfig config(profiler_impl::ProfilerState::KINETO);
  try {
    kineto::prepareProfiler(config, CpuActivities());
    kineto::enableProfiler(config, CpuActivities());
  } catch (const c10::Error& e) {
    throw InternalError(std::string("cannot start LibTorch's profiler: ") + e.what_without_backtrace());
  }
  running_ = true;
  start_ns_ = NowNs();
}

OpProfiler::~OpProfiler() {
  if (!running_) return;
  try {
    kineto::disableProfiler();
  } catch (...) {  // a destructor must not throw; the profile is discarded anyway
  }
}

OpProfile OpProfiler::Stop(int steps) {
  if (!running_) throw InternalError("OpProfiler::Stop called twice");
  running_ = false;
  OpProfile profile;
  profile.steps = steps;
  profile.wall_seconds = static_cast<double>(NowNs() - start_ns_) * 1e-9;
  const std::unique_ptr<kineto::ProfilerResult> result = kineto::disableProfiler();
  std::vector<ProfiledEvent> events;
  for (const auto& e : result->events()) {
    if (e.deviceType() != c10::DeviceType::CPU) continue;
    events.push_back({e.name(), e.startThreadId(), e.startNs(), e.endNs()});
  }
  profile.ops = SummarizeEvents(std::move(events));
  return profile;
}

}  // namespace merhan

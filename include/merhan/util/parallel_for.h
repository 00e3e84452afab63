// Runs a loop body over [0, n) on a fixed number of worker threads.
#pragma once

#include <cstdint>
#include <functional>

namespace merhan {

// Runs fn(i) for i in [0, n) on `threads` workers (at most n; 0 or 1 = the caller's
// thread); rethrows the first exception after every worker has stopped, and starts
// no new item once one has failed. `worker_init` runs first on each worker thread
// when there are several: callers that use LibTorch pass one that limits its
// intra-op threads, since workers x intra-op threads beyond the cores is many times
// slower, not faster (docs/design.md T8).
void ParallelFor(int64_t n, int threads, const std::function<void(int64_t)>& fn,
                 const std::function<void()>& worker_init = {});

// `threads`, or every core when it is 0 or less (at least 1).
int ResolveThreads(int threads);

}  // namespace merhan

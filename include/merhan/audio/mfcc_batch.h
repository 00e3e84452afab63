// MFCCs of many files on many cores: the throughput path for feature caching.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "merhan/audio/audio_options.h"
#include "merhan/audio/mfcc_options.h"
#include "merhan/audio/power_spectrum.h"

namespace merhan {

struct MfccFeatures {
  std::vector<float> values;  // row-major (num_frames x num_coefficients)
  int64_t num_frames = 0;
  int num_coefficients = 0;
  double duration_seconds = 0.0;  // of the loaded (resampled) signal
};

// Loads (LoadAudio) and extracts (Mfcc::Compute) every file, `threads` files at a
// time (0 = every hardware thread). Results are in the order of `paths`. The first
// failing file (in path order) is rethrown as its DataError once all workers have
// stopped; options are checked before any file is read (UsageError). `fft` as in
// Mfcc's constructor; it is called on the worker threads.
std::vector<MfccFeatures> ComputeMfccBatch(const std::vector<std::string>& paths, const AudioOptions& audio,
                                           const MfccOptions& mfcc, int threads = 0,
                                           PowerSpectrumFactory fft = MakeKissFftPowerSpectrum);

// Runs `work(i)` for i in [0, count) on `threads` threads (0 = hardware threads),
// each thread taking the next index. Exceptions are collected per index; the one
// with the lowest index is rethrown after every thread has joined.
void ParallelFor(size_t count, int threads, const std::function<void(size_t)>& work);

}  // namespace merhan

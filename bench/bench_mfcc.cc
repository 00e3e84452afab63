// MFCC throughput of merhan's audio frontend, as multiples of real time.
//
//   bench_mfcc [--preset torchaudio] [--set mfcc.k=v]... [--repeats 5] [--threads 0]
//              [--json out.json] a.wav b.wav ...
//
// Files are loaded (and resampled) once, untimed; then three measurements, each
// repeated: `single` (one thread computes every signal in turn), `all_cores`
// (signals spread over --threads threads), and `batch_end_to_end`
// (ComputeMfccBatch: load + resample + MFCC of the paths on all threads).
// scripts/bench_mfcc.sh runs this next to torchaudio and librosa on the same files.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "merhan/audio/audio_loader.h"
#include "merhan/audio/mfcc.h"
#include "merhan/audio/mfcc_batch.h"
#include "merhan/data/torch_power_spectrum.h"
#include "merhan/util/error.h"

using namespace merhan;

namespace {

struct Stats {
  std::vector<double> seconds;
  double Min() const { return *std::min_element(seconds.begin(), seconds.end()); }
  double Median() const {
    std::vector<double> s = seconds;
    std::sort(s.begin(), s.end());
    return s.size() % 2 ? s[s.size() / 2] : 0.5 * (s[s.size() / 2 - 1] + s[s.size() / 2]);
  }
};

template <typename F>
Stats Time(int repeats, F&& f) {
  f();  // warm-up: page faults, thread start-up, lazy allocations
  Stats st;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    st.seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return st;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MFCC throughput of merhan (x real time)"};
  std::string preset = "torchaudio";
  std::vector<std::string> sets, files;
  int repeats = 5, threads = 0;
  std::string json_out, fft = "torch";
  app.add_option("--preset", preset, "MFCC preset")->capture_default_str();
  app.add_option("--set", sets, "override, e.g. mfcc.fft_precision=double (repeatable)")->allow_extra_args(false);
  app.add_option("--repeats", repeats, "timed repeats per measurement")->capture_default_str();
  app.add_option("--threads", threads, "threads for all_cores and batch (0 = hardware threads)");
  app.add_option("--fft", fft, "float FFT engine: torch (LibTorch's, what merhan uses) | kissfft")
      ->check(CLI::IsMember({"torch", "kissfft"}))
      ->capture_default_str();
  app.add_option("--json", json_out, "also write the figures as JSON here");
  app.add_option("files", files, "audio files")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    AudioOptions audio;
    MfccOptions options = MfccOptions::Preset(preset, audio.sample_rate);
    ConfigRegistry registry;
    audio.Register(&registry);
    options.Register(&registry);
    for (const auto& s : sets) registry.ApplyOverride(s);
    CheckSampleRatesAgree(audio, options);
    const PowerSpectrumFactory engine =
        fft == "torch" ? PowerSpectrumFactory(MakeTorchPowerSpectrum) : PowerSpectrumFactory(MakeKissFftPowerSpectrum);
    const Mfcc mfcc(options, engine);
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

    std::vector<AudioSignal> signals;
    double audio_seconds = 0;
    for (const auto& f : files) {
      signals.push_back(LoadAudio(f, audio));
      audio_seconds += signals.back().duration_seconds();
    }
    size_t sink = 0;  // keeps the work observable
    auto one = [&](size_t i) {
      int64_t frames = 0;
      sink += mfcc.Compute(signals[i].samples.data(), signals[i].samples.size(), &frames).size();
    };
    nlohmann::json results;
    auto report = [&](const std::string& name, const Stats& st, int used_threads) {
      results[name] = {{"threads", used_threads},
                       {"seconds", st.seconds},
                       {"min_s", st.Min()},
                       {"median_s", st.Median()},
                       {"xrt_best", audio_seconds / st.Min()},
                       {"xrt_median", audio_seconds / st.Median()}};
      std::cout << std::left << std::setw(18) << name << " threads " << std::setw(3) << used_threads << std::fixed
                << std::setprecision(1) << " x real time: best " << audio_seconds / st.Min() << ", median "
                << audio_seconds / st.Median() << std::setprecision(4) << "  (min " << st.Min() << " s, median "
                << st.Median() << " s)\n";
    };
    std::cout << "merhan MFCC, preset " << preset << ", fft " << fft << ", " << files.size() << " files, "
              << std::setprecision(1) << std::fixed << audio_seconds << " s of audio, " << repeats << " repeats\n";
    report("single",
           Time(repeats,
                [&] {
                  for (size_t i = 0; i < signals.size(); ++i) one(i);
                }),
           1);
    report("all_cores",
           Time(repeats,
                [&] {
                  ParallelFor(signals.size(), threads, [&](size_t i) {
                    int64_t frames = 0;
                    mfcc.Compute(signals[i].samples.data(), signals[i].samples.size(), &frames);
                  });
                }),
           threads);
    report("batch_end_to_end", Time(repeats, [&] { ComputeMfccBatch(files, audio, options, threads, engine); }),
           threads);
    if (sink == 0) std::cout << "";
    if (!json_out.empty()) {
      nlohmann::json j{{"impl", "merhan"},
                       {"preset", preset},
                       {"fft", fft},
                       {"options", nlohmann::json::parse(options.ToString())},
                       {"files", files.size()},
                       {"audio_seconds", audio_seconds},
                       {"repeats", repeats},
                       {"results", results}};
      std::ofstream(json_out) << j.dump(1) << "\n";
    }
  } catch (const Error& e) {
    std::cerr << "bench_mfcc: " << e.what() << "\n";
    return static_cast<int>(e.code());
  }
  return 0;
}

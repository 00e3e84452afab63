#include "merhan/train/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <unordered_map>

#include "merhan/runtime/device.h"
#include "merhan/train/op_profile.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/failpoint.h"
#include "merhan/util/interrupt.h"
#include "merhan/util/logging.h"
#include "merhan/util/progress.h"

namespace merhan {
namespace fs = std::filesystem;

ParameterGroups SplitParameters(torch::nn::Module& model, const std::string& text_prefix) {
  ParameterGroups groups;
  for (const auto& p : model.named_parameters(/*recurse=*/true)) {
    if (!p.value().requires_grad()) continue;
    const bool text = !text_prefix.empty() && p.key().rfind(text_prefix, 0) == 0;
    const bool speech = p.key().find("speech_top.") != std::string::npos;
    (text ? groups.text_encoder : speech ? groups.speech_encoder : groups.main).push_back(p.value());
  }
  return groups;
}

torch::Tensor BalancedClassWeights(const std::vector<int64_t>& counts) {
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  std::vector<float> w(counts.size(), 0.0f);
  for (size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] > 0) w[c] = static_cast<float>(static_cast<double>(total) / (counts.size() * counts[c]));
  }
  return torch::tensor(w, torch::kFloat32);
}

namespace {

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(const TrainOptions& o, const ParameterGroups& g,
                                                       std::vector<double>* base_lrs) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto options = [&](double lr) -> std::unique_ptr<torch::optim::OptimizerOptions> {
    if (o.optimizer == "sgd")
      return std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(lr).weight_decay(o.weight_decay));
    if (o.optimizer == "adamw")
      return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(lr).weight_decay(o.weight_decay));
    return std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(lr).weight_decay(o.weight_decay));
  };
  if (!g.main.empty()) {
    groups.emplace_back(g.main, options(o.lr));
    base_lrs->push_back(o.lr);
  }
  if (!g.text_encoder.empty()) {
    groups.emplace_back(g.text_encoder, options(o.text_lr));
    base_lrs->push_back(o.text_lr);
  }
  if (!g.speech_encoder.empty()) {
    groups.emplace_back(g.speech_encoder, options(o.audio_lr));
    base_lrs->push_back(o.audio_lr);
  }
  if (groups.empty()) throw UsageError("the model has no trainable parameters: nothing to train");
  if (o.optimizer == "sgd") {
    return std::make_unique<torch::optim::SGD>(std::move(groups),
                                               torch::optim::SGDOptions(o.lr).weight_decay(o.weight_decay));
  }
  if (o.optimizer == "adamw") {
    return std::make_unique<torch::optim::AdamW>(std::move(groups),
                                                 torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  }
  return std::make_unique<torch::optim::Adam>(std::move(groups),
                                              torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
}

std::string Percent(double fraction) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 100.0 * fraction << "%";
  return out.str();
}

std::vector<torch::Tensor> StateTensors(torch::nn::Module& model) {
  std::vector<torch::Tensor> state = model.parameters(true);
  for (const auto& b : model.buffers(true)) state.push_back(b);
  return state;
}

// RNG streams that training consumes (dropout): the CPU generator and, when
// present, each CUDA device's.
void SaveRngState(torch::serialize::OutputArchive& archive) {
  archive.write("rng_cpu", at::detail::getDefaultCPUGenerator().get_state());
  if (torch::cuda::is_available()) {
    const int n = static_cast<int>(torch::cuda::device_count());
    for (int i = 0; i < n; ++i) {
      auto gen = at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(i)));
      archive.write("rng_cuda_" + std::to_string(i), gen.get_state());
    }
  }
}

void LoadRngState(torch::serialize::InputArchive& archive) {
  torch::Tensor state;
  archive.read("rng_cpu", state);
  at::Generator cpu = at::detail::getDefaultCPUGenerator();  // a handle on the global generator
  cpu.set_state(state);
  if (torch::cuda::is_available()) {
    const int n = static_cast<int>(torch::cuda::device_count());
    for (int i = 0; i < n; ++i) {
      torch::Tensor s;
      if (!archive.try_read("rng_cuda_" + std::to_string(i), s)) continue;
      auto gen = at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(i)));
      gen.set_state(s);
    }
  }
}

}  // namespace

Trainer::Trainer(TrainOptions options, EmotionModel model, torch::Device device, ParameterGroups groups,
                 CheckpointMeta meta, DistributedContext distributed)
    : options_(std::move(options)),
      model_(std::move(model)),
      device_(device),
      groups_(std::move(groups)),
      meta_(std::move(meta)),
      distributed_(std::move(distributed)),
      early_stopping_(options_.monitor, options_.patience),
      schedule_(options_) {
  model_->to(device_);
  optimizer_ = MakeOptimizer(options_, groups_, &base_lrs_);
  if (distributed_.group) reducer_ = std::make_unique<GradientReducer>(distributed_.group, TrainableParameters());
}

std::vector<torch::Tensor> Trainer::TrainableParameters() const {
  std::vector<torch::Tensor> all = groups_.main;
  all.insert(all.end(), groups_.text_encoder.begin(), groups_.text_encoder.end());
  all.insert(all.end(), groups_.speech_encoder.begin(), groups_.speech_encoder.end());
  return all;
}

void Trainer::SetClassWeights(torch::Tensor weights) {
  class_weights_ = weights.defined() ? weights.to(device_, torch::kFloat32) : weights;
}

void Trainer::OnWriter(const std::function<void()>& write) const {
  if (distributed_.IsWriter()) write();
}

GradientReducer::Totals Trainer::LocalTotals(const Batch& batch, double mean_loss) const {
  GradientReducer::Totals local;
  local.items = batch.size();
  if (local.items == 0) return local;
  const torch::Tensor labels = batch.labels.to(torch::kCPU, torch::kInt64);
  const torch::Tensor labelled = labels.ge(0);
  // cross_entropy's denominator: the labelled items' class weights (or their count).
  local.weight =
      class_weights_.defined()
          ? class_weights_.cpu().to(torch::kFloat64).index({labels.masked_select(labelled)}).sum().item<double>()
          : labelled.sum().item<double>();
  local.loss_sum = mean_loss * local.weight;
  return local;
}

void Trainer::ApplyLearningRates(double scale) {
  auto& groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(base_lrs_[i] * scale);
}

void Trainer::SnapshotBest() {
  torch::NoGradGuard no_grad;
  best_state_.clear();
  for (const auto& t : StateTensors(*model_)) best_state_.push_back(t.detach().clone());
}

void Trainer::RestoreBest() {
  if (best_state_.empty()) return;
  torch::NoGradGuard no_grad;
  auto state = StateTensors(*model_);
  for (size_t i = 0; i < state.size(); ++i) state[i].copy_(best_state_[i]);
}

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Padded positions and all positions of a (B, T) validity mask.
void CountPadding(const torch::Tensor& mask, double* padded, double* total) {
  if (!mask.defined() || mask.numel() == 0) return;
  const double n = static_cast<double>(mask.numel());
  *padded += n - static_cast<double>(mask.sum().item<int64_t>());
  *total += n;
}

}  // namespace

nlohmann::json EpochProgress::ToJson() const {
  return {{"epoch", epoch},
          {"batches", batches},
          {"loss_sum", loss_sum},
          {"utterances", utterances},
          {"audio_padded", audio_padded},
          {"audio_total", audio_total},
          {"text_padded", text_padded},
          {"text_total", text_total}};
}

EpochProgress EpochProgress::FromJson(const nlohmann::json& j) {
  EpochProgress p;
  p.epoch = j.at("epoch").get<int>();
  p.batches = j.at("batches").get<int64_t>();
  p.loss_sum = j.at("loss_sum").get<double>();
  p.utterances = j.at("utterances").get<double>();
  p.audio_padded = j.at("audio_padded").get<double>();
  p.audio_total = j.at("audio_total").get<double>();
  p.text_padded = j.at("text_padded").get<double>();
  p.text_total = j.at("text_total").get<double>();
  return p;
}

namespace {

// Thrown from inside ForEachBatch to leave an epoch at a step boundary.
struct StopAtStep {};

}  // namespace

bool Trainer::StopAgreed() const {
  bool stop = StopRequested();
  if (distributed_.group) {
    torch::Tensor flag = torch::full({1}, stop ? 1.0 : 0.0, torch::kFloat64);
    distributed_.group->AllReduceSum({flag}, "stop request");
    stop = flag.item<double>() > 0;
  }
  return stop;
}

double Trainer::TrainStep(const Batch& cpu_batch, const std::vector<torch::Tensor>& parameters, int epoch,
                          int64_t batch_index, const std::function<void(double*)>& lap, StepTimes* times,
                          int64_t* items) {
  optimizer_->zero_grad();
  // Data-parallel: this rank's slice of the global batch, possibly empty.
  const bool empty = cpu_batch.size() == 0;
  const Batch batch = empty ? cpu_batch : cpu_batch.To(device_);
  lap(&times->data);
  double value = 0;
  if (!empty) {
    torch::Tensor loss;
    {
      RECORD_USER_SCOPE("merhan::forward");
      AutocastGuard autocast(device_, Bf16Autocast(options_, device_));
      loss = model_->Loss(batch, class_weights_, options_.label_smoothing);
    }
    value = loss.item<double>();
    if (!std::isfinite(value)) {
      throw DataError(Cat("non-finite training loss (", value, ") at epoch ", epoch + 1, ", batch ", batch_index,
                          " (0-based) of fold ", meta_.fold, " seed ", meta_.seed, "; utterances: ", IdList(batch.ids),
                          ". Check those inputs, or lower train.lr / set train.grad_clip"));
    }
    lap(&times->forward);
    RECORD_USER_SCOPE("merhan::backward");
    loss.backward();
  }
  lap(&times->backward);
  double batch_loss = value;
  *items = batch.size();
  {
    RECORD_USER_SCOPE("merhan::optimizer");
    if (reducer_) {
      const GradientReducer::Totals total = reducer_->Reduce(LocalTotals(batch, value));
      if (!(total.weight > 0)) {
        throw DataError(Cat("epoch ", epoch + 1, ", batch ", batch_index, " of fold ", meta_.fold,
                            ": no labelled utterance in the global batch"));
      }
      batch_loss = total.loss_sum / total.weight;
      *items = total.items;
    }
    if (options_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(parameters, options_.grad_clip);
    optimizer_->step();
  }
  lap(&times->optimizer);
  return batch_loss;
}

bool Trainer::TrainEpoch(BatchSource& train, int epoch, EpochProgress* progress, EpochRecord* record) {
  model_->train();
  const auto parameters = TrainableParameters();
  if (progress->epoch != epoch) *progress = EpochProgress{epoch};
  EpochProgress& p = *progress;
  // Loss sums are of the global batches: every rank holds the same.
  std::vector<double> sums = {p.loss_sum, p.utterances};
  ProgressOptions shown;
  shown.lines = options_.log_every > 0 ? ProgressOptions::Lines::kEvery : ProgressOptions::Lines::kNone;
  shown.log_every = options_.log_every;
  shown.close = ProgressOptions::Close::kClear;  // the epoch's own line follows
  ProgressBar log(Cat("epoch ", epoch + 1, "/", options_.epochs), train.NumBatches(epoch), shown);
  StepTimes& times = record->times;
  // Step parts are timed on the CPU only: CUDA kernels run asynchronously.
  const bool timed = device_.is_cpu();
  int64_t batch_index = 0;
  const auto start = Clock::now();
  auto mark = start;
  const std::function<void(double*)> lap = [&](double* into) {
    if (!timed) return;
    const auto now = Clock::now();
    *into += std::chrono::duration<double>(now - mark).count();
    mark = now;
  };
  // train.profile_steps: steps after the first (a warm-up) of the first epoch this trainer runs.
  std::unique_ptr<OpProfiler> profiler;
  int profiled_steps = 0;
  const bool profile = options_.profile_steps > 0 && !profile_.has_value();
  auto stop_profile = [&] {
    if (profiler) profile_ = profiler->Stop(profiled_steps);
    profiler.reset();
  };
  record->world_size = distributed_.world_size();
  bool stopped = false;
  try {
    train.ForEachBatch(epoch, [&](const Batch& cpu_batch) {
      if (batch_index++ < p.batches) return;                              // trained before the run was stopped
      if (record->threads == 0) record->threads = at::get_num_threads();  // what the steps really run with
      if (profile && batch_index == 2) profiler = std::make_unique<OpProfiler>();
      CountPadding(cpu_batch.audio_mask, &p.audio_padded, &p.audio_total);
      CountPadding(cpu_batch.text_mask, &p.text_padded, &p.text_total);
      int64_t items = 0;
      const double batch_loss = TrainStep(cpu_batch, parameters, epoch, batch_index - 1, lap, &times, &items);
      sums[0] += batch_loss * static_cast<double>(items);
      sums[1] += static_cast<double>(items);
      p.batches = batch_index;
      p.loss_sum = sums[0];
      p.utterances = sums[1];
      if (profiler && ++profiled_steps == options_.profile_steps) stop_profile();
      log.Tick(Cat("loss ", sums[0] / std::max(1.0, sums[1])));
      Failpoint("train-step");
      if (StopAgreed()) throw StopAtStep{};
    });
  } catch (const StopAtStep&) {
    stopped = true;
  }
  if (!stopped) log.Finish();
  stop_profile();  // the epoch had fewer steps than asked for
  times.train = SecondsSince(start);
  if (stopped) return false;
  record->audio_padding = p.audio_total > 0 ? p.audio_padded / p.audio_total : 0;
  record->text_padding = p.text_total > 0 ? p.text_padded / p.text_total : 0;
  if (sums[1] == 0) throw DataError(Cat("fold ", meta_.fold, ": the training split yielded no batches"));
  record->train_loss = sums[0] / sums[1];
  *progress = EpochProgress{};
  return true;
}

EvaluationResult Trainer::Evaluate(BatchSource& source) {
  source.SetShard(distributed_.rank(), distributed_.world_size());
  return EvaluateModel(model_, source, device_, Bf16Autocast(options_, device_), meta_.dims.num_classes,
                       distributed_.group.get());
}

void Trainer::WriteMetricsFile(const std::string& path, const std::vector<EpochRecord>& history) {
  std::string text;
  for (const auto& r : history) text += r.ToJson().dump() + "\n";
  WriteStringAtomically(path, text);
}

void Trainer::SaveLast(const std::string& dir, int epoch, const std::vector<EpochRecord>& history,
                       const ClassificationReport& val_metrics, bool finished, const EpochProgress& progress) {
  CheckpointMeta meta = meta_;
  meta.kind = "last";
  meta.epoch = epoch;
  meta.metrics = val_metrics.ToJson(meta.classes);
  nlohmann::json state = {{"epoch", epoch},
                          {"finished", finished},
                          {"early_stopping", early_stopping_.ToJson()},
                          {"schedule", schedule_.ToJson()},
                          {"history", nlohmann::json::array()}};
  if (progress.epoch >= 0) state["in_progress"] = progress.ToJson();
  for (const auto& r : history) state["history"].push_back(r.ToJson());
  SaveCheckpoint(dir + "/" + kLastCheckpoint, meta, *model_, [&](torch::serialize::OutputArchive& a) {
    a.write("state", c10::IValue(state.dump()));
    torch::serialize::OutputArchive optimizer;
    optimizer_->save(optimizer);
    a.write("optimizer", optimizer);
    SaveRngState(a);
  });
}

void Trainer::StopMidEpoch(const std::string& dir, const std::vector<EpochRecord>& history,
                           const EpochProgress& progress) {
  const ClassificationReport last_val = history.empty() ? ClassificationReport{} : [&] {
    ClassificationReport r;
    r.war = history.back().val_war;
    r.uar = history.back().val_uar;
    r.macro_f1 = history.back().val_macro_f1;
    r.weighted_f1 = history.back().val_weighted_f1;
    return r;
  }();
  OnWriter([&] { SaveLast(dir, progress.epoch - 1, history, last_val, false, progress); });
  throw StoppedError(dir, Cat("after batch ", progress.batches, " of epoch ", progress.epoch + 1));
}

Interrupted Trainer::StoppedError(const std::string& dir, const std::string& where) const {
  const std::string signal = StopSignalName().empty() ? "stop request" : StopSignalName();
  return Interrupted(Cat(signal, ": fold ", meta_.fold, " seed ", meta_.seed, " stopped ", where, "; its state is in ",
                         dir, "/", kLastCheckpoint, ". Run `merhan train --resume RUN_DIR` to go on"));
}

bool Trainer::LoadLast(const std::string& dir, std::vector<EpochRecord>* history, bool* finished,
                       EpochProgress* progress) {
  const std::string last = dir + "/" + kLastCheckpoint;
  if (!fs::exists(last)) return false;
  // Loaded straight onto the training device so that the optimiser state lands
  // next to the parameters.
  CheckpointReader reader(last, device_);
  if (reader.meta().fold != meta_.fold || reader.meta().seed != meta_.seed) {
    throw DataError(Cat(last, " belongs to fold ", reader.meta().fold, " seed ", reader.meta().seed, ", not fold ",
                        meta_.fold, " seed ", meta_.seed));
  }
  torch::serialize::InputArchive training;
  if (!reader.ReadTraining(&training)) throw DataError(last + " holds no training state: cannot resume from it");
  try {
    c10::IValue state_value;
    training.read("state", state_value);
    const nlohmann::json state = nlohmann::json::parse(state_value.toStringRef());
    early_stopping_.RestoreFrom(state.at("early_stopping"));
    schedule_.RestoreFrom(state.at("schedule"));
    history->clear();
    for (const auto& r : state.at("history")) history->push_back(EpochRecord::FromJson(r));
    *finished = state.at("finished").get<bool>();
    *progress = state.contains("in_progress") ? EpochProgress::FromJson(state.at("in_progress")) : EpochProgress{};
    LoadBestSnapshot(dir, !history->empty());
    reader.LoadModel(*model_);
    model_->to(device_);
    torch::serialize::InputArchive optimizer;
    training.read("optimizer", optimizer);
    optimizer_->load(optimizer);
    LoadRngState(training);
  } catch (const c10::Error& e) {
    throw DataError(last + ": unreadable training state: " + std::string(e.what_without_backtrace()).substr(0, 300));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(last + ": malformed training state: " + e.what());
  }
  return true;
}

void Trainer::LoadBestSnapshot(const std::string& dir, bool required) {
  const std::string best = dir + "/" + kBestCheckpoint;
  if (!fs::exists(best)) {
    // A run stopped inside its first epoch has no best weights yet.
    if (required) throw DataError("cannot resume " + dir + ": last.ckpt exists but best.ckpt does not");
    return;
  }
  CheckpointReader reader(best, device_);
  reader.LoadModel(*model_);
  SnapshotBest();
}

int Trainer::StartOrResume(const std::string& dir, bool resume, FitResult* result, bool* finished,
                           EpochProgress* progress) {
  const std::string metrics_path = dir + "/" + kMetricsFile;
  if (!resume || !LoadLast(dir, &result->history, finished, progress)) {
    OnWriter([&] { WriteMetricsFile(metrics_path, {}); });
    return 0;
  }
  const int start_epoch = result->history.empty() ? 0 : result->history.back().epoch + 1;
  // Recomputed rather than taken from the checkpoint, so that a finished run
  // resumed with a larger train.epochs trains on (unless it stopped early).
  *finished = early_stopping_.ShouldStop() || start_epoch >= options_.epochs;
  log::Info(Cat("fold ", meta_.fold, " seed ", meta_.seed, ": resuming ",
                progress->epoch >= 0 ? Cat("in epoch ", progress->epoch + 1, " after ", progress->batches, " batch(es)")
                                     : Cat("after epoch ", start_epoch),
                *finished ? " (already finished)" : ""));
  // metrics.jsonl may hold a line written after the last checkpoint: rewrite it
  // from the checkpoint's history so the two agree.
  OnWriter([&] { WriteMetricsFile(metrics_path, result->history); });
  return start_epoch;
}

void Trainer::WriteProfileOnce(const std::string& dir) {
  if (!profile_ || profile_written_) return;
  OnWriter([&] {
    WriteStringAtomically(dir + "/profile.md", profile_->ToMarkdown());
    WriteStringAtomically(dir + "/profile.json", profile_->ToJson().dump(2) + "\n");
  });
  log::Info(Cat("op profile of ", profile_->steps, " step(s) written to ", dir, "/profile.md"));
  profile_written_ = true;
}

ClassificationReport Trainer::ValidateEpoch(BatchSource& val, EpochRecord* record) {
  const auto val_start = Clock::now();
  const EvaluationResult val_result = Evaluate(val);
  record->times.validation = SecondsSince(val_start);
  const ClassificationReport val_metrics = val_result.Metrics(meta_.dims.num_classes);
  record->val_loss = val_result.loss;
  record->val_war = val_metrics.war;
  record->val_uar = val_metrics.uar;
  record->val_macro_f1 = val_metrics.macro_f1;
  record->val_weighted_f1 = val_metrics.weighted_f1;
  const double monitored = options_.monitor == "val_uar" ? record->val_uar : record->val_loss;
  record->improved = early_stopping_.Update(record->epoch, monitored);
  schedule_.EndEpoch(monitored);
  return val_metrics;
}

void Trainer::SaveBest(const std::string& dir, const EpochRecord& record, const ClassificationReport& val_metrics) {
  SnapshotBest();
  OnWriter([&] {
    CheckpointMeta meta = meta_;
    meta.kind = "best";
    meta.epoch = record.epoch;
    meta.metrics = val_metrics.ToJson(meta.classes);
    meta.metrics["loss"] = record.val_loss;
    SaveCheckpoint(dir + "/" + kBestCheckpoint, meta, *model_);
  });
}

void Trainer::LogEpoch(const EpochRecord& record) const {
  log::Info(Cat("fold ", meta_.fold, " seed ", meta_.seed, " epoch ", record.epoch + 1, "/", options_.epochs,
                ": train loss ", record.train_loss, ", val loss ", record.val_loss, ", val UAR ", record.val_uar,
                ", val WAR ", record.val_war, record.improved ? " (best)" : "", " [",
                ProgressBar::FormatDuration(record.seconds), ", ", record.threads, " thread(s), padding audio ",
                Percent(record.audio_padding), " text ", Percent(record.text_padding), "]"));
  if (early_stopping_.ShouldStop()) {
    log::Info(Cat("early stopping: ", options_.monitor, " did not improve for ", options_.patience,
                  " epochs; best epoch ", early_stopping_.best_epoch() + 1));
  }
}

// The best weights back in the model, and what the fit selected.
void Trainer::FinishFit(FitResult* result) {
  RestoreBest();
  result->best_epoch = early_stopping_.best_epoch();
  result->best_value = early_stopping_.best();
  result->epochs_run = static_cast<int>(result->history.size());
  result->stopped_early = early_stopping_.ShouldStop();
  if (result->best_epoch >= 0) {
    const auto& b = result->history.at(static_cast<size_t>(result->best_epoch));
    result->best_val_metrics.war = b.val_war;
    result->best_val_metrics.uar = b.val_uar;
    result->best_val_metrics.macro_f1 = b.val_macro_f1;
    result->best_val_metrics.weighted_f1 = b.val_weighted_f1;
  }
}

FitResult Trainer::Fit(BatchSource& train, BatchSource& val, const std::string& dir, bool resume) {
  train.SetShard(distributed_.rank(), distributed_.world_size());
  OnWriter([&] { CreateDirectories(dir); });
  FitResult result;
  bool finished = false;
  EpochProgress progress;
  const int start_epoch = StartOrResume(dir, resume, &result, &finished, &progress);
  StopScope stop_scope;  // SIGTERM/SIGINT from here on: stop at a step boundary
  // A request that came while the previous fold was finishing.
  if (!finished && start_epoch < options_.epochs && StopAgreed()) {
    throw StoppedError(dir, Cat("before epoch ", start_epoch + 1));
  }
  for (int epoch = start_epoch; epoch < options_.epochs && !finished; ++epoch) {
    const auto t0 = Clock::now();
    const double scale = schedule_.Scale(epoch);
    ApplyLearningRates(scale);
    EpochRecord record;
    record.epoch = epoch;
    record.lr = base_lrs_[0] * scale;
    if (!TrainEpoch(train, epoch, &progress, &record)) StopMidEpoch(dir, result.history, progress);
    WriteProfileOnce(dir);
    const ClassificationReport val_metrics = ValidateEpoch(val, &record);
    record.seconds = SecondsSince(t0);
    result.history.push_back(record);
    finished = early_stopping_.ShouldStop() || epoch + 1 >= options_.epochs;
    if (record.improved) SaveBest(dir, record, val_metrics);
    // last.ckpt before the metrics line: a crash in between loses only the line,
    // which resuming rewrites from the checkpoint. The file is rewritten whole
    // (a few hundred bytes an epoch), so a full disk leaves the previous epochs'
    // lines as they were instead of a torn last line.
    OnWriter([&] {
      SaveLast(dir, epoch, result.history, val_metrics, finished);
      WriteMetricsFile(dir + "/" + kMetricsFile, result.history);
    });
    LogEpoch(record);
    // A request that came during validation: last.ckpt already holds this epoch.
    if (!finished && StopAgreed()) throw StoppedError(dir, Cat("after epoch ", epoch + 1));
  }
  FinishFit(&result);
  return result;
}

}  // namespace merhan

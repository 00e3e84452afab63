#include "merhan/train/epoch_record.h"

#include <cmath>

namespace merhan {

nlohmann::json StepTimes::ToJson() const {
  return {{"data", data},           {"forward", forward}, {"backward", backward},
          {"optimizer", optimizer}, {"train", train},     {"validation", validation}};
}

StepTimes StepTimes::FromJson(const nlohmann::json& j) {
  StepTimes t;
  t.data = j.value("data", 0.0);
  t.forward = j.value("forward", 0.0);
  t.backward = j.value("backward", 0.0);
  t.optimizer = j.value("optimizer", 0.0);
  t.train = j.value("train", 0.0);
  t.validation = j.value("validation", 0.0);
  return t;
}

nlohmann::json EpochRecord::ToJson() const {
  return {{"epoch", epoch},
          {"train_loss", train_loss},
          {"val_loss", val_loss},
          {"val_war", val_war},
          {"val_uar", val_uar},
          {"val_macro_f1", val_macro_f1},
          {"val_weighted_f1", val_weighted_f1},
          {"lr", lr},
          {"seconds", seconds},
          {"improved", improved},
          {"threads", threads},
          {"world_size", world_size},
          {"audio_padding", audio_padding},
          {"text_padding", text_padding},
          {"times", times.ToJson()}};
}

EpochRecord EpochRecord::FromJson(const nlohmann::json& j) {
  // JSON has no NaN: nlohmann writes it as null (e.g. a loss over no labels).
  auto number = [&](const char* key) {
    const auto& v = j.at(key);
    return v.is_null() ? std::nan("") : v.get<double>();
  };
  EpochRecord r;
  r.epoch = j.at("epoch").get<int>();
  r.train_loss = number("train_loss");
  r.val_loss = number("val_loss");
  r.val_war = number("val_war");
  r.val_uar = number("val_uar");
  r.val_macro_f1 = number("val_macro_f1");
  r.val_weighted_f1 = number("val_weighted_f1");
  r.lr = number("lr");
  r.seconds = number("seconds");
  r.improved = j.at("improved").get<bool>();
  // Records written before these fields existed resume with zeros.
  r.threads = j.value("threads", 0);
  r.world_size = j.value("world_size", 1);
  r.audio_padding = j.value("audio_padding", 0.0);
  r.text_padding = j.value("text_padding", 0.0);
  if (j.contains("times")) r.times = StepTimes::FromJson(j.at("times"));
  return r;
}

}  // namespace merhan

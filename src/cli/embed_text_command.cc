// `merhan embed-text`: BERT last hidden state of one or more texts → .npy (B, T, H).
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/io/npy.h"
#include "merhan/nn/bert.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan::cli {

void AddEmbedTextCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("embed-text",
                                 "run the BERT encoder of a model directory on texts and write the "
                                 "last hidden state (B, T, H) as float32 .npy");
  struct Args {
    TextOptions text;
    std::vector<std::string> texts;
    std::string out, mask_out;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model-dir", a->text.model_dir, "local HF model directory; \"minilm\" = bundled all-MiniLM-L6-v2")
      ->required();
  cmd->add_option("--text", a->texts, "a text (repeat for a padded batch)")->required();
  cmd->add_option("--out", a->out, "output .npy (B, T, H) float32")->required();
  cmd->add_option("--mask-out", a->mask_out, "optional .npy (B, T) float32 attention mask");
  cmd->add_option("--max-length", a->text.max_length, "tokens per text incl. [CLS]/[SEP]")->capture_default_str();
  cmd->add_option("--dtype", a->text.dtype, "fp32 | bf16")
      ->check(CLI::IsMember({"fp32", "bf16"}))
      ->capture_default_str();
  cmd->callback([a] {
    TextEncoder enc = LoadBertEncoder(a->text);
    const auto batch = enc.tokenizer->EncodeBatch(a->texts, a->text.max_length);
    torch::NoGradGuard no_grad;
    const BertOutput out = enc.model->Encode(batch);
    const auto h = out.last_hidden_state.to(torch::kFloat32).contiguous();
    WriteNpyFloat32(a->out, h.sizes().vec(), h.data_ptr<float>());
    if (!a->mask_out.empty()) {
      const auto m = out.attention_mask.to(torch::kFloat32).contiguous();
      WriteNpyFloat32(a->mask_out, m.sizes().vec(), m.data_ptr<float>());
    }
    log::Info(Cat("embed-text: ", a->out, " (", h.size(0), ", ", h.size(1), ", ", h.size(2), ")"));
  });
}

}  // namespace merhan::cli

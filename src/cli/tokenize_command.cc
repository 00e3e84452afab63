// `merhan tokenize`: the model directory's tokenizer on one text (or a pair), as JSON.
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/text/tokenizer.h"
#include "merhan/util/error.h"

namespace merhan::cli {

void AddTokenizeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokenize",
                                 "tokenize a text with a model directory's tokenizer; prints JSON "
                                 "(input_ids, attention_mask, token_type_ids, tokens)");
  struct Args {
    std::string model_dir, text, pair;
    int max_length = 0;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model-dir", a->model_dir,
                  "local HF model directory (vocab.txt or a SentencePiece .model); "
                  "\"minilm\" = bundled all-MiniLM-L6-v2")
      ->required();
  cmd->add_option("--text", a->text, "the text (UTF-8)")->required();
  cmd->add_option("--pair", a->pair, "optional second segment (token_type_ids 1)");
  cmd->add_option("--max-length", a->max_length, "truncate to N tokens incl. specials (default: model_max_length)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([a] {
    const auto tokenizer = LoadTokenizer(a->model_dir);
    const Encoding e = a->pair.empty() ? tokenizer->Encode(a->text, a->max_length)
                                       : tokenizer->EncodePair(a->text, a->pair, a->max_length);
    std::cout << e.ToJson() << "\n";
  });
}

}  // namespace merhan::cli

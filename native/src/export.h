// Writing models out: merged Hugging Face directories and PEFT adapters.
#pragma once
#include <string>

#include "model.h"

namespace tf {

// dtype: "float32", "bfloat16", "float16", or empty for the source config's torch_dtype (float32 if unknown).
void save_merged(Model &model, const std::string &source_dir, const std::string &out_dir, const std::string &dtype);
// adapter_config.json + adapter_model.safetensors; when the model's embeddings belong in the adapter
// (Model::adapter_embeddings) also the embedding and LM head as modules_to_save and tokenizer_dir's tokenizer files.
void save_adapter(Model &model, const std::string &base_model_name, const std::string &tokenizer_dir,
                  const std::string &out_dir);

}  // namespace tf

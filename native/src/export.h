// Writing models out: merged Hugging Face directories and PEFT adapters.
#pragma once
#include <string>

#include "model.h"

namespace tf {

// dtype: "float32", "bfloat16", "float16", or empty for the source config's torch_dtype (float32 if unknown).
void save_merged(Model &model, const std::string &source_dir, const std::string &out_dir, const std::string &dtype);
void save_adapter(Model &model, const std::string &base_model_name, const std::string &out_dir);

}  // namespace tf

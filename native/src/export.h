// Writing models out: merged Hugging Face directories and PEFT adapters.
#pragma once
#include <string>

#include "model.h"

namespace tf {

void save_merged(Model &model, const std::string &source_dir, const std::string &out_dir);
void save_adapter(Model &model, const std::string &base_model_name, const std::string &out_dir);

}  // namespace tf

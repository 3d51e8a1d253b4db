#include "lora_slots.h"

#include <filesystem>

#include "error.h"
#include "fsutil.h"

namespace fs = std::filesystem;

namespace tf {

int64_t LoraSlot::bytes() const {
  int64_t n = 0;
  for (const auto &p : pairs) n += (p->a.numel() + p->b.numel()) * (int64_t)sizeof(float);
  return n;
}

int32_t add_lora_slot(Model &model, const std::string &dir) {
  require(model.lora_pairs.empty(), TF_ERR_STATE, "LoRA slots need a base model without its own adapter");
  require(!model.has_trainer, TF_ERR_STATE, "LoRA slots: not allowed while a trainer exists");
  const std::string cfg_path = (fs::path(dir) / "adapter_config.json").string();
  const nlohmann::json c = read_json_file(cfg_path);
  if (c.contains("modules_to_save") && !c["modules_to_save"].is_null())
    require(c["modules_to_save"].is_array() && c["modules_to_save"].empty(), TF_ERR_UNSUPPORTED,
            cfg_path + ": an adapter with modules_to_save (a grown vocabulary) cannot share its base; serve it merged");
  // The model's own adapter path validates and reads it; its pairs then move into the slot.
  model.load_peft_adapter(dir);
  auto slot = std::make_shared<LoraSlot>();
  slot->dir = dir;
  slot->config = model.lora;
  slot->config.dropout = 0.0f;
  slot->layers.resize(model.layers.size());
  for (size_t l = 0; l < model.layers.size(); ++l)
    for (int p = 0; p < kNumProj; ++p) {
      slot->layers[l][p] = model.layers[l].lora[p];
      model.layers[l].lora[p] = nullptr;
    }
  slot->pairs = std::move(model.lora_pairs);
  model.lora_pairs.clear();
  model.lora = LoraConfig{};
  model.lora_slots.push_back(std::move(slot));
  return (int32_t)model.lora_slots.size();
}

void add_slot_delta(const Model &model, const LoraSlot &slot, int layer, int proj, const float *x, int n, float *y,
                    const int32_t *rows, int m) {
  const LoraPair *pair = slot.layers[layer][proj];
  if (!pair || n == 0) return;
  const Ops &ops = *model.ops;
  const int r = slot.config.rank, in = (int)pair->a.shape[1], out = (int)pair->b.shape[0];
  const float scale = slot.config.scale();
  if (!rows) {
    FloatBuffer xa(ops, (size_t)n * r);
    ops.gemm(false, true, n, r, in, 1.0f, x, in, pair->a.data.data(), in, 0.0f, xa.data(), r);
    ops.gemm(false, true, n, out, r, scale, xa.data(), r, pair->b.data.data(), r, 1.0f, y, out);
    return;
  }
  // The group's rows gathered, its delta computed in two GEMMs, then added back to its rows.
  if (m == 0) return;
  FloatBuffer xg(ops, (size_t)m * in), xa(ops, (size_t)m * r), d(ops, (size_t)m * out);
  ops.gather_rows(x, rows, m, in, xg.data());
  ops.gemm(false, true, m, r, in, 1.0f, xg.data(), in, pair->a.data.data(), in, 0.0f, xa.data(), r);
  ops.gemm(false, true, m, out, r, scale, xa.data(), r, pair->b.data.data(), r, 0.0f, d.data(), out);
  ops.scatter_add_rows(d.data(), rows, m, out, y);
}

}  // namespace tf

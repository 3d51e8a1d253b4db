#include "trainer.h"

#include <cmath>
#include <deque>
#include <filesystem>

#include "error.h"
#include "fsutil.h"
#include "safetensors.h"
#include "weighted_loss.h"

namespace tf {

namespace fs = std::filesystem;
using json = nlohmann::json;

static void validate(const tf_train_config &c) {
  require(c.mode == TF_MODE_FULL || c.mode == TF_MODE_LORA, TF_ERR_INVALID_ARGUMENT, "mode must be full or lora");
  require(c.lr >= 0 && std::isfinite(c.lr), TF_ERR_INVALID_ARGUMENT, "lr must be a non-negative number");
  require(c.beta1 >= 0 && c.beta1 < 1 && c.beta2 >= 0 && c.beta2 < 1, TF_ERR_INVALID_ARGUMENT,
          "betas must be in [0, 1)");
  require(c.eps > 0, TF_ERR_INVALID_ARGUMENT, "eps must be positive");
  require(c.weight_decay >= 0, TF_ERR_INVALID_ARGUMENT, "weight_decay must be non-negative");
  require(c.schedule >= TF_SCHEDULE_CONSTANT && c.schedule <= TF_SCHEDULE_COSINE, TF_ERR_INVALID_ARGUMENT,
          "schedule must be constant, linear or cosine");
  require(c.warmup_steps >= 0, TF_ERR_INVALID_ARGUMENT, "warmup_steps must be non-negative");
  require(c.schedule == TF_SCHEDULE_CONSTANT || c.total_steps > 0, TF_ERR_INVALID_ARGUMENT,
          "total_steps must be positive for linear and cosine schedules");
  if (c.mode == TF_MODE_LORA) {
    require(c.lora_rank > 0, TF_ERR_INVALID_ARGUMENT, "lora_rank must be positive");
    require(c.lora_alpha > 0, TF_ERR_INVALID_ARGUMENT, "lora_alpha must be positive");
    require(c.lora_dropout >= 0 && c.lora_dropout < 1, TF_ERR_INVALID_ARGUMENT, "lora_dropout must be in [0, 1)");
    require(c.lora_targets > 0 && c.lora_targets < (1 << kNumProj), TF_ERR_INVALID_ARGUMENT,
            "lora_targets must name at least one of the seven projections");
  }
}

Trainer::Trainer(Model &model, const tf_train_config &config) : model_(model), config_(config) {
  validate(config);
  require(!model.has_trainer, TF_ERR_STATE, "the model already has a trainer");
  if (config.mode == TF_MODE_LORA) {
    const LoraConfig wanted{config.lora_rank, config.lora_alpha, config.lora_dropout, config.lora_targets};
    if (model.lora_pairs.empty()) {
      model.attach_lora(wanted, config.seed);
    } else {
      // Continue training the attached adapter (loaded or trained before) when the shapes agree.
      require(model.lora.rank == wanted.rank && model.lora.targets == wanted.targets &&
                  model.lora.alpha == wanted.alpha,
              TF_ERR_STATE, "the model's LoRA adapter has a different rank, alpha or target modules; merge it first");
      model.lora.dropout = wanted.dropout;
    }
    params_ = model.lora_tensors();
  } else {
    require(model.lora_pairs.empty(), TF_ERR_STATE, "full fine-tuning: merge the LoRA adapter first");
    for (auto &p : model.params) params_.push_back(p.get());
  }
  const Ops &ops = *model.ops;
  for (Tensor *p : params_) {
    p->grad = FloatBuffer::zeros(ops, p->data.size());
    m_.push_back(FloatBuffer::zeros(ops, p->data.size()));
    v_.push_back(FloatBuffer::zeros(ops, p->data.size()));
  }
  model.has_trainer = true;
}

Trainer::~Trainer() {
  for (Tensor *p : params_) p->grad.release();
  model_.has_trainer = false;
}

Tensor *Trainer::find(const std::string &name) const {
  for (Tensor *p : params_)
    if (p->name == name) return p;
  return nullptr;
}

float Trainer::lr_at(int s) const {
  const tf_train_config &c = config_;
  if (s < c.warmup_steps) return c.lr * (float)((double)s / std::max(1, c.warmup_steps));
  if (c.schedule == TF_SCHEDULE_CONSTANT) return c.lr;
  const double span = std::max(1, c.total_steps - c.warmup_steps);
  if (c.schedule == TF_SCHEDULE_LINEAR) return (float)(c.lr * std::max(0.0, (c.total_steps - s) / span));
  const double progress = (s - c.warmup_steps) / span;
  return (float)(c.lr * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress))));
}

int64_t Trainer::shifted_targets(const int32_t *labels, int batch, int seq, std::vector<int32_t> &targets) const {
  const int V = model_.config.vocab_size;
  targets.resize((size_t)batch * seq);
  int64_t count = 0;
  for (int b = 0; b < batch; ++b) {
    for (int t = 0; t < seq; ++t) {
      const int32_t label = t + 1 < seq ? labels[b * seq + t + 1] : -100;
      require(label == -100 || (label >= 0 && label < V), TF_ERR_INVALID_ARGUMENT,
              "label " + std::to_string(label) + " is neither -100 nor a token id");
      targets[b * seq + t] = label;
      count += label >= 0;
    }
  }
  return count;
}

void Trainer::forward_for_training(const int32_t *ids, const int32_t *pos, int batch, int seq) {
  prepare_pass(model_, pass_, ids, pos, batch, seq);
  pass_.training = true;
  pass_.recompute = config_.recompute != 0;
  pass_.dropout_seed = config_.seed * 0x100000001b3ULL + micro_batches_;
  forward(model_, pass_, {}, nullptr, /*logits=*/false);
}

float Trainer::accumulate(const int32_t *ids, const int32_t *labels, const int32_t *pos, int batch, int seq) {
  require(batch > 0 && seq > 0, TF_ERR_INVALID_ARGUMENT, "batch and seq must be positive");
  std::vector<int32_t> targets;
  const int64_t count = shifted_targets(labels, batch, seq, targets);
  const IntBuffer targets_dev = IntBuffer::from_host(*model_.ops, targets.data(), targets.size());
  // Gradients are summed over tokens here and divided by all counted tokens at the step.
  int64_t hits = 0;
  double loss_sum = 0.0;
  guard_pass([&] {
    forward_for_training(ids, pos, batch, seq);
    loss_sum = head_loss_backward(model_, pass_, targets_dev.data(), dhf_, kMaxLogits, &hits);
    backward_hidden(model_, pass_, dhf_.data());
  });
  micro_batches_++;
  pending_tokens_ += count;
  pending_correct_ += hits;
  pending_units_ += (double)count;
  pending_loss_ += loss_sum;
  return count ? (float)(loss_sum / count) : 0.0f;
}

float Trainer::accumulate_weighted(const int32_t *ids, const int32_t *labels, const float *weights, const int32_t *pos,
                                   int batch, int seq, double units, float *token_logprobs) {
  require(batch > 0 && seq > 0, TF_ERR_INVALID_ARGUMENT, "batch and seq must be positive");
  require(units > 0 && std::isfinite(units), TF_ERR_INVALID_ARGUMENT, "units must be a positive number");
  std::vector<int32_t> targets;
  const int64_t count = shifted_targets(labels, batch, seq, targets);
  // Weights move with their labels: row t carries the weight of label t+1.
  std::vector<float> shifted((size_t)batch * seq, 0.0f);
  for (int b = 0; b < batch; ++b) {
    for (int t = 0; t + 1 < seq; ++t) {
      const float w = weights[b * seq + t + 1];
      require(std::isfinite(w), TF_ERR_INVALID_ARGUMENT, "weights must be finite numbers");
      shifted[b * seq + t] = w;
    }
  }
  const Ops &ops = *model_.ops;
  const IntBuffer targets_dev = IntBuffer::from_host(ops, targets.data(), targets.size());
  const FloatBuffer weights_dev = FloatBuffer::from_host(ops, shifted.data(), shifted.size());
  FloatBuffer row_logprob_dev(ops, token_logprobs ? (size_t)batch * seq : 0);
  double loss_sum = 0.0;
  guard_pass([&] {
    forward_for_training(ids, pos, batch, seq);
    loss_sum = head_weighted_loss_backward(model_, pass_, targets_dev.data(), weights_dev.data(), dhf_,
                                           token_logprobs ? row_logprob_dev.data() : nullptr);
    backward_hidden(model_, pass_, dhf_.data());
  });
  micro_batches_++;
  pending_tokens_ += count;
  pending_units_ += units;
  pending_loss_ += loss_sum;
  if (token_logprobs) {
    const std::vector<float> row_logprob = row_logprob_dev.to_host();
    for (int b = 0; b < batch; ++b) {
      token_logprobs[b * seq] = 0.0f;
      for (int t = 0; t + 1 < seq; ++t) token_logprobs[b * seq + t + 1] = row_logprob[b * seq + t];
    }
  }
  return (float)(loss_sum / units);
}

// A read-out for callers (tests, checks): the raw sum comes over to the host, which scales it.
void Trainer::grad(const Tensor &t, float *out) const {
  const float s = pending_units_ > 0 ? (float)(1.0 / pending_units_) : 0.0f;
  t.grad.download(out, t.grad.size());
  for (size_t i = 0; i < t.grad.size(); ++i) out[i] *= s;
}

void Trainer::discard() {
  for (Tensor *p : params_) p->grad.zero();
  pending_tokens_ = 0;
  pending_correct_ = 0;
  pending_units_ = 0.0;
  pending_loss_ = 0.0;
  micro_batches_ = micro_batches_at_step_;
  pass_ = Pass();
  dhf_.release();
  incomplete_ = false;
}

tf_step_result Trainer::step() {
  require(!incomplete_, TF_ERR_STATE,
          "step: an accumulate call failed since the last step, so its gradients are incomplete; discard and redo the "
          "step");
  require(pending_units_ > 0, TF_ERR_STATE, "step: no tokens with labels were accumulated since the last step");
  const Ops &ops = *model_.ops;
  const float inv = (float)(1.0 / pending_units_);
  // Decay matrices only, as Hugging Face does: biases and norm weights are exempt.
  std::vector<OptimTensor> ts;
  ts.reserve(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor *p = params_[i];
    ts.push_back({p->data.data(), p->grad.data(), m_[i].data(), v_[i].data(), p->numel(),
                  p->shape.size() >= 2 ? config_.weight_decay : 0.0f});
  }
  // Two passes over the gradients (norm, then update + clear), each one fork/join for every tensor.
  const float norm = (float)std::sqrt(ops.grad_sum_squares(ts.data(), (int)ts.size(), inv));
  // torch.nn.utils.clip_grad_norm_: always multiplies by the clamped coefficient.
  const float coef = config_.max_grad_norm > 0 ? std::min(1.0f, config_.max_grad_norm / (norm + 1e-6f)) : 1.0f;
  const float lr = lr_at(step_);
  step_++;
  const float bc1 = (float)(1.0 - std::pow((double)config_.beta1, step_));
  const float bc2 = (float)(1.0 - std::pow((double)config_.beta2, step_));
  ops.adamw_multi(ts.data(), (int)ts.size(), inv, coef, lr, config_.beta1, config_.beta2, config_.eps, bc1, bc2);
  tf_step_result r{step_, lr, norm, (float)(pending_loss_ / pending_units_), pending_tokens_, pending_correct_};
  micro_batches_at_step_ = micro_batches_;
  pending_tokens_ = 0;
  pending_correct_ = 0;
  pending_units_ = 0.0;
  pending_loss_ = 0.0;
  return r;
}

void Trainer::load_adapter(const std::string &path, const std::string &prefix) {
  require(config_.mode == TF_MODE_LORA, TF_ERR_STATE, "load_adapter: the trainer is not in LoRA mode");
  SafetensorsFile file(path);
  for (Tensor *p : params_) {
    const TensorInfo *info = file.find(prefix + p->name);
    require(info != nullptr, TF_ERR_MISMATCH, path + ": missing tensor " + prefix + p->name);
    require(info->shape == p->shape, TF_ERR_MISMATCH, path + ": tensor " + prefix + p->name + " has the wrong shape");
    write_from_host(p->data, [&](float *dst) { file.read_f32(*info, dst); });
  }
}

void Trainer::save(const std::string &dir) const {
  require(pending_units_ == 0, TF_ERR_STATE, "save: gradients are pending; call step first");
  commit_directory(dir, [&](const std::string &tmp) {
    // Host copies where the backend's memory is not the host's (none on the CPU backend).
    std::deque<std::vector<float>> staging;
    const Ops &ops = *model_.ops;
    auto host = [&](const FloatBuffer &b) { return read_on_host(ops, b.data(), b.size(), staging.emplace_back()); };
    std::vector<TensorView> weights, moments;
    for (size_t i = 0; i < params_.size(); ++i) {
      weights.push_back({params_[i]->name, params_[i]->shape, host(params_[i]->data)});
      moments.push_back({"exp_avg." + params_[i]->name, params_[i]->shape, host(m_[i])});
      moments.push_back({"exp_avg_sq." + params_[i]->name, params_[i]->shape, host(v_[i])});
    }
    write_safetensors(tmp + "/trainable.safetensors", weights);
    write_safetensors(tmp + "/optimizer.safetensors", moments);
    json state = {{"format", 1},
                  {"step", step_},
                  {"micro_batches", micro_batches_},
                  {"seed", config_.seed},
                  {"mode", config_.mode == TF_MODE_LORA ? "lora" : "full"},
                  {"vocab_size", model_.config.vocab_size},
                  {"num_params", params_.size()}};
    write_json_file(tmp + "/trainer_state.json", state);
  });
}

void Trainer::resume(const std::string &dir) {
  require(pending_units_ == 0, TF_ERR_STATE, "resume: gradients are pending");
  verify_manifest(dir);
  const json state = read_json_file(dir + "/trainer_state.json");
  const std::string mode = config_.mode == TF_MODE_LORA ? "lora" : "full";
  require(state.value("mode", std::string()) == mode, TF_ERR_MISMATCH,
          dir + ": checkpoint is for " + state.value("mode", std::string("?")) + " training, trainer is " + mode);
  require(state.value("vocab_size", 0) == model_.config.vocab_size, TF_ERR_MISMATCH,
          dir + ": checkpoint vocabulary size differs from the model's");
  SafetensorsFile weights(dir + "/trainable.safetensors"), moments(dir + "/optimizer.safetensors");
  require(weights.tensors().size() == params_.size(), TF_ERR_MISMATCH,
          dir + ": checkpoint holds " + std::to_string(weights.tensors().size()) + " tensors, trainer has " +
              std::to_string(params_.size()));
  auto load = [&](const SafetensorsFile &f, const std::string &name, const Tensor &like, FloatBuffer &out) {
    const TensorInfo *info = f.find(name);
    require(info && info->shape == like.shape, TF_ERR_MISMATCH, f.path() + ": missing or misshapen tensor " + name);
    write_from_host(out, [&](float *dst) { f.read_f32(*info, dst); });
  };
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor *p = params_[i];
    load(weights, p->name, *p, p->data);
    load(moments, "exp_avg." + p->name, *p, m_[i]);
    load(moments, "exp_avg_sq." + p->name, *p, v_[i]);
  }
  step_ = state.at("step").get<int>();
  micro_batches_ = micro_batches_at_step_ = state.at("micro_batches").get<uint64_t>();
}

}  // namespace tf

// Node binding for the C API. Every call that touches model data runs on the
// libuv pool (Napi::AsyncWorker) and returns a Promise; inputs are copied on
// the JS thread so that JavaScript may reuse its buffers immediately. Native
// handles live in shared_ptrs so that an in-flight call, a trainer, and the
// garbage collector can never free a model under one another.
#include "addon.h"

namespace tfnode {
namespace {

// ---- models ----

Napi::Value LoadModel(const Napi::CallbackInfo &info) {
  const std::string dir = str(info[0], "dir"), backend = str(info[1], "backend");
  const int threads = info[2].As<Napi::Number>().Int32Value();
  auto box = std::make_shared<ModelBox>();
  return Task::Start(
      info.Env(),
      [=] {
        tf_load_options o{backend.c_str(), threads};
        return tf_model_load(dir.c_str(), &o, &box->model);
      },
      [=](Napi::Env env) { return wrap(env, box); });
}

Napi::Value ModelInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  auto m = unwrap<ModelBox>(info[0], "model");
  tf_model_info i{};
  if (tf_status s = tf_model_info_get(m->model, &i)) throw engine_error(env, s, tf_last_error());
  Napi::Object o = Napi::Object::New(env);
  o.Set("architecture", i.architecture);
  o.Set("vocabSize", i.vocab_size);
  o.Set("hiddenSize", i.hidden_size);
  o.Set("intermediateSize", i.intermediate_size);
  o.Set("numLayers", i.num_layers);
  o.Set("numHeads", i.num_heads);
  o.Set("numKvHeads", i.num_kv_heads);
  o.Set("headDim", i.head_dim);
  o.Set("tieWordEmbeddings", i.tie_word_embeddings != 0);
  o.Set("numParameters", (double)i.num_parameters);
  return o;
}

Napi::Value Forward(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  auto ids = ints(info[1], "inputIds");
  const bool has_pos = !info[2].IsNull() && !info[2].IsUndefined();
  auto pos = has_pos ? ints(info[2], "positionIds") : std::vector<int32_t>();
  const int batch = info[3].As<Napi::Number>().Int32Value(), seq = info[4].As<Napi::Number>().Int32Value();
  if (batch <= 0 || seq <= 0 || ids.size() != (size_t)batch * seq || (has_pos && pos.size() != ids.size()))
    throw invalid_arg(info.Env(), "inputIds and positionIds must hold batch * seq values");
  auto logits = std::make_shared<std::vector<float>>();
  return Task::Start(
      info.Env(),
      [=] {
        // Sized on the worker: a queued add_tokens may have grown the vocabulary since the call.
        tf_model_info mi{};
        if (tf_status s = tf_model_info_get(m->model, &mi)) return s;
        logits->resize((size_t)batch * seq * mi.vocab_size);
        return tf_model_forward(m->model, ids.data(), has_pos ? pos.data() : nullptr, batch, seq, logits->data());
      },
      [=](Napi::Env env) { return floats(env, logits->data(), logits->size()); });
}

// (model, tokens, offsets) -> Float32Array, through `fn`: the model as it is, or with its LoRA adapter left out.
static Napi::Value TokenLogprobsWith(const Napi::CallbackInfo &info, decltype(&tf_model_token_logprobs) fn) {
  auto m = unwrap<ModelBox>(info[0], "model");
  auto tokens = ints(info[1], "tokens"), offsets = ints(info[2], "offsets");
  if (offsets.size() < 2 || offsets[0] != 0 || (size_t)offsets.back() != tokens.size())
    throw invalid_arg(info.Env(), "offsets must start at 0 and end at the number of tokens");
  auto out = std::make_shared<std::vector<float>>(tokens.size());
  return Task::Start(
      info.Env(), [=] { return fn(m->model, tokens.data(), offsets.data(), (int)offsets.size() - 1, out->data()); },
      [=](Napi::Env env) { return floats(env, out->data(), out->size()); });
}

Napi::Value TokenLogprobs(const Napi::CallbackInfo &info) { return TokenLogprobsWith(info, tf_model_token_logprobs); }

// GRPO's reference for a LoRA run: the base model's log-probs without a second copy of it.
Napi::Value TokenLogprobsBase(const Napi::CallbackInfo &info) {
  return TokenLogprobsWith(info, tf_model_token_logprobs_base);
}

// (model, tokens, offsets) -> { logprobs: Float32Array, greedy: Uint8Array } (1 where the token is the argmax)
Napi::Value TokenScores(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  auto tokens = ints(info[1], "tokens"), offsets = ints(info[2], "offsets");
  if (offsets.size() < 2 || offsets[0] != 0 || (size_t)offsets.back() != tokens.size())
    throw invalid_arg(info.Env(), "offsets must start at 0 and end at the number of tokens");
  auto out = std::make_shared<std::vector<float>>(tokens.size());
  auto greedy = std::make_shared<std::vector<uint8_t>>(tokens.size());
  return Task::Start(
      info.Env(),
      [=] {
        return tf_model_token_scores(m->model, tokens.data(), offsets.data(), (int)offsets.size() - 1, out->data(),
                                     greedy->data());
      },
      [=](Napi::Env env) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("logprobs", floats(env, out->data(), out->size()));
        auto flags = Napi::Uint8Array::New(env, greedy->size());
        std::copy(greedy->begin(), greedy->end(), flags.Data());
        o.Set("greedy", flags);
        return o;
      });
}

Napi::Value AddTokens(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  const int n = info[1].As<Napi::Number>().Int32Value();
  return Task::Start(info.Env(), [=] { return tf_model_add_tokens(m->model, n); }, nullptr);
}

Napi::Value Generate(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  auto tokens = ints(info[1], "tokens"), offsets = ints(info[2], "offsets");
  const GenerateArgs args = generate_args(info[3].As<Napi::Object>());
  const int max_new = args.options.max_new_tokens;
  const int n = (int)offsets.size() - 1;
  if (n < 1 || offsets[0] != 0 || (size_t)offsets[n] != tokens.size())
    throw invalid_arg(info.Env(), "offsets must start at 0 and end at the number of tokens");
  struct Out {
    std::vector<int32_t> tokens, lengths, finish;
    std::vector<float> logprobs;
  };
  auto out = std::make_shared<Out>();
  out->tokens.resize((size_t)n * max_new);
  out->logprobs.resize((size_t)n * max_new);
  out->lengths.resize(n);
  out->finish.resize(n);
  return Task::Start(
      info.Env(),
      [=] {
        const tf_generate_options o = args.get();
        return tf_generate(m->model, tokens.data(), offsets.data(), n, &o, out->tokens.data(), out->logprobs.data(),
                           out->lengths.data(), out->finish.data());
      },
      [=](Napi::Env env) {
        Napi::Object r = Napi::Object::New(env);
        r.Set("tokens", int32s(env, out->tokens.data(), out->tokens.size()));
        r.Set("logprobs", floats(env, out->logprobs.data(), out->logprobs.size()));
        r.Set("lengths", int32s(env, out->lengths.data(), out->lengths.size()));
        r.Set("finish", int32s(env, out->finish.data(), out->finish.size()));
        return r;
      });
}

Napi::Value SaveMerged(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  const bool has_src = info[1].IsString();
  const std::string src = has_src ? str(info[1], "sourceDir") : "", out = str(info[2], "outDir");
  const bool has_dtype = info[3].IsString();
  const std::string dtype = has_dtype ? str(info[3], "dtype") : "";
  return Task::Start(
      info.Env(),
      [=] {
        return tf_model_save_merged(m->model, has_src ? src.c_str() : nullptr, out.c_str(),
                                    has_dtype ? dtype.c_str() : nullptr);
      },
      nullptr);
}

Napi::Value SaveAdapter(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  const std::string base = str(info[1], "baseModelName"), out = str(info[3], "outDir");
  const bool has_tokenizer = info[2].IsString();
  const std::string tokenizer = has_tokenizer ? str(info[2], "tokenizerDir") : "";
  return Task::Start(
      info.Env(),
      [=] {
        return tf_model_save_adapter(m->model, base.c_str(), has_tokenizer ? tokenizer.c_str() : nullptr, out.c_str());
      },
      nullptr);
}

Napi::Value LoadPeftAdapter(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  const std::string dir = str(info[1], "adapterDir");
  return Task::Start(info.Env(), [=] { return tf_model_load_adapter(m->model, dir.c_str()); }, nullptr);
}

Napi::Value MergeAdapter(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  return Task::Start(info.Env(), [=] { return tf_model_merge_adapter(m->model); }, nullptr);
}

Napi::Value FreeModel(const Napi::CallbackInfo &info) {
  release<ModelBox>(info[0]);
  return info.Env().Undefined();
}

// ---- training ----

Napi::Value CreateTrainer(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  Napi::Object o = info[1].As<Napi::Object>();
  tf_train_config c{};
  c.mode = (int)num(o, "mode");
  c.lora_rank = (int)num(o, "loraRank");
  c.lora_alpha = (float)num(o, "loraAlpha");
  c.lora_dropout = (float)num(o, "loraDropout");
  c.lora_targets = (int)num(o, "loraTargets");
  c.lr = (float)num(o, "lr");
  c.beta1 = (float)num(o, "beta1");
  c.beta2 = (float)num(o, "beta2");
  c.eps = (float)num(o, "eps");
  c.weight_decay = (float)num(o, "weightDecay");
  c.max_grad_norm = (float)num(o, "maxGradNorm");
  c.schedule = (int)num(o, "schedule");
  c.warmup_steps = (int)num(o, "warmupSteps");
  c.total_steps = (int)num(o, "totalSteps");
  c.seed = (uint64_t)num(o, "seed");
  c.recompute = (int)num(o, "recompute");
  auto box = std::make_shared<TrainerBox>();
  box->model = m;
  return Task::Start(
      info.Env(), [=] { return tf_trainer_create(m->model, &c, &box->trainer); },
      [=](Napi::Env env) { return wrap(env, box); });
}

Napi::Value Accumulate(const Napi::CallbackInfo &info) {
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  auto ids = ints(info[1], "inputIds"), labels = ints(info[2], "labels");
  const bool has_pos = !info[3].IsNull() && !info[3].IsUndefined();
  auto pos = has_pos ? ints(info[3], "positionIds") : std::vector<int32_t>();
  const int batch = info[4].As<Napi::Number>().Int32Value(), seq = info[5].As<Napi::Number>().Int32Value();
  if (batch <= 0 || seq <= 0 || ids.size() != (size_t)batch * seq || labels.size() != ids.size() ||
      (has_pos && pos.size() != ids.size()))
    throw invalid_arg(info.Env(), "inputIds, labels and positionIds must hold batch * seq values");
  auto loss = std::make_shared<float>(0.0f);
  return Task::Start(
      info.Env(),
      [=] {
        return tf_trainer_accumulate(t->trainer, ids.data(), labels.data(), has_pos ? pos.data() : nullptr, batch,
                                     seq, loss.get());
      },
      [=](Napi::Env env) { return Napi::Number::New(env, *loss); });
}

// accumulateWeighted(trainer, ids, labels, weights: Float32Array, pos | null, batch, seq, units)
//   -> { loss, tokenLogprobs: Float32Array [batch * seq] }
Napi::Value AccumulateWeighted(const Napi::CallbackInfo &info) {
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  auto ids = ints(info[1], "inputIds"), labels = ints(info[2], "labels");
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw invalid_arg(info.Env(), "weights must be a Float32Array");
  auto wa = info[3].As<Napi::Float32Array>();
  std::vector<float> weights(wa.Data(), wa.Data() + wa.ElementLength());
  const bool has_pos = !info[4].IsNull() && !info[4].IsUndefined();
  auto pos = has_pos ? ints(info[4], "positionIds") : std::vector<int32_t>();
  const int batch = info[5].As<Napi::Number>().Int32Value(), seq = info[6].As<Napi::Number>().Int32Value();
  const double units = info[7].As<Napi::Number>().DoubleValue();
  if (batch <= 0 || seq <= 0 || ids.size() != (size_t)batch * seq || labels.size() != ids.size() ||
      weights.size() != ids.size() || (has_pos && pos.size() != ids.size()))
    throw invalid_arg(info.Env(), "inputIds, labels, weights and positionIds must hold batch * seq values");
  auto loss = std::make_shared<float>(0.0f);
  auto logprobs = std::make_shared<std::vector<float>>(ids.size());
  return Task::Start(
      info.Env(),
      [=] {
        return tf_trainer_accumulate_weighted(t->trainer, ids.data(), labels.data(), weights.data(),
                                              has_pos ? pos.data() : nullptr, batch, seq, units, loss.get(),
                                              logprobs->data());
      },
      [=](Napi::Env env) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("loss", *loss);
        o.Set("tokenLogprobs", floats(env, logprobs->data(), logprobs->size()));
        return o;
      });
}

Napi::Value Step(const Napi::CallbackInfo &info) {
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  auto r = std::make_shared<tf_step_result>();
  return Task::Start(
      info.Env(), [=] { return tf_trainer_step(t->trainer, r.get()); },
      [=](Napi::Env env) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("step", r->step);
        o.Set("lr", r->lr);
        o.Set("gradNorm", r->grad_norm);
        o.Set("loss", r->loss);
        o.Set("tokens", (double)r->tokens);
        o.Set("correctTokens", (double)r->correct_tokens);
        return o;
      });
}

Napi::Value Discard(const Napi::CallbackInfo &info) {
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  return Task::Start(info.Env(), [=] { return tf_trainer_discard(t->trainer); }, nullptr);
}

Napi::Value ParamNames(const Napi::CallbackInfo &info) {
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  const int n = tf_trainer_num_params(t->trainer);
  Napi::Array a = Napi::Array::New(info.Env(), n);
  for (int i = 0; i < n; ++i) a.Set(i, tf_trainer_param_name(t->trainer, i));
  return a;
}

Napi::Value StepCount(const Napi::CallbackInfo &info) {
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  return Napi::Number::New(info.Env(), tf_trainer_step_count(t->trainer));
}

// Synchronous: a copy of one small buffer, used by tests and diagnostics.
Napi::Value Grad(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  const std::string name = str(info[1], "name");
  int64_t n = 0;
  if (tf_status s = tf_trainer_grad(t->trainer, name.c_str(), nullptr, 0, &n)) throw engine_error(env, s, tf_last_error());
  auto a = Napi::Float32Array::New(env, (size_t)n);
  if (tf_status s = tf_trainer_grad(t->trainer, name.c_str(), a.Data(), n, &n)) throw engine_error(env, s, tf_last_error());
  return a;
}

Napi::Value LoadAdapter(const Napi::CallbackInfo &info) {
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  const std::string path = str(info[1], "path"), prefix = str(info[2], "prefix");
  return Task::Start(info.Env(), [=] { return tf_trainer_load_adapter(t->trainer, path.c_str(), prefix.c_str()); },
                     nullptr);
}

Napi::Value SaveCheckpoint(const Napi::CallbackInfo &info) {
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  const std::string dir = str(info[1], "dir");
  return Task::Start(info.Env(), [=] { return tf_trainer_save(t->trainer, dir.c_str()); }, nullptr);
}

Napi::Value ResumeCheckpoint(const Napi::CallbackInfo &info) {
  auto t = unwrap<TrainerBox>(info[0], "trainer");
  const std::string dir = str(info[1], "dir");
  return Task::Start(info.Env(), [=] { return tf_trainer_resume(t->trainer, dir.c_str()); }, nullptr);
}

Napi::Value FreeTrainer(const Napi::CallbackInfo &info) {
  release<TrainerBox>(info[0]);
  return info.Env().Undefined();
}

// ---- memory (synchronous: counters and a limit, no engine work) ----

// setMemoryLimit(backend, bytes): 0 takes the limit off.
Napi::Value SetMemoryLimit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const std::string backend = str(info[0], "backend");
  if (!info[1].IsNumber()) throw invalid_arg(env, "bytes must be a number");
  const double bytes = info[1].As<Napi::Number>().DoubleValue();
  if (!(bytes >= 0) || bytes > 9.0e15 || bytes != (double)(int64_t)bytes)
    throw invalid_arg(env, "bytes must be 0 (no limit) or a positive whole number of bytes");
  if (tf_status s = tf_backend_set_memory_limit(backend.c_str(), (int64_t)bytes)) throw engine_error(env, s, tf_last_error());
  return env.Undefined();
}

// memoryStats(backend, resetPeak) -> { inUse, peak } (the peak before a reset)
Napi::Value MemoryStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const std::string backend = str(info[0], "backend");
  tf_memory_stats m{};
  if (tf_status s = tf_backend_memory_stats(backend.c_str(), &m)) throw engine_error(env, s, tf_last_error());
  if (info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value())
    if (tf_status s = tf_backend_reset_memory_peak(backend.c_str())) throw engine_error(env, s, tf_last_error());
  Napi::Object o = Napi::Object::New(env);
  o.Set("inUse", (double)m.in_use);
  o.Set("peak", (double)m.peak);
  return o;
}

// ---- utilities ----

Napi::Value ReadSafetensors(const Napi::CallbackInfo &info) {
  const std::string path = str(info[0], "path");
  struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> data;
  };
  auto entries = std::make_shared<std::vector<Entry>>();
  return Task::Start(
      info.Env(),
      [=] {
        return tf_safetensors_read(
            path.c_str(),
            [](void *user, const char *name, const int64_t *shape, int ndim, const float *data, int64_t numel) {
              static_cast<std::vector<Entry> *>(user)->push_back(
                  {name, std::vector<int64_t>(shape, shape + ndim), std::vector<float>(data, data + numel)});
            },
            entries.get());
      },
      [=](Napi::Env env) {
        Napi::Object out = Napi::Object::New(env);
        for (const auto &e : *entries) {
          Napi::Object t = Napi::Object::New(env);
          Napi::Array shape = Napi::Array::New(env, e.shape.size());
          for (size_t i = 0; i < e.shape.size(); ++i) shape.Set(i, (double)e.shape[i]);
          t.Set("shape", shape);
          t.Set("data", floats(env, e.data.data(), e.data.size()));
          out.Set(e.name, t);
        }
        return out;
      });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("loadModel", Napi::Function::New(env, LoadModel));
  exports.Set("modelInfo", Napi::Function::New(env, ModelInfo));
  exports.Set("forward", Napi::Function::New(env, Forward));
  exports.Set("tokenLogprobs", Napi::Function::New(env, TokenLogprobs));
  exports.Set("tokenScores", Napi::Function::New(env, TokenScores));
  exports.Set("tokenLogprobsBase", Napi::Function::New(env, TokenLogprobsBase));
  exports.Set("addTokens", Napi::Function::New(env, AddTokens));
  exports.Set("generate", Napi::Function::New(env, Generate));
  exports.Set("saveMerged", Napi::Function::New(env, SaveMerged));
  exports.Set("saveAdapter", Napi::Function::New(env, SaveAdapter));
  exports.Set("mergeAdapter", Napi::Function::New(env, MergeAdapter));
  exports.Set("loadPeftAdapter", Napi::Function::New(env, LoadPeftAdapter));
  exports.Set("freeModel", Napi::Function::New(env, FreeModel));
  exports.Set("createTrainer", Napi::Function::New(env, CreateTrainer));
  exports.Set("accumulate", Napi::Function::New(env, Accumulate));
  exports.Set("accumulateWeighted", Napi::Function::New(env, AccumulateWeighted));
  exports.Set("step", Napi::Function::New(env, Step));
  exports.Set("discard", Napi::Function::New(env, Discard));
  exports.Set("setMemoryLimit", Napi::Function::New(env, SetMemoryLimit));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats));
  exports.Set("paramNames", Napi::Function::New(env, ParamNames));
  exports.Set("stepCount", Napi::Function::New(env, StepCount));
  exports.Set("grad", Napi::Function::New(env, Grad));
  exports.Set("loadAdapter", Napi::Function::New(env, LoadAdapter));
  exports.Set("saveCheckpoint", Napi::Function::New(env, SaveCheckpoint));
  exports.Set("resumeCheckpoint", Napi::Function::New(env, ResumeCheckpoint));
  exports.Set("freeTrainer", Napi::Function::New(env, FreeTrainer));
  exports.Set("readSafetensors", Napi::Function::New(env, ReadSafetensors));
  init_session(env, exports);
  return exports;
}

}  // namespace
}  // namespace tfnode

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tfnode::Init(env, exports); }

NODE_API_MODULE(tuneforge, InitModule)

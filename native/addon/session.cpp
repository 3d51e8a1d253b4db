// Decode sessions for Node: adding a sequence (with its prefill) and each step run on the libuv pool and
// settle Promises, as every other engine call does. A session keeps its model alive; in-flight calls keep
// their session alive, so disposing of either from JavaScript never frees memory under a running step.
#include <algorithm>

#include "addon.h"
#include "tuneforge_lora_slots.h"

namespace tfnode {
namespace {

struct SessionBox {
  tf_session *session = nullptr;
  ModelRef model;
  int max_sequences = 0;
  ~SessionBox() { tf_session_free(session); }
};

int int_arg(const Napi::Value &v, const char *what) {
  if (!v.IsNumber()) throw invalid_arg(v.Env(), std::string(what) + " must be a number");
  return v.As<Napi::Number>().Int32Value();
}

Napi::Value CreateSession(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  const tf_session_options o{int_arg(info[1], "maxSequences"), int_arg(info[2], "maxContext")};
  auto box = std::make_shared<SessionBox>();
  box->model = m;
  box->max_sequences = o.max_sequences;
  return Task::Start(
      info.Env(), [=] { return tf_session_create(m->model, &o, &box->session); },
      [=](Napi::Env env) { return wrap(env, box); });
}

Napi::Value SessionAdd(const Napi::CallbackInfo &info) {
  auto s = unwrap<SessionBox>(info[0], "session");
  auto prompt = ints(info[1], "prompt");
  Napi::Object o = info[2].As<Napi::Object>();
  const GenerateArgs args = generate_args(o);
  const int top = (int)num(o, "topLogprobs");
  const int32_t slot = o.Has("slot") ? (int32_t)num(o, "slot") : 0;
  auto id = std::make_shared<int32_t>(-1);
  return Task::Start(
      info.Env(),
      [=] {
        const tf_sequence_options so{args.get(), top};
        return tf_session_add_slot(s->session, prompt.data(), (int)prompt.size(), &so, slot, id.get());
      },
      [=](Napi::Env env) { return Napi::Number::New(env, *id); });
}

Napi::Object step_object(Napi::Env env, const tf_step_output &o) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("id", o.id);
  r.Set("token", o.token);
  r.Set("logprob", o.logprob);
  r.Set("finish", o.finish);
  r.Set("held", o.held);
  Napi::Array top = Napi::Array::New(env, o.n_top);
  for (int k = 0; k < o.n_top; ++k) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("token", o.top[k].token);
    t.Set("logprob", o.top[k].logprob);
    top.Set(k, t);
  }
  r.Set("top", top);
  return r;
}

Napi::Value SessionStep(const Napi::CallbackInfo &info) {
  auto s = unwrap<SessionBox>(info[0], "session");
  struct Out {
    std::vector<tf_step_output> steps;
    int n = 0;
  };
  auto out = std::make_shared<Out>();
  return Task::Start(
      info.Env(),
      [=] {
        out->steps.resize(s->max_sequences);
        return tf_session_step(s->session, out->steps.data(), s->max_sequences, &out->n);
      },
      [=](Napi::Env env) {
        Napi::Array a = Napi::Array::New(env, out->n);
        for (int i = 0; i < out->n; ++i) a.Set(i, step_object(env, out->steps[i]));
        return a;
      });
}

Napi::Value SessionRemove(const Napi::CallbackInfo &info) {
  auto s = unwrap<SessionBox>(info[0], "session");
  const int32_t id = int_arg(info[1], "id");
  auto removed = std::make_shared<int>(0);
  return Task::Start(
      info.Env(), [=] { return tf_session_remove(s->session, id, removed.get()); },
      [=](Napi::Env env) { return Napi::Boolean::New(env, *removed != 0); });
}

// Multi-LoRA: loads a saved PEFT adapter into a new slot of the model; resolves to {slot, bytes}.
Napi::Value AddLoraSlot(const Napi::CallbackInfo &info) {
  auto m = unwrap<ModelBox>(info[0], "model");
  const std::string dir = str(info[1], "adapterDir");
  struct Out {
    int32_t slot = 0;
    int64_t bytes = 0;
  };
  auto out = std::make_shared<Out>();
  return Task::Start(
      info.Env(),
      [=] {
        const tf_status st = tf_model_add_lora_slot(m->model, dir.c_str(), &out->slot);
        return st != TF_OK ? st : tf_model_lora_slot_bytes(m->model, out->slot, &out->bytes);
      },
      [=](Napi::Env env) {
        Napi::Object r = Napi::Object::New(env);
        r.Set("slot", out->slot);
        r.Set("bytes", Napi::Number::New(env, (double)out->bytes));
        return r;
      });
}

Napi::Value FreeSession(const Napi::CallbackInfo &info) {
  release<SessionBox>(info[0]);
  return info.Env().Undefined();
}

}  // namespace

void init_session(Napi::Env env, Napi::Object exports) {
  exports.Set("createSession", Napi::Function::New(env, CreateSession));
  exports.Set("sessionAdd", Napi::Function::New(env, SessionAdd));
  exports.Set("sessionStep", Napi::Function::New(env, SessionStep));
  exports.Set("sessionRemove", Napi::Function::New(env, SessionRemove));
  exports.Set("freeSession", Napi::Function::New(env, FreeSession));
  exports.Set("addLoraSlot", Napi::Function::New(env, AddLoraSlot));
}

}  // namespace tfnode

// Shared by the binding's files: native handles in shared_ptrs, the AsyncWorker that runs engine calls off
// the JavaScript thread and settles a Promise, and argument helpers that throw INVALID_ARGUMENT errors.
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tuneforge.h"

namespace tfnode {

struct ModelBox {
  tf_model *model = nullptr;
  ~ModelBox() { tf_model_free(model); }
};

struct TrainerBox {
  tf_trainer *trainer = nullptr;
  std::shared_ptr<ModelBox> model;  // trainers keep their model alive
  ~TrainerBox() { tf_trainer_free(trainer); }
};

using ModelRef = std::shared_ptr<ModelBox>;
using TrainerRef = std::shared_ptr<TrainerBox>;

inline Napi::Error engine_error(Napi::Env env, tf_status status, const std::string &message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, tf_status_name(status)));
  return e;
}

// Argument errors found by the binding carry the engine's INVALID_ARGUMENT code.
inline Napi::Error invalid_arg(Napi::Env env, const std::string &message) {
  return engine_error(env, TF_ERR_INVALID_ARGUMENT, message);
}

class Task : public Napi::AsyncWorker {
 public:
  using Run = std::function<tf_status()>;
  using Resolve = std::function<Napi::Value(Napi::Env)>;

  static Napi::Promise Start(Napi::Env env, Run run, Resolve resolve) {
    auto *task = new Task(env, std::move(run), std::move(resolve));
    Napi::Promise promise = task->deferred_.Promise();
    task->Queue();
    return promise;
  }

 private:
  Task(Napi::Env env, Run run, Resolve resolve)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), run_(std::move(run)),
        resolve_(std::move(resolve)) {}

  void Execute() override {
    status_ = run_();
    if (status_ != TF_OK) message_ = tf_last_error();
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (status_ != TF_OK) {
      deferred_.Reject(engine_error(env, status_, message_).Value());
      return;
    }
    try {
      deferred_.Resolve(resolve_ ? resolve_(env) : env.Undefined());
    } catch (const Napi::Error &e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

  Napi::Promise::Deferred deferred_;
  Run run_;
  Resolve resolve_;
  tf_status status_ = TF_OK;
  std::string message_;
};

// ---- argument helpers ----

template <class T>
std::shared_ptr<T> unwrap(const Napi::Value &v, const char *what) {
  if (!v.IsExternal()) throw invalid_arg(v.Env(), std::string(what) + " handle expected");
  auto *ref = v.As<Napi::External<std::shared_ptr<T>>>().Data();
  if (!ref || !*ref) throw Napi::Error::New(v.Env(), std::string(what) + " has been disposed");
  return *ref;
}

template <class T>
Napi::External<std::shared_ptr<T>> wrap(Napi::Env env, std::shared_ptr<T> p) {
  return Napi::External<std::shared_ptr<T>>::New(env, new std::shared_ptr<T>(std::move(p)),
                                                 [](Napi::Env, std::shared_ptr<T> *ref) { delete ref; });
}

// Disposal drops the handle's reference; in-flight calls hold their own.
template <class T>
void release(const Napi::Value &v) {
  if (v.IsExternal()) v.As<Napi::External<std::shared_ptr<T>>>().Data()->reset();
}

inline std::vector<int32_t> ints(const Napi::Value &v, const char *what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw invalid_arg(v.Env(), std::string(what) + " must be an Int32Array");
  auto a = v.As<Napi::Int32Array>();
  return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}

inline std::string str(const Napi::Value &v, const char *what) {
  if (!v.IsString()) throw invalid_arg(v.Env(), std::string(what) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

inline double num(const Napi::Object &o, const char *key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw invalid_arg(o.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline Napi::Float32Array floats(Napi::Env env, const float *data, size_t n) {
  auto a = Napi::Float32Array::New(env, n);
  std::copy(data, data + n, a.Data());
  return a;
}

inline Napi::Int32Array int32s(Napi::Env env, const int32_t *data, size_t n) {
  auto a = Napi::Int32Array::New(env, n);
  std::copy(data, data + n, a.Data());
  return a;
}

// tf_generate_options from the object libs/engine's resolveGenerateOptions builds; the stop arrays
// live here, so the options are valid while this lives (on the worker, as a copy captured by value).
struct GenerateArgs {
  tf_generate_options options{};
  std::vector<int32_t> stop_tokens, stop_offsets;

  tf_generate_options get() const {
    tf_generate_options o = options;
    o.stop_tokens = stop_tokens.data();
    o.stop_offsets = stop_offsets.data();
    return o;
  }
};

inline GenerateArgs generate_args(const Napi::Object &o) {
  GenerateArgs a;
  a.stop_tokens = ints(o.Get("stopTokens"), "stopTokens");
  a.stop_offsets = ints(o.Get("stopOffsets"), "stopOffsets");
  if (!a.stop_offsets.empty() &&
      (a.stop_offsets[0] != 0 || (size_t)a.stop_offsets.back() != a.stop_tokens.size()))
    throw invalid_arg(o.Env(), "stopOffsets must start at 0 and end at the number of stop tokens");
  a.options.max_new_tokens = (int)num(o, "maxNewTokens");
  a.options.temperature = (float)num(o, "temperature");
  a.options.top_k = (int)num(o, "topK");
  a.options.top_p = (float)num(o, "topP");
  a.options.seed = (uint64_t)num(o, "seed");
  a.options.n_stop = a.stop_offsets.empty() ? 0 : (int)a.stop_offsets.size() - 1;
  return a;
}

// Registers the decode-session functions (session.cpp).
void init_session(Napi::Env env, Napi::Object exports);

}  // namespace tfnode

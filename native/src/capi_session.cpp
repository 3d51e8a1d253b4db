// The C boundary of decode sessions (tf_session_*): validation, the model's busy lock, and copying
// each step's choices into tf_step_output.
#include <algorithm>
#include <cstring>

#include "capi_boundary.h"
#include "lora_slots.h"
#include "session.h"
#include "tuneforge_lora_slots.h"

struct tf_session {
  tf_model *model;
  std::unique_ptr<tf::Session> impl;
};

using tf::capi::Busy;
using tf::capi::guard;
using tf::capi::need;

extern "C" {

tf_status tf_session_create(tf_model *model, const tf_session_options *options, tf_session **out) {
  return guard([&] {
    need(model, "model");
    need(options, "options");
    need(out, "out");
    *out = nullptr;
    Busy busy(*model->impl);
    auto s = std::make_unique<tf_session>();
    s->model = model;
    s->impl = std::make_unique<tf::Session>(*model->impl, options->max_sequences, options->max_context);
    *out = s.release();
  });
}

void tf_session_free(tf_session *session) { delete session; }

tf_status tf_session_add(tf_session *session, const int32_t *prompt, int n_prompt, const tf_sequence_options *options,
                         int32_t *out_id) {
  return tf_session_add_slot(session, prompt, n_prompt, options, 0, out_id);
}

tf_status tf_model_add_lora_slot(tf_model *model, const char *adapter_dir, int32_t *slot_out) {
  return guard([&] {
    need(model, "model");
    need(adapter_dir, "adapter_dir");
    need(slot_out, "slot_out");
    Busy busy(*model->impl);
    *slot_out = tf::add_lora_slot(*model->impl, adapter_dir);
  });
}

tf_status tf_model_lora_slot_bytes(tf_model *model, int32_t slot, int64_t *bytes_out) {
  return guard([&] {
    need(model, "model");
    need(bytes_out, "bytes_out");
    Busy busy(*model->impl);
    const auto &slots = model->impl->lora_slots;
    tf::require(slot >= 1 && slot <= (int32_t)slots.size(), TF_ERR_INVALID_ARGUMENT,
                "LoRA slot " + std::to_string(slot) + " does not exist");
    *bytes_out = slots[slot - 1]->bytes();
  });
}

tf_status tf_session_add_slot(tf_session *session, const int32_t *prompt, int n_prompt,
                              const tf_sequence_options *options, int32_t slot, int32_t *out_id) {
  return guard([&] {
    need(session, "session");
    need(prompt, "prompt");
    need(options, "options");
    need(out_id, "out_id");
    tf::require(n_prompt > 0, TF_ERR_INVALID_ARGUMENT, "prompts must not be empty");
    Busy busy(*session->model->impl);
    tf::SequenceOptions o =
        tf::SequenceOptions::from(options->generate, options->top_logprobs, session->model->impl->config.vocab_size);
    o.slot = slot;
    *out_id = session->impl->add(std::vector<int32_t>(prompt, prompt + n_prompt), std::move(o));
  });
}

tf_status tf_session_step(tf_session *session, tf_step_output *out, int capacity, int *n_out) {
  return guard([&] {
    need(session, "session");
    need(n_out, "n_out");
    *n_out = 0;
    Busy busy(*session->model->impl);
    const int active = session->impl->active();
    tf::require(out != nullptr || active == 0, TF_ERR_INVALID_ARGUMENT, "out must not be null");
    tf::require(capacity >= active, TF_ERR_INVALID_ARGUMENT,
                "out has room for " + std::to_string(capacity) + " results; " + std::to_string(active) +
                    " sequences are active");
    const std::vector<tf::StepOutput> steps = session->impl->step();
    for (size_t i = 0; i < steps.size(); ++i) {
      const tf::TokenChoice &c = steps[i].choice;
      tf_step_output &o = out[i];
      std::memset(&o, 0, sizeof(o));
      o.id = steps[i].id;
      o.token = c.token;
      o.logprob = c.logprob;
      o.finish = c.finish;
      o.held = c.held;
      o.n_top = (int32_t)std::min<size_t>(c.top.size(), TF_MAX_TOP_LOGPROBS);
      for (int k = 0; k < o.n_top; ++k) o.top[k] = {c.top[k].token, c.top[k].logprob};
    }
    *n_out = (int)steps.size();
  });
}

tf_status tf_session_remove(tf_session *session, int32_t id, int *removed_out) {
  return guard([&] {
    need(session, "session");
    if (removed_out) *removed_out = 0;
    Busy busy(*session->model->impl);
    const bool removed = session->impl->remove(id);
    if (removed_out) *removed_out = removed ? 1 : 0;
  });
}

}  // extern "C"

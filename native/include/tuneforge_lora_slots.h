/*
 * Tuneforge native engine: multi-LoRA serving (C API, beside tuneforge.h).
 *
 * A model can hold saved PEFT LoRA adapters in "slots" beside its unmerged base weights. A sequence added to
 * a decode session with tf_session_add_slot decodes with its slot's adapter: each targeted projection adds
 * (alpha / r) * x A^T B^T for that sequence's rows only (rows grouped by slot, two GEMMs per group), in the
 * prefill and in every batched step. Sequences of different slots (and of the base, slot 0) batch together.
 * The results equal the merged model's up to float rounding (W x + s B A x instead of (W + s B A) x).
 */
#ifndef TUNEFORGE_LORA_SLOTS_H
#define TUNEFORGE_LORA_SLOTS_H

#include "tuneforge.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads a saved PEFT LoRA adapter (validated as tf_model_load_adapter does) into a new slot; *slot_out is
 * 1 for the first, 2, ... Adapters with modules_to_save (grown vocabularies) are refused
 * (TF_ERR_UNSUPPORTED): serve those merged. Refused (TF_ERR_STATE) while the model has its own adapter or a
 * trainer. Slots live as long as the model. */
tf_status tf_model_add_lora_slot(tf_model *model, const char *adapter_dir, int32_t *slot_out);
/* The slot's resident adapter bytes (its A and B tensors, f32). */
tf_status tf_model_lora_slot_bytes(tf_model *model, int32_t slot, int64_t *bytes_out);
/* tf_session_add with the sequence decoding through the given slot (0: the base alone). */
tf_status tf_session_add_slot(tf_session *session, const int32_t *prompt, int n_prompt,
                              const tf_sequence_options *options, int32_t slot, int32_t *out_id);

#ifdef __cplusplus
}
#endif

#endif

#include "generate.h"

#include <algorithm>

#include "error.h"
#include "rng.h"
#include "sampling.h"
#include "session.h"
#include "transformer.h"

namespace tf {

std::vector<Generation> generate(Model &model, const std::vector<std::vector<int32_t>> &prompts,
                                 const tf_generate_options &o) {
  const int n = (int)prompts.size();
  const SequenceOptions options = SequenceOptions::from(o, 0, model.config.vocab_size);
  int context = 0;
  for (const auto &p : prompts) {
    require(!p.empty(), TF_ERR_INVALID_ARGUMENT, "prompts must not be empty");
    context = std::max(context, (int)p.size() + o.max_new_tokens);
  }
  // One random stream for the whole batch, drawn in row order: the same draws as before sessions existed.
  Rng rng(o.seed);
  Session session(model, n, context, &rng);
  std::vector<Generation> out(n);
  for (int i = 0; i < n; ++i) require(session.add(prompts[i], options) == i, TF_ERR_INTERNAL, "unexpected sequence id");
  while (session.active() > 0) {
    for (const StepOutput &s : session.step()) {
      Generation &g = out[s.id];
      g.tokens.push_back(s.choice.token);
      g.logprobs.push_back(s.choice.logprob);
      if (s.choice.finish == TF_FINISH_NONE) continue;
      // A matched stop sequence is held back from the completion; at the length limit nothing is.
      g.tokens.resize(g.tokens.size() - s.choice.held);
      g.logprobs.resize(g.logprobs.size() - s.choice.held);
      g.finish = s.choice.finish;
    }
  }
  return out;
}

std::vector<float> token_logprobs(Model &model, const std::vector<int32_t> &seq, std::vector<uint8_t> *greedy) {
  const int T = (int)seq.size(), V = model.config.vocab_size;
  std::vector<float> out(T, 0.0f);
  if (greedy) greedy->assign(T, 0);
  if (T < 2) return out;
  const Ops &ops = *model.ops;
  Pass pass;
  prepare_pass(model, pass, seq.data(), nullptr, 1, T);
  forward(model, pass);
  // Row t - 1 of the logits scores token t: the op computes each row's log-prob and greedy flag on the device,
  // and only those T - 1 numbers come back.
  const IntBuffer targets = IntBuffer::from_host(ops, seq.data() + 1, T - 1);
  FloatBuffer logprob(ops, T - 1);
  Buffer<uint8_t> is_greedy(ops, T - 1);
  ops.target_logprobs(pass.logits.data(), targets.data(), T - 1, V, logprob.data(), is_greedy.data());
  logprob.download(out.data() + 1, T - 1);
  if (greedy) is_greedy.download(greedy->data() + 1, T - 1);
  return out;
}

}  // namespace tf

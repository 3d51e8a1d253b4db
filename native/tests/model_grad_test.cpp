// Whole-model gradients by finite differences: the composition of kernels,
// LoRA with dropout, biases (Qwen2), per-head q/k norms (Qwen3), tied embeddings,
// packed samples and recomputation — paths the PyTorch goldens do not all cover.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "model.h"
#include "transformer.h"

namespace {

const std::string kQwen = std::string(TF_REPO_ROOT) + "/tools/tiny-model/models/tiny-qwen2";
const std::string kQwen3 = std::string(TF_REPO_ROOT) + "/tools/tiny-model/models/tiny-qwen3";

struct Fixture {
  std::unique_ptr<tf::Model> model;
  tf::Pass pass;
  tf::IntBuffer targets;  // the CPU backend's memory, which the test reads and writes directly (host_view)

  explicit Fixture(bool recompute, const std::string &dir = kQwen) {
    model = tf::Model::load(dir, "cpu", 1);
    model->attach_lora({4, 8.0f, 0.3f, 0x7f}, 11);
    for (auto &pair : model->lora_pairs)  // non-zero B so that A's gradient is not trivially zero
      for (size_t i = 0; i < pair->b.data.size(); ++i) pair->b.data.host_view()[i] = 0.05f * std::sin(1.0f + i);
    const int B = 2, T = 10, V = model->config.vocab_size;
    std::vector<int32_t> ids, pos, labels;
    for (int i = 0; i < B * T; ++i) {
      ids.push_back((i * 37 + 3) % V);
      pos.push_back(i >= 14 ? i - 14 : i % T);
      labels.push_back(i % T == T - 1 || i % 4 == 0 ? -100 : (i * 53 + 1) % V);
    }
    targets = tf::IntBuffer::from_host(*model->ops, labels.data(), labels.size());
    tf::prepare_pass(*model, pass, ids.data(), pos.data(), B, T);
    pass.training = true;
    pass.recompute = recompute;
    pass.dropout_seed = 1234;  // fixed mask for every evaluation
  }

  double loss() {
    tf::forward(*model, pass);
    return model->ops->cross_entropy(pass.logits.data(), targets.data(), pass.tokens(), model->config.vocab_size,
                                     nullptr, 1.0f, nullptr);
  }

  void gradients() {
    tf::forward(*model, pass);
    model->ops->cross_entropy(pass.logits.data(), targets.data(), pass.tokens(), model->config.vocab_size,
                              pass.logits.data(), 1.0f, nullptr);
    tf::backward(*model, pass, pass.logits.data());
  }
};

void check(Fixture &f, tf::Tensor &t, int samples) {
  std::mt19937 gen(5);
  double max_abs = 1e-8;
  float *data = t.data.host_view();
  const float *grad = t.grad.host_view();
  for (size_t i = 0; i < t.grad.size(); ++i) max_abs = std::max(max_abs, (double)std::fabs(grad[i]));
  for (int s = 0; s < samples; ++s) {
    const size_t i = gen() % t.data.size();
    const float saved = data[i];
    const float h = 2e-2f;
    data[i] = saved + h;
    const double up = f.loss();
    data[i] = saved - h;
    const double down = f.loss();
    data[i] = saved;
    ASSERT_NEAR(grad[i], (up - down) / (2 * h), 3e-2 * max_abs) << t.name << "[" << i << "]";
  }
}

class ModelGradient : public ::testing::TestWithParam<bool> {};

TEST_P(ModelGradient, LoraWithDropoutAndBaseWeightsMatchFiniteDifferences) {
  Fixture f(GetParam());
  std::vector<tf::Tensor *> checked = f.model->lora_tensors();
  tf::Layer &L1 = f.model->layers[1];
  for (tf::Tensor *t : {L1.bias[tf::kQ], L1.weight[tf::kK], L1.input_norm, f.model->final_norm, f.model->embed})
    checked.push_back(t);
  for (tf::Tensor *t : checked) t->grad = tf::FloatBuffer::zeros(*t->data.ops(), t->data.size());
  f.gradients();
  for (tf::Tensor *t : checked) check(f, *t, 6);
}

// Qwen3: head_dim 32 on a 64-wide model, q/k RMS-normalized per head before RoPE. The norm weights start
// away from 1 (the checkpoint's value) so that a weight applied to the wrong head or element shows.
TEST_P(ModelGradient, Qwen3QkNormsAndProjectionsMatchFiniteDifferences) {
  Fixture f(GetParam(), kQwen3);
  ASSERT_TRUE(f.model->config.qk_norm);
  ASSERT_NE(f.model->config.head_dim * f.model->config.num_heads, f.model->config.hidden_size);
  std::vector<tf::Tensor *> checked;
  float phase = 0.0f;  // a different pattern for each of the four norms
  for (auto &L : f.model->layers) {
    ASSERT_TRUE(L.q_norm && L.k_norm);
    for (tf::Tensor *t : {L.q_norm, L.k_norm}) {
      for (size_t i = 0; i < t->data.size(); ++i) t->data.host_view()[i] = 1.0f + 0.4f * std::sin(0.7f * i + phase);
      phase += 1.3f;
      checked.push_back(t);
    }
  }
  tf::Layer &L0 = f.model->layers[0];
  for (int p : {tf::kQ, tf::kK}) {
    checked.push_back(L0.weight[p]);
    checked.push_back(&L0.lora[p]->a);
    checked.push_back(&L0.lora[p]->b);
  }
  checked.push_back(L0.weight[tf::kO]);
  checked.push_back(f.model->embed);
  for (tf::Tensor *t : checked) t->grad = tf::FloatBuffer::zeros(*t->data.ops(), t->data.size());
  f.gradients();
  for (tf::Tensor *t : checked) check(f, *t, 6);
}

INSTANTIATE_TEST_SUITE_P(Recompute, ModelGradient, ::testing::Values(false, true));

TEST(ChunkedHead, EqualsTheFullLogitsPath) {
  Fixture full(false), chunked(false);
  // Same seed, same dropout masks: the two paths differ only in how the head is evaluated.
  std::vector<tf::Tensor *> a = {full.model->embed, full.model->final_norm, full.model->layers[0].weight[tf::kQ]};
  std::vector<tf::Tensor *> b = {chunked.model->embed, chunked.model->final_norm,
                                 chunked.model->layers[0].weight[tf::kQ]};
  for (auto *t : a) t->grad = tf::FloatBuffer::zeros(*t->data.ops(), t->data.size());
  for (auto *t : b) t->grad = tf::FloatBuffer::zeros(*t->data.ops(), t->data.size());
  const double loss_full = full.loss();
  full.model->ops->cross_entropy(full.pass.logits.data(), full.targets.data(), full.pass.tokens(),
                                 full.model->config.vocab_size, full.pass.logits.data(), 1.0f, nullptr);
  tf::backward(*full.model, full.pass, full.pass.logits.data());

  tf::forward(*chunked.model, chunked.pass, {}, nullptr, false);
  tf::FloatBuffer dhf;
  const double loss_chunked = tf::head_loss_backward(*chunked.model, chunked.pass, chunked.targets.data(), dhf,
                                                     (size_t)3 * chunked.model->config.vocab_size);  // 3 rows a chunk
  tf::backward_hidden(*chunked.model, chunked.pass, dhf.data());
  EXPECT_NEAR(loss_chunked, loss_full, 1e-9 * loss_full);
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[i]->grad.size(); ++j)
      ASSERT_NEAR(a[i]->grad.host_view()[j], b[i]->grad.host_view()[j], 1e-5) << a[i]->name;
}

}  // namespace

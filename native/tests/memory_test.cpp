// Device memory through the operation table (issue #21): the CPU allocator's alignment, accounting and limit,
// the transfers, tf::Buffer's ownership, a KV cache that keeps its rows as it grows, and an out-of-memory that
// reaches the C API as a status, after which a trainer redoes the step in smaller micro-batches.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "backend.h"
#include "buffer.h"
#include "kv_cache.h"
#include "test_util.h"
#include "tuneforge.h"

namespace {

const tf::Ops &ops = tf::cpu_ops();
const std::string kLlama = std::string(TF_REPO_ROOT) + "/tools/tiny-model/models/tiny-llama";

// The limit is process-wide: every test that sets one takes it off again, however it ends.
struct Limit {
  explicit Limit(size_t bytes) { ops.set_memory_limit(bytes); }
  ~Limit() { ops.set_memory_limit(0); }
};

TEST(Memory, AllocIsAlignedCountedAndFreed) {
  const size_t base = ops.memory_in_use();
  EXPECT_EQ(ops.alloc(0), nullptr);
  void *a = ops.alloc(1000), *b = ops.alloc(7);
  EXPECT_EQ((uintptr_t)a % 64, 0u);
  EXPECT_EQ((uintptr_t)b % 64, 0u);
  EXPECT_EQ(ops.memory_in_use(), base + 1007);
  EXPECT_GE(ops.memory_peak(), base + 1007);
  std::memset(a, 1, 1000);  // the whole block is usable (ASan checks the bounds)
  ops.free(a);
  EXPECT_EQ(ops.memory_in_use(), base + 7);
  ops.reset_memory_peak();
  EXPECT_EQ(ops.memory_peak(), base + 7);
  ops.free(b);
  ops.free(nullptr);
  EXPECT_EQ(ops.memory_in_use(), base);
}

TEST(Memory, TheLimitRefusesWithOutOfMemoryAndCountsNothing) {
  const size_t base = ops.memory_in_use();
  Limit limit(base + (1 << 20));
  void *fits = ops.alloc(1 << 19);
  try {
    ops.alloc(1 << 20);
    FAIL() << "an allocation past the limit succeeded";
  } catch (const tf::Error &e) {
    EXPECT_EQ(e.status(), TF_ERR_OUT_OF_MEMORY);
    EXPECT_NE(std::string(e.what()).find("out of memory"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ops.memory_in_use(), base + (1 << 19));
  ops.free(fits);
  void *again = ops.alloc(1 << 20);  // fits once the first block is back
  ops.free(again);
}

TEST(Memory, TransfersZeroAndFill) {
  const auto host = tft::randn(3000, 1);
  tf::FloatBuffer a(ops, 3000), b(ops, 3000);
  ops.copy_h2d(a.data(), host.data(), sizeof(float) * 3000);
  ops.copy_d2d(b.data(), a.data(), sizeof(float) * 3000);
  std::vector<float> back(3000);
  ops.copy_d2h(back.data(), b.data(), sizeof(float) * 3000);
  EXPECT_EQ(back, host);
  ops.fill(b.data() + 100, 2000, 2.5f);
  ops.zero(b.data(), sizeof(float) * 50);
  const auto got = b.to_host();
  for (int i = 0; i < 3000; ++i) {
    const float want = i < 50 ? 0.0f : (i >= 100 && i < 2100) ? 2.5f : host[i];
    ASSERT_EQ(got[i], want) << i;
  }
}

TEST(Memory, BufferOwnsMovesAndTransfersRanges) {
  const size_t base = ops.memory_in_use();
  {
    tf::FloatBuffer a = tf::FloatBuffer::zeros(ops, 100);
    EXPECT_EQ(ops.memory_in_use(), base + 400);
    EXPECT_EQ(a.to_host(), std::vector<float>(100, 0.0f));
    const float three[3] = {1, 2, 3};
    a.upload(three, 3, 97);
    float out[4];
    a.download(out, 4, 96);
    EXPECT_EQ(out[0], 0.0f);
    EXPECT_EQ(out[3], 3.0f);
    EXPECT_THROW(a.upload(three, 3, 98), tf::Error);  // past the end
    const float *p = a.data();
    a.reset(ops, 100);  // same size: same memory
    EXPECT_EQ(a.data(), p);
    tf::FloatBuffer b = std::move(a);
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(a.data(), nullptr);
    EXPECT_EQ(b.data(), p);
    EXPECT_EQ(ops.memory_in_use(), base + 400);
    b.reset(ops, 10);
    EXPECT_EQ(ops.memory_in_use(), base + 40);
    EXPECT_EQ(b.host_view(), b.data());  // the CPU's device memory is host memory
  }
  EXPECT_EQ(ops.memory_in_use(), base);
}

TEST(Memory, KvCacheKeepsItsRowsAsItGrowsAndOnARefusedGrowth) {
  const int layers = 2, row = 8;
  tf::KvCache c(ops, layers, row, 100);
  c.extend(3);
  for (int l = 0; l < layers; ++l)
    for (int p = 0; p < 3; ++p) {
      const auto k = tft::randn(row, 10 * l + p), v = tft::randn(row, 100 + 10 * l + p);
      ops.copy_h2d(c.k(l, p), k.data(), sizeof(float) * row);
      ops.copy_h2d(c.v(l, p), v.data(), sizeof(float) * row);
    }
  auto rows = [&](const float *base, int n) {
    std::vector<float> out((size_t)n * row);
    ops.copy_d2h(out.data(), base, sizeof(float) * out.size());
    return out;
  };
  const auto k1 = rows(c.k(1), 3), v0 = rows(c.v(0), 3);
  c.extend(20);  // past the first capacity (16): new buffers
  EXPECT_EQ(c.capacity(), 23);
  EXPECT_EQ(rows(c.k(1), 3), k1);
  EXPECT_EQ(rows(c.v(0), 3), v0);
  {
    Limit limit(ops.memory_in_use() + 100);  // no room to double
    EXPECT_THROW(c.extend(30), tf::Error);
  }
  EXPECT_EQ(c.length(), 23);
  EXPECT_EQ(rows(c.k(1), 3), k1);
}

// --- through the C API ---

struct Batch {
  std::vector<int32_t> ids, labels;
  int rows = 4, seq = 24;
};

Batch batch() {
  Batch b;
  for (int r = 0; r < b.rows; ++r)
    for (int t = 0; t < b.seq; ++t) {
      b.ids.push_back((r * 211 + t * 37 + 3) % 800);
      b.labels.push_back(t % 7 == 0 ? -100 : b.ids.back());
    }
  return b;
}

tf_train_config full_config() {
  tf_train_config c{};
  c.mode = TF_MODE_FULL;
  c.lr = 1e-3f, c.beta1 = 0.9f, c.beta2 = 0.99f, c.eps = 1e-8f, c.weight_decay = 0.01f, c.max_grad_norm = 1.0f;
  c.schedule = TF_SCHEDULE_CONSTANT;
  c.seed = 3;
  return c;
}

struct TrainingRun {
  tf_model *model = nullptr;
  tf_trainer *trainer = nullptr;
  TrainingRun() {
    tf_load_options o{"cpu", 1};
    EXPECT_EQ(tf_model_load(kLlama.c_str(), &o, &model), TF_OK) << tf_last_error();
    const tf_train_config c = full_config();
    EXPECT_EQ(tf_trainer_create(model, &c, &trainer), TF_OK) << tf_last_error();
  }
  ~TrainingRun() {
    tf_trainer_free(trainer);
    tf_model_free(model);
  }
  // Rows [first, first + n) of the batch as one micro-batch.
  tf_status accumulate(const Batch &b, int first, int n) {
    const size_t off = (size_t)first * b.seq;
    return tf_trainer_accumulate(trainer, b.ids.data() + off, b.labels.data() + off, nullptr, n, b.seq, nullptr);
  }
};

TEST(Memory, OutOfMemoryIsAStatusAndTheStepIsRedoneInSmallerMicroBatches) {
  const Batch b = batch();
  // Reference: the whole batch in one micro-batch, no limit; its step result and its peak above the resting
  // footprint (weights, gradients, moments).
  tf_step_result want{};
  int64_t one_row_peak = 0, all_rows_peak = 0;
  {
    TrainingRun ref;
    tf_memory_stats s{};
    ASSERT_EQ(tf_backend_memory_stats("cpu", &s), TF_OK);
    const int64_t resting = s.in_use;
    ASSERT_EQ(tf_backend_reset_memory_peak("cpu"), TF_OK);
    ASSERT_EQ(ref.accumulate(b, 0, 1), TF_OK) << tf_last_error();
    ASSERT_EQ(tf_backend_memory_stats("cpu", &s), TF_OK);
    one_row_peak = s.peak - resting;
    ASSERT_EQ(tf_trainer_discard(ref.trainer), TF_OK);
    ASSERT_EQ(tf_backend_reset_memory_peak("cpu"), TF_OK);
    ASSERT_EQ(ref.accumulate(b, 0, b.rows), TF_OK) << tf_last_error();
    ASSERT_EQ(tf_backend_memory_stats("cpu", &s), TF_OK);
    all_rows_peak = s.peak - resting;
    ASSERT_EQ(tf_trainer_step(ref.trainer, &want), TF_OK) << tf_last_error();
  }
  ASSERT_GT(all_rows_peak, 2 * one_row_peak);  // activations grow with the rows

  TrainingRun run;
  tf_memory_stats s{};
  ASSERT_EQ(tf_backend_memory_stats("cpu", &s), TF_OK);
  Limit limit((size_t)(s.in_use + (one_row_peak + all_rows_peak) / 2));
  EXPECT_EQ(run.accumulate(b, 0, b.rows), TF_ERR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(tf_last_error()).find("out of memory"), std::string::npos) << tf_last_error();
  tf_step_result r{};
  EXPECT_EQ(tf_trainer_step(run.trainer, &r), TF_ERR_STATE);  // partial gradients are never applied
  EXPECT_NE(std::string(tf_last_error()).find("discard"), std::string::npos) << tf_last_error();
  ASSERT_EQ(tf_trainer_discard(run.trainer), TF_OK);
  for (int row = 0; row < b.rows; ++row) ASSERT_EQ(run.accumulate(b, row, 1), TF_OK) << tf_last_error();
  ASSERT_EQ(tf_trainer_step(run.trainer, &r), TF_OK) << tf_last_error();
  // Same global batch: the same tokens, loss and update as the single micro-batch (up to summation order).
  EXPECT_EQ(r.step, 1);
  EXPECT_EQ(r.tokens, want.tokens);
  EXPECT_EQ(r.correct_tokens, want.correct_tokens);
  EXPECT_NEAR(r.loss, want.loss, 1e-5 * want.loss);
  EXPECT_NEAR(r.grad_norm, want.grad_norm, 1e-4 * want.grad_norm);
}

TEST(Memory, TheCApiChecksItsMemoryArguments) {
  EXPECT_EQ(tf_backend_set_memory_limit("cpu", -1), TF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tf_backend_memory_stats("cpu", nullptr), TF_ERR_INVALID_ARGUMENT);
  tf_memory_stats s{};
  EXPECT_EQ(tf_backend_memory_stats("tpu", &s), TF_ERR_UNSUPPORTED);
  EXPECT_EQ(tf_backend_set_memory_limit(nullptr, 0), TF_OK);  // NULL is the CPU
}

}  // namespace

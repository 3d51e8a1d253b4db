// Memory ops: transfers round-trip, zero/fill write every element, accounting follows alloc/free, the limit and a
// request larger than the device both fail as TF_ERR_OUT_OF_MEMORY with a message, and the table is complete.
#include <cstdint>
#include <cstring>

#include "cuda_test_util.h"
#include "error.h"

using namespace tfc;

TEST(CudaTable, EveryEntrySet) {
  const tf::Ops &o = gpu();
  EXPECT_STREQ(o.name, "cuda");
  EXPECT_FALSE(o.host_memory);
  // Every entry after `name` and before `host_memory` is a function pointer, as is every one from `alloc` to
  // the end: a new entry backend.h gains and ops_table.cu does not set fails here.
  const unsigned char *begin = reinterpret_cast<const unsigned char *>(&o.set_threads);
  const unsigned char *end = reinterpret_cast<const unsigned char *>(&o.host_memory);
  for (const unsigned char *p = begin; p < end; p += sizeof(void *)) {
    void *f;
    std::memcpy(&f, p, sizeof f);
    EXPECT_NE(f, nullptr) << "entry at offset " << (p - reinterpret_cast<const unsigned char *>(&o));
  }
  const unsigned char *after = reinterpret_cast<const unsigned char *>(&o.alloc);
  const unsigned char *last = reinterpret_cast<const unsigned char *>(&o) + sizeof(tf::Ops);
  for (const unsigned char *p = after; p < last; p += sizeof(void *)) {
    void *f;
    std::memcpy(&f, p, sizeof f);
    EXPECT_NE(f, nullptr) << "entry at offset " << (p - reinterpret_cast<const unsigned char *>(&o));
  }
}

TEST(CudaMemory, TransfersZeroFill) {
  auto gen = fresh_gen();
  const std::vector<float> x = randn(100003, gen);
  Dev<float> a(x), b(x.size());
  gpu().copy_d2d(b.get(), a.get(), x.size() * sizeof(float));
  EXPECT_EQ(b.host(), x);
  gpu().zero(b.get(), x.size() * sizeof(float));
  EXPECT_EQ(b.host(), std::vector<float>(x.size(), 0.0f));
  gpu().fill(b.get(), (int64_t)x.size(), 2.5f);
  EXPECT_EQ(b.host(), std::vector<float>(x.size(), 2.5f));
}

TEST(CudaMemory, AccountingAndLimit) {
  const tf::Ops &o = gpu();
  const size_t before = o.memory_in_use();
  o.reset_memory_peak();
  void *p = o.alloc(3 << 20);
  EXPECT_EQ(o.memory_in_use(), before + (3 << 20));
  EXPECT_GE(o.memory_peak(), before + (3 << 20));
  o.free(p);
  EXPECT_EQ(o.memory_in_use(), before);
  o.set_memory_limit(before + (1 << 20));
  try {
    o.alloc(2 << 20);
    ADD_FAILURE() << "allocation past the limit succeeded";
  } catch (const tf::Error &e) {
    EXPECT_EQ(e.status(), TF_ERR_OUT_OF_MEMORY);
    EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos) << e.what();
  }
  o.set_memory_limit(0);
  EXPECT_EQ(o.memory_in_use(), before);
}

TEST(CudaMemory, DeviceOutOfMemoryIsAStatus) {
  try {
    void *p = gpu().alloc((size_t)1 << 50);  // 1 PiB
    gpu().free(p);
    ADD_FAILURE() << "a 1 PiB allocation succeeded";
  } catch (const tf::Error &e) {
    EXPECT_EQ(e.status(), TF_ERR_OUT_OF_MEMORY);
    EXPECT_NE(std::string(e.what()).find("MiB"), std::string::npos) << e.what();
  }
  // The device still works afterwards.
  Dev<float> a(std::vector<float>{1, 2, 3});
  EXPECT_EQ(a.host(), (std::vector<float>{1, 2, 3}));
}

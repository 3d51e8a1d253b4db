// Loading: sharded indexes, f16/bf16 conversion, and the errors for bad files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fsutil.h"
#include "safetensors.h"
#include "tuneforge.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kLlama = std::string(TF_REPO_ROOT) + "/tools/tiny-model/models/tiny-llama";

uint16_t to_bf16(float f) {  // round to nearest even
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

uint16_t to_f16(float f) {  // normal range only, round to nearest
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000;
  const int exp = (int)((u >> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return (uint16_t)sign;  // flush tiny values to zero
  const uint32_t mant = u & 0x7fffff;
  uint32_t h = sign | ((uint32_t)exp << 10) | (mant >> 13);
  if (mant & 0x1000) h++;
  return (uint16_t)h;
}

// Writes tensors in a 16-bit dtype with a hand-made header.
void write16(const std::string &path, const std::vector<std::pair<std::string, std::vector<float>>> &tensors,
             const std::vector<std::vector<int64_t>> &shapes, bool bf16) {
  json header;
  uint64_t off = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t bytes = tensors[i].second.size() * 2;
    header[tensors[i].first] = {{"dtype", bf16 ? "BF16" : "F16"}, {"shape", shapes[i]}, {"data_offsets", {off, off + bytes}}};
    off += bytes;
  }
  const std::string h = header.dump();
  std::ofstream f(path, std::ios::binary);
  const uint64_t len = h.size();
  f.write(reinterpret_cast<const char *>(&len), 8);
  f.write(h.data(), (std::streamsize)h.size());
  for (const auto &t : tensors)
    for (float x : t.second) {
      const uint16_t v = bf16 ? to_bf16(x) : to_f16(x);
      f.write(reinterpret_cast<const char *>(&v), 2);
    }
}

TEST(Loading, ShardedIndexWithF16AndBf16Shards) {
  const fs::path dir = fs::temp_directory_path() / ("tf-sharded-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kLlama + "/config.json", dir / "config.json");
  tf::SafetensorsFile src(kLlama + "/model.safetensors");
  std::vector<std::pair<std::string, std::vector<float>>> a, b;
  std::vector<std::vector<int64_t>> sa, sb;
  json weight_map;
  for (size_t i = 0; i < src.tensors().size(); ++i) {
    const auto &t = src.tensors()[i];
    std::vector<float> v(t.numel());
    src.read_f32(t, v.data());
    const bool first = i % 2 == 0;
    (first ? a : b).push_back({t.name, v});
    (first ? sa : sb).push_back(t.shape);
    weight_map[t.name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  write16((dir / "model-00001-of-00002.safetensors").string(), a, sa, true);
  write16((dir / "model-00002-of-00002.safetensors").string(), b, sb, false);
  tf::write_json_file((dir / "model.safetensors.index.json").string(), {{"metadata", json::object()}, {"weight_map", weight_map}});

  tf_load_options o{"cpu", 2};
  tf_model *f32 = nullptr, *half = nullptr;
  ASSERT_EQ(tf_model_load(kLlama.c_str(), &o, &f32), TF_OK);
  ASSERT_EQ(tf_model_load(dir.string().c_str(), &o, &half), TF_OK) << tf_last_error();
  const int32_t ids[6] = {1, 451, 201, 752, 309, 634};
  std::vector<float> l1(6 * 867), l2(6 * 867);
  ASSERT_EQ(tf_model_forward(f32, ids, nullptr, 1, 6, l1.data()), TF_OK);
  ASSERT_EQ(tf_model_forward(half, ids, nullptr, 1, 6, l2.data()), TF_OK);
  double max_diff = 0;
  for (size_t i = 0; i < l1.size(); ++i) max_diff = std::max(max_diff, (double)std::fabs(l1[i] - l2[i]));
  EXPECT_LT(max_diff, 0.05);  // 16-bit weights, f32 compute
  EXPECT_GT(max_diff, 0.0);

  // A shard the index points at that lacks the tensor is named in the error.
  weight_map["model.norm.weight"] = weight_map["model.norm.weight"] == "model-00001-of-00002.safetensors"
                                        ? "model-00002-of-00002.safetensors"
                                        : "model-00001-of-00002.safetensors";
  tf::write_json_file((dir / "model.safetensors.index.json").string(), {{"weight_map", weight_map}});
  tf_model *bad = nullptr;
  EXPECT_EQ(tf_model_load(dir.string().c_str(), &o, &bad), TF_ERR_MISMATCH);
  EXPECT_NE(std::string(tf_last_error()).find("model.norm.weight"), std::string::npos);
  tf_model_free(f32);
  tf_model_free(half);
  fs::remove_all(dir);
}

TEST(Loading, HalfPrecisionDecodingIsExact) {
  const fs::path path = fs::temp_directory_path() / ("tf-half-" + std::to_string(::getpid()) + ".safetensors");
  const std::vector<float> values = {1.5f, -2.0f, 0.0f, 65504.0f, 0.000061035156f, -0.333251953125f};
  write16(path.string(), {{"x", values}}, {{6}}, false);
  tf::SafetensorsFile f(path.string());
  std::vector<float> out(6);
  f.read_f32(*f.find("x"), out.data());
  EXPECT_EQ(out, values);
  write16(path.string(), {{"x", {1.5f, -2.0f, 0.0f, 3.140625f, -1e30f, 1e-30f}}}, {{6}}, true);
  tf::SafetensorsFile g(path.string());
  g.read_f32(*g.find("x"), out.data());
  EXPECT_EQ(out[3], 3.140625f);
  EXPECT_NEAR(out[4], -1e30f, 1e27f);
  fs::remove(path);
}

TEST(Loading, InfoReportsTheConfig) {
  tf_load_options o{"cpu", 1};
  tf_model *m = nullptr;
  ASSERT_EQ(tf_model_load(kLlama.c_str(), &o, &m), TF_OK);
  tf_model_info info{};
  EXPECT_EQ(tf_model_info_get(m, &info), TF_OK);
  EXPECT_EQ(std::string(info.architecture), "LlamaForCausalLM");
  EXPECT_EQ(info.num_kv_heads, 2);
  tf_model_free(m);
}

}  // namespace

namespace {

TEST(Loading, HalfEncodersRoundTripEveryFiniteValue) {
  const fs::path path = fs::temp_directory_path() / ("tf-all16-" + std::to_string(::getpid()) + ".safetensors");
  for (bool bf16 : {false, true}) {
    // Every bit pattern, decoded by the reader, must encode back to itself.
    std::vector<uint16_t> bits;
    for (uint32_t b = 0; b < 65536; ++b) {
      const bool nan = bf16 ? ((b & 0x7f80) == 0x7f80 && (b & 0x7f)) : ((b & 0x7c00) == 0x7c00 && (b & 0x3ff));
      if (!nan) bits.push_back((uint16_t)b);
    }
    json header = {{"x", {{"dtype", bf16 ? "BF16" : "F16"}, {"shape", {bits.size()}}, {"data_offsets", {0, bits.size() * 2}}}}};
    const std::string h = header.dump();
    std::ofstream f(path, std::ios::binary);
    const uint64_t len = h.size();
    f.write(reinterpret_cast<const char *>(&len), 8);
    f.write(h.data(), (std::streamsize)h.size());
    f.write(reinterpret_cast<const char *>(bits.data()), (std::streamsize)(bits.size() * 2));
    f.close();
    tf::SafetensorsFile file(path.string());
    std::vector<float> values(bits.size());
    file.read_f32(*file.find("x"), values.data());
    for (size_t i = 0; i < bits.size(); ++i) {
      const uint16_t back = bf16 ? tf::float_to_bf16(values[i]) : tf::float_to_f16(values[i]);
      ASSERT_EQ(back, bits[i]) << (bf16 ? "bf16 " : "f16 ") << std::hex << bits[i];
    }
  }
  // Ties go to even; overflow goes to infinity.
  EXPECT_EQ(tf::float_to_f16(1.0f + 1.0f / 2048), 0x3c00);
  EXPECT_EQ(tf::float_to_f16(1.0f + 3.0f / 2048), 0x3c02);
  EXPECT_EQ(tf::float_to_f16(70000.0f), 0x7c00);
  EXPECT_EQ(tf::float_to_bf16(1.0f + 1.0f / 256), 0x3f80);
  fs::remove(path);
}

TEST(Loading, MergedExportInBf16ReloadsCloseToF32) {
  tf_load_options o{"cpu", 1};
  tf_model *m = nullptr, *half = nullptr;
  ASSERT_EQ(tf_model_load(kLlama.c_str(), &o, &m), TF_OK);
  const fs::path out = fs::temp_directory_path() / ("tf-bf16-export-" + std::to_string(::getpid()));
  fs::remove_all(out);
  ASSERT_EQ(tf_model_save_merged(m, nullptr, out.string().c_str(), "bfloat16"), TF_OK) << tf_last_error();
  EXPECT_EQ(tf_model_save_merged(m, nullptr, (out.string() + "-x").c_str(), "int8"), TF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tf::read_json_file((out / "config.json").string())["torch_dtype"], "bfloat16");
  tf::SafetensorsFile st((out / "model.safetensors").string());
  EXPECT_EQ(st.tensors()[0].dtype, tf::DType::BF16);
  ASSERT_EQ(tf_model_load(out.string().c_str(), &o, &half), TF_OK) << tf_last_error();
  const int32_t ids[4] = {1, 451, 201, 752};
  std::vector<float> a(4 * 867), b(4 * 867);
  ASSERT_EQ(tf_model_forward(m, ids, nullptr, 1, 4, a.data()), TF_OK);
  ASSERT_EQ(tf_model_forward(half, ids, nullptr, 1, 4, b.data()), TF_OK);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 0.05);
  tf_model_free(m);
  tf_model_free(half);
  fs::remove_all(out);
}

}  // namespace

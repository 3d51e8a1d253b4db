// Model files from users, mutated: every config.json value the engine reads set to hostile values, and safetensors
// headers with flipped bytes, absurd lengths and truncations. Each load must end in an error (or a model, where the
// mutation is harmless) — never a crash, a hang or a huge allocation. Also run under ASan/UBSan (native/README.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tuneforge.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kLlama = fs::path(TF_REPO_ROOT) / "tools/tiny-model/models/tiny-llama";

std::string read_file(const fs::path &p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void write_file(const fs::path &p, const std::string &bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), (std::streamsize)bytes.size());
}

/** Loads `dir`; true when it loaded. A status other than OK must come with an error message. */
bool loads(const fs::path &dir) {
  tf_load_options options{};
  options.backend = "cpu";
  options.threads = 1;
  tf_model *model = nullptr;
  const tf_status status = tf_model_load(dir.c_str(), &options, &model);
  if (status == TF_OK) {
    tf_model_free(model);
    return true;
  }
  EXPECT_NE(std::string(tf_last_error()), "");
  return false;
}

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("tf-fuzz-" + std::to_string(::getpid()));
  Scratch() {
    fs::remove_all(dir);
    fs::copy(kLlama, dir);
  }
  ~Scratch() { fs::remove_all(dir); }
};

TEST(ModelFilesFuzz, HostileConfigValuesAreRefusedNotTrusted) {
  Scratch scratch;
  const json original = json::parse(read_file(kLlama / "config.json"));
  // The keys the engine reads for a Llama (max_position_embeddings and sliding_window are not: the context is the
  // session's, and only Mistral and Qwen windows).
  const std::vector<std::string> keys = {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                                         "num_attention_heads", "num_key_value_heads", "head_dim", "rms_norm_eps",
                                         "rope_theta", "tie_word_embeddings", "rope_scaling", "architectures",
                                         "attention_bias"};
  const std::vector<json> values = {0, -1, 1, 3, 2147483647, 2147483648LL, 4294967296LL, 1LL << 62,
                                    json(18446744073709551615ULL), 1e300, -1e-9, 3.5, "x", nullptr,
                                    json::array(), json::object(), true, json::array({"GPT2LMHeadModel"}),
                                    json::object({{"rope_type", "llama3"}, {"factor", -1}}),
                                    json::object({{"rope_type", 7}})};
  int refused = 0, loaded = 0;
  for (const auto &key : keys)
    for (const auto &value : values) {
      json config = original;
      config[key] = value;
      write_file(scratch.dir / "config.json", config.dump());
      if (loads(scratch.dir)) {
        loaded++;
        // Harmless ones: a positive eps or theta, a bias flag or tying the file's tensors contradict, a smaller but
        // consistent head size. Printed, so a new one is seen.
        std::printf("loaded with %s = %s\n", key.c_str(), value.dump().c_str());
      } else {
        refused++;
      }
    }
  EXPECT_GE(refused, (int)(keys.size() * values.size() * 9 / 10)) << loaded << " loaded";
  write_file(scratch.dir / "config.json", original.dump());
  EXPECT_TRUE(loads(scratch.dir));
}

TEST(ModelFilesFuzz, MutatedSafetensorsHeadersAreRefused) {
  Scratch scratch;
  const std::string original = read_file(kLlama / "model.safetensors");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | (uint8_t)original[i];
  std::mt19937_64 rng(20261207);
  int refused = 0;
  const int runs = 600;
  for (int run = 0; run < runs; ++run) {
    std::string bytes = original;
    switch (run % 4) {
      case 0: {  // flip a few bytes of the header's JSON
        for (int k = 0; k < 1 + (int)(rng() % 4); ++k) bytes[8 + rng() % header_len] = (char)(rng() & 0xff);
        break;
      }
      case 1: {  // an absurd or slightly wrong header length
        const uint64_t lengths[] = {0, 1, header_len - 1, header_len + 1, original.size(), 1ull << 40, ~0ull, rng()};
        const uint64_t len = lengths[rng() % 8];
        for (int i = 0; i < 8; ++i) bytes[i] = (char)((len >> (8 * i)) & 0xff);
        break;
      }
      case 2:  // truncated anywhere
        bytes.resize(rng() % original.size());
        break;
      default: {  // a digit of a shape or offset replaced by huge numbers
        const std::string header = original.substr(8, header_len);
        const size_t at = header.find_first_of("0123456789", rng() % header_len);
        if (at == std::string::npos) continue;
        std::string huge = header.substr(0, at) + "99999999999999999999" + header.substr(at + 1);
        const uint64_t len = huge.size();
        bytes = std::string(8, '\0') + huge + original.substr(8 + header_len);
        for (int i = 0; i < 8; ++i) bytes[i] = (char)((len >> (8 * i)) & 0xff);
      }
    }
    write_file(scratch.dir / "model.safetensors", bytes);
    refused += !loads(scratch.dir);
  }
  EXPECT_GT(refused, runs * 3 / 4);
  write_file(scratch.dir / "model.safetensors", original);
  EXPECT_TRUE(loads(scratch.dir));
}

}  // namespace

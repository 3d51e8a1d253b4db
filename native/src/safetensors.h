// safetensors: 8-byte little-endian header length, a JSON header mapping
// tensor names to {dtype, shape, data_offsets}, then the raw bytes.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tf {

enum class DType { F32, F16, BF16 };

struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // relative to the data section
  int64_t numel() const;
};

// A validated, memory-mapped safetensors file.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string &path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

  const std::string &path() const { return path_; }
  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  const TensorInfo *find(const std::string &name) const;
  // Converts to f32; out must hold numel() floats.
  void read_f32(const TensorInfo &info, float *out) const;

 private:
  void parse_header(const std::string &path, uint64_t size);
  std::string path_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  const uint8_t *data_ = nullptr;  // start of the data section
  void *map_ = nullptr;
  size_t map_size_ = 0;
};

struct TensorView {
  std::string name;
  std::vector<int64_t> shape;
  const float *data;
};

// Writes f32 tensors, stored as `dtype` (rounded to nearest even); the caller
// arranges for atomic commit (temp + rename).
void write_safetensors(const std::string &path, const std::vector<TensorView> &tensors,
                       const std::map<std::string, std::string> &metadata = {}, DType dtype = DType::F32);

uint16_t float_to_bf16(float f);
uint16_t float_to_f16(float f);

}  // namespace tf

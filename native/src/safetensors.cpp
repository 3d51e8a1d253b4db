#include "safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "error.h"

namespace tf {

using json = nlohmann::json;

/** Headers are a few hundred kilobytes for the largest released models; a bigger one is not a real file. */
static constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

static size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 2; }

static float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) {
        mant <<= 1;
        exp--;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

SafetensorsFile::SafetensorsFile(const std::string &path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  require(fd >= 0, TF_ERR_IO, path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail(TF_ERR_IO, path + ": cannot stat");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < 8) {
    ::close(fd);
    fail(TF_ERR_FORMAT, path + ": file is " + std::to_string(size) +
                            " bytes, too short for the 8-byte safetensors header length");
  }
  map_size_ = size;
  map_ = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    fail(TF_ERR_IO, path + ": cannot map file");
  }
  // The constructor throws on a bad file: the destructor then never runs, so the mapping is released here.
  try {
    parse_header(path, size);
  } catch (...) {
    ::munmap(map_, map_size_);
    map_ = nullptr;
    throw;
  }
}

void SafetensorsFile::parse_header(const std::string &path, uint64_t size) {
  const auto *bytes = static_cast<const uint8_t *>(map_);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > size - 8) {
    fail(TF_ERR_FORMAT, path + ": header length " + std::to_string(header_len) + " runs past the end of the file (" +
                            std::to_string(size) + " bytes)");
  }
  require(header_len <= kMaxHeaderBytes, TF_ERR_FORMAT,
          path + ": header length " + std::to_string(header_len) + " is more than the most accepted (" +
              std::to_string(kMaxHeaderBytes) + " bytes)");
  json header;
  try {
    header = json::parse(bytes + 8, bytes + 8 + header_len);
  } catch (const std::exception &e) {
    fail(TF_ERR_FORMAT, path + ": header is not valid JSON: " + e.what());
  }
  require(header.is_object(), TF_ERR_FORMAT, path + ": header is not a JSON object");
  data_ = bytes + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const std::string where = path + ": tensor '" + it.key() + "'";
    const json &e = it.value();
    require(e.is_object() && e.contains("dtype") && e.contains("shape") && e.contains("data_offsets"), TF_ERR_FORMAT,
            where + " needs dtype, shape and data_offsets");
    TensorInfo info;
    info.name = it.key();
    require(e["dtype"].is_string(), TF_ERR_FORMAT, where + ": dtype is not a string");
    const std::string dt = e["dtype"].get<std::string>();
    if (dt == "F32")
      info.dtype = DType::F32;
    else if (dt == "F16")
      info.dtype = DType::F16;
    else if (dt == "BF16")
      info.dtype = DType::BF16;
    else
      fail(TF_ERR_UNSUPPORTED, where + " has dtype " + dt + "; supported: F32, F16, BF16");
    require(e["shape"].is_array() && e["shape"].size() <= 8, TF_ERR_FORMAT, where + ": shape is not an array of at most 8 dimensions");
    // The element count is refused while multiplying once it could overflow the byte count (int64 numel, times
    // 4 bytes); a count that fits is then checked exactly against the tensor's byte range below.
    uint64_t elements = 1;
    for (const auto &d : e["shape"]) {
      require(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0), TF_ERR_FORMAT,
              where + ": shape has a bad dimension " + d.dump());
      const uint64_t dim = d.get<uint64_t>();
      require(dim == 0 || elements <= (1ull << 60) / dim, TF_ERR_FORMAT,
              where + ": shape " + e["shape"].dump() + " has more elements than any file could hold");
      elements *= dim;
      info.shape.push_back(static_cast<int64_t>(dim));
    }
    const json &off = e["data_offsets"];
    require(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() && off[1].is_number_unsigned(),
            TF_ERR_FORMAT, where + ": data_offsets must be two non-negative integers");
    info.begin = off[0].get<uint64_t>();
    info.end = off[1].get<uint64_t>();
    require(info.begin <= info.end, TF_ERR_FORMAT, where + ": data_offsets end before they begin");
    require(info.end <= data_size, TF_ERR_FORMAT,
            where + ": data ends at byte " + std::to_string(info.end) + " of a " + std::to_string(data_size) +
                "-byte data section (file truncated?)");
    const uint64_t expected = static_cast<uint64_t>(info.numel()) * dtype_size(info.dtype);
    require(info.end - info.begin == expected, TF_ERR_FORMAT,
            where + ": holds " + std::to_string(info.end - info.begin) + " bytes but its shape and dtype need " +
                std::to_string(expected));
    index_[info.name] = tensors_.size();
    tensors_.push_back(std::move(info));
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, map_size_);
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

void SafetensorsFile::read_f32(const TensorInfo &info, float *out) const {
  const uint8_t *src = data_ + info.begin;
  const int64_t n = info.numel();
  switch (info.dtype) {
    case DType::F32:
      std::memcpy(out, src, static_cast<size_t>(n) * 4);
      break;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        out[i] = half_to_float(h);
      }
      break;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        const uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(&out[i], &bits, 4);
      }
      break;
  }
}

uint16_t float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t)((u >> 16) | 0x40);  // keep NaN a NaN
  return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

uint16_t float_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
  const uint32_t a = u & 0x7fffffff;
  if (a >= 0x7f800000) return sign | 0x7c00 | (a > 0x7f800000 ? 0x200 : 0);
  if (a >= 0x477ff000) return sign | 0x7c00;  // rounds past 65504
  if (a < 0x38800000) {                      // f16 subnormal: units of 2^-24, nearest even
    float mag;
    std::memcpy(&mag, &a, 4);
    return sign | (uint16_t)std::nearbyint(mag * 16777216.0f);
  }
  uint32_t h = ((a >> 23) - 127 + 15) << 10 | ((a & 0x7fffff) >> 13);
  const uint32_t rest = a & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;  // a carry into the exponent is still right
  return sign | (uint16_t)h;
}

void write_safetensors(const std::string &path, const std::vector<TensorView> &tensors,
                       const std::map<std::string, std::string> &metadata, DType dtype) {
  const char *name = dtype == DType::F32 ? "F32" : dtype == DType::BF16 ? "BF16" : "F16";
  const size_t elem = dtype_size(dtype);
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto &t : tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    const uint64_t bytes = static_cast<uint64_t>(n) * elem;
    header[t.name] = {{"dtype", name}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text.push_back(' ');  // keep the data section 8-byte aligned
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  require(f.good(), TF_ERR_IO, path + ": cannot create");
  uint8_t len[8];
  uint64_t h = text.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(h >> (8 * i));
  f.write(reinterpret_cast<const char *>(len), 8);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  std::vector<uint16_t> half;
  for (const auto &t : tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    if (dtype == DType::F32) {
      f.write(reinterpret_cast<const char *>(t.data), static_cast<std::streamsize>(n * 4));
      continue;
    }
    half.resize(n);
    for (int64_t i = 0; i < n; ++i) half[i] = dtype == DType::BF16 ? float_to_bf16(t.data[i]) : float_to_f16(t.data[i]);
    f.write(reinterpret_cast<const char *>(half.data()), static_cast<std::streamsize>(n * 2));
  }
  f.flush();
  require(f.good(), TF_ERR_IO, path + ": write failed");
}

}  // namespace tf

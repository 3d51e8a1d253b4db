#include "fsutil.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "error.h"

namespace tf {

namespace fs = std::filesystem;
using json = nlohmann::json;

json read_json_file(const std::string &path) {
  std::ifstream f(path);
  require(f.good(), TF_ERR_IO, path + ": cannot open");
  try {
    return json::parse(f);
  } catch (const std::exception &e) {
    fail(TF_ERR_FORMAT, path + ": not valid JSON: " + e.what());
  }
}

void write_json_file(const std::string &path, const json &j) {
  std::ofstream f(path, std::ios::trunc);
  f << j.dump(2) << "\n";
  f.flush();
  require(f.good(), TF_ERR_IO, path + ": write failed");
}

void commit_directory(const std::string &dir, const std::function<void(const std::string &tmp)> &fill) {
  const fs::path target(dir);
  require(!fs::exists(target), TF_ERR_STATE, dir + ": already exists (artifacts are written once)");
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const fs::path tmp = target.string() + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp);
  try {
    fill(tmp.string());
    json manifest = {{"format", 1}, {"files", json::object()}};
    for (const auto &e : fs::directory_iterator(tmp))
      if (e.is_regular_file()) manifest["files"][e.path().filename().string()] = e.file_size();
    write_json_file((tmp / "manifest.json").string(), manifest);
    fs::rename(tmp, target);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

void verify_manifest(const std::string &dir) {
  const fs::path manifest = fs::path(dir) / "manifest.json";
  require(fs::exists(manifest), TF_ERR_STATE, dir + ": no manifest.json (incomplete or not a checkpoint)");
  const json m = read_json_file(manifest.string());
  require(m.contains("files") && m["files"].is_object(), TF_ERR_FORMAT, manifest.string() + ": missing files");
  for (auto it = m["files"].begin(); it != m["files"].end(); ++it) {
    const fs::path f = fs::path(dir) / it.key();
    require(fs::exists(f), TF_ERR_IO, f.string() + ": listed in the manifest but missing");
    require(fs::file_size(f) == it.value().get<uintmax_t>(), TF_ERR_FORMAT,
            f.string() + ": size differs from the manifest");
  }
}

}  // namespace tf

// Create-only directory commits: build under a temporary sibling, then rename.
#pragma once
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace tf {

// Runs fill(tmp_dir), writes manifest.json (file name -> size) last, then renames tmp_dir to dir.
// Fails if dir already exists; removes the temporary directory on failure.
void commit_directory(const std::string &dir, const std::function<void(const std::string &tmp)> &fill);
// Checks that dir has a manifest and that every file it lists has the recorded size.
void verify_manifest(const std::string &dir);
nlohmann::json read_json_file(const std::string &path);
void write_json_file(const std::string &path, const nlohmann::json &j);

}  // namespace tf

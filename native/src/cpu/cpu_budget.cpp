// The default thread count (threads = 0): the CPUs this process may run on, capped by its cgroup's CPU quota.
// OpenMP sees the node's cores, not the quota: a pod limited to 2 CPUs on a 64-core node would start 64 threads,
// the kernel would throttle them in turn and every barrier would wait on a throttled thread. Same rule as
// libs/engine's defaultThreadCount (cpu-budget.ts), for callers of the C API.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include "kernels.h"

namespace tf::cpu {

namespace {

bool read_word(const std::string &path, std::string &a, std::string &b) {
  std::ifstream f(path);
  return static_cast<bool>(f >> a) && (f >> b || true);
}

int quota_cpus(double quota, double period) {
  if (!(quota > 0) || !(period > 0) || !std::isfinite(quota) || !std::isfinite(period)) return 0;
  return std::max(1, (int)std::ceil(quota / period));
}

}  // namespace

int cgroup_cpu_quota(const std::string &root) {
  std::string q, p;
  if (read_word(root + "/cpu.max", q, p)) {  // cgroup v2: "max 100000" or "200000 100000"
    if (q == "max") return 0;
    try {
      return quota_cpus(std::stod(q), p.empty() ? 100000.0 : std::stod(p));
    } catch (...) {
      return 0;
    }
  }
  std::string unused;
  if (!read_word(root + "/cpu/cpu.cfs_quota_us", q, unused) || !read_word(root + "/cpu/cpu.cfs_period_us", p, unused))
    return 0;
  try {
    return quota_cpus(std::stod(q), std::stod(p));
  } catch (...) {
    return 0;
  }
}

int default_threads() {
  static const int n = [] {
    const int procs = std::max(1, omp_get_num_procs());
    const int quota = cgroup_cpu_quota("/sys/fs/cgroup");
    return quota > 0 ? std::min(procs, quota) : procs;
  }();
  return n;
}

}  // namespace tf::cpu

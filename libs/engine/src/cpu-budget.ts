import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * How many kernel threads the engine uses when the caller does not say: the CPUs this process may run on
 * (affinity) capped by its cgroup's CPU quota. A pod limited to 2 CPUs on a 64-core node must not start 64 OpenMP
 * threads: the kernel would throttle them in turn, each barrier waiting on a throttled thread, and a step would
 * take many times longer (OpenMP only sees the node's cores, not the quota).
 */
export function defaultThreadCount(cgroupRoot = '/sys/fs/cgroup'): number {
  const quota = cgroupCpuQuota(cgroupRoot);
  return Math.max(1, Math.min(availableParallelism(), quota ?? Infinity));
}

/** CPUs allowed by the cgroup (v2 `cpu.max`, else v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up; undefined when unlimited or unknown. */
export function cgroupCpuQuota(cgroupRoot = '/sys/fs/cgroup'): number | undefined {
  const v2 = read(`${cgroupRoot}/cpu.max`);
  if (v2 !== undefined) {
    const [quota, period] = v2.trim().split(/\s+/);
    return quota === 'max' ? undefined : cpus(Number(quota), Number(period));
  }
  const quota = read(`${cgroupRoot}/cpu/cpu.cfs_quota_us`);
  const period = read(`${cgroupRoot}/cpu/cpu.cfs_period_us`);
  if (quota === undefined || period === undefined) return undefined;
  return Number(quota) <= 0 ? undefined : cpus(Number(quota), Number(period));
}

function cpus(quota: number, period: number): number | undefined {
  return Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0 ? Math.max(1, Math.ceil(quota / period)) : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

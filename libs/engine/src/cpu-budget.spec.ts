import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupCpuQuota, defaultThreadCount } from './cpu-budget';

describe('the default thread count follows the CPU quota a pod is given', () => {
  const root = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-cgroup-'));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return dir;
  };

  it('reads cgroup v2 cpu.max, rounding a fractional quota up', () => {
    expect(cgroupCpuQuota(root({ 'cpu.max': '150000 100000\n' }))).toBe(2);
    expect(cgroupCpuQuota(root({ 'cpu.max': '50000 100000\n' }))).toBe(1);
    expect(cgroupCpuQuota(root({ 'cpu.max': 'max 100000\n' }))).toBeUndefined();
  });

  it('reads cgroup v1 cfs quota and period; -1 is unlimited', () => {
    expect(cgroupCpuQuota(root({ 'cpu/cpu.cfs_quota_us': '300000', 'cpu/cpu.cfs_period_us': '100000' }))).toBe(3);
    expect(cgroupCpuQuota(root({ 'cpu/cpu.cfs_quota_us': '-1', 'cpu/cpu.cfs_period_us': '100000' }))).toBeUndefined();
  });

  it('uses the smaller of the quota and the CPUs this process may run on; no cgroup files means no cap', () => {
    expect(defaultThreadCount(root({ 'cpu.max': '100000 100000' }))).toBe(1);
    expect(defaultThreadCount(root({ 'cpu.max': `${1000 * 100000} 100000` }))).toBe(availableParallelism());
    expect(defaultThreadCount(root({}))).toBe(availableParallelism());
  });
});

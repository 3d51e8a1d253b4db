import { formatBytes, formatDuration, formatNumber, jobDuration } from './format';

describe('formatting', () => {
  it('durations', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(7500)).toBe('2 h 05 min');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });

  it('a job runs until it finishes, or until now', () => {
    expect(jobDuration({ created_at: 100, finished_at: 160 }, 1000)).toBe(60);
    expect(jobDuration({ created_at: 100, finished_at: null }, 130)).toBe(30);
  });

  it('bytes and numbers', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
    expect(formatNumber(0.12345)).toBe('0.123');
    expect(formatNumber(undefined)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
  });
});

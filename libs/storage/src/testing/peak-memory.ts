const SAMPLE_INTERVAL_MS = 10;

/**
 * Tracks the highest resident set size seen while an operation runs, relative to where it started.
 * RSS rather than heap because transfer buffers live outside the V8 heap.
 */
export async function measurePeakRssGrowth<T>(operation: () => Promise<T>): Promise<{ result: T; peakGrowthBytes: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, SAMPLE_INTERVAL_MS);
  try {
    const result = await operation();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakGrowthBytes: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

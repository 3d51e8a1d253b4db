/**
 * `work`, again after a short wait while it fails with an error KafkaJS marks retriable (a partition whose leader
 * is being elected answers "not the leader" for a moment after its topic was created or its broker restarted; the
 * admin client's offset queries do not retry that themselves). Up to about 5 s, then the last error.
 */
export async function retryingRetriable<T>(work: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || (error as { retriable?: unknown }).retriable !== true) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 100 * 2 ** (attempt - 1))));
    }
  }
}

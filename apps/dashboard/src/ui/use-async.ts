import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  /** True until the first answer (data or error) arrives; later loads keep the last answer on screen meanwhile. */
  loading: boolean;
  reload(): void;
}

/**
 * Loads what `load` returns, again when `deps` change or on `reload()`, and every `refreshMs` when given (a page that
 * follows running jobs). A result that arrives after a newer request started is dropped.
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[], refreshMs?: number): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; settled: boolean }>({ data: undefined, error: undefined, settled: false });
  const generation = useRef(0);
  const loadRef = useRef(load);
  // The latest load function, for the timer and reload() to call (kept after each render, not during it).
  useEffect(() => {
    loadRef.current = load;
  });

  const run = useCallback(() => {
    const mine = ++generation.current;
    loadRef.current().then(
      (data) => mine === generation.current && setState({ data, error: undefined, settled: true }),
      (error: Error) => mine === generation.current && setState((previous) => ({ data: previous.data, error, settled: true })),
    );
  }, []);

  // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names what the load depends on
  useEffect(run, deps);
  useEffect(() => {
    if (!refreshMs) return;
    const timer = setInterval(run, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, run]);
  return { data: state.data, error: state.error, loading: !state.settled, reload: run };
}

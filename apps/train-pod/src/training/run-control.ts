import type { TrainingControlAction } from '@tuneforge/contracts';

export type BoundaryDecision = 'continue' | 'cancel';

/**
 * Pause, resume and cancel as the pod applies them: only at step boundaries. A paused run waits at the
 * boundary until resumed or cancelled; cancel is final and wins over anything after it.
 */
export class RunControl {
  private paused = false;
  private cancelled = false;
  private wake?: () => void;

  constructor(private readonly onChange: (state: 'paused' | 'running' | 'cancelled') => void = () => undefined) {}

  apply(action: TrainingControlAction): void {
    if (this.cancelled) return;
    if (action === 'cancel') this.cancelled = true;
    else if (action === 'pause') this.paused = true;
    else this.paused = false;
    this.onChange(this.cancelled ? 'cancelled' : this.paused ? 'paused' : 'running');
    this.wake?.();
  }

  get isPaused(): boolean {
    return this.paused && !this.cancelled;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Called between steps: resolves at once when running, waits while paused. */
  async atBoundary(): Promise<BoundaryDecision> {
    while (this.paused && !this.cancelled) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    return this.cancelled ? 'cancel' : 'continue';
  }
}

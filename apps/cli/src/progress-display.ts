import { MultiBar, type SingleBar } from 'cli-progress';
import type { Io } from './io';
import { formatDuration, formatLoss, formatMetricsLine, formatRate, type TrainingMetrics } from './training-metrics';

/** How `follow` shows a job: lines of events and, for training, progress. */
export interface ProgressDisplay {
  /** An event line or a notice, printed so it does not tear the bar. */
  log(line: string): void;
  update(metrics: TrainingMetrics): void;
  stop(): void;
}

/** On a terminal: a live bar (step/total, loss, tokens/s, ETA) under the scrolling events. Elsewhere: one line per step. */
export function createProgressDisplay(io: Io): ProgressDisplay {
  return io.progressStream.isTTY ? new BarDisplay(io) : new LineDisplay(io);
}

class LineDisplay implements ProgressDisplay {
  constructor(private readonly io: Io) {}
  log(line: string): void {
    this.io.err(line);
  }
  update(metrics: TrainingMetrics): void {
    this.io.err(formatMetricsLine(metrics));
  }
  stop(): void {}
}

class BarDisplay implements ProgressDisplay {
  private readonly multi: MultiBar;
  private bar?: SingleBar;

  constructor(io: Io) {
    this.multi = new MultiBar({
      stream: io.progressStream,
      format: 'training |{bar}| step {value}/{total} | loss {loss} | {tps} tok/s | ETA {eta_text}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 30,
    });
  }

  log(line: string): void {
    this.multi.log(`${line}\n`);
  }

  update(m: TrainingMetrics): void {
    const payload = { loss: formatLoss(m.loss), tps: formatRate(m.tokensPerSecond), eta_text: formatDuration(m.etaSeconds) };
    if (!this.bar) this.bar = this.multi.create(m.totalSteps, m.step, payload);
    else {
      this.bar.setTotal(m.totalSteps);
      this.bar.update(m.step, payload);
    }
  }

  stop(): void {
    this.multi.stop();
  }
}

export interface StoredMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * One partition's append-only log with the position of each consumer group that subscribed. Messages every
 * subscribed group has passed are dropped, so a long-running embedded process does not grow without bound.
 */
export class PartitionLog {
  private messages: StoredMessage[] = [];
  private base = 0;
  private readonly positions = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  get start(): number {
    return this.base;
  }

  get end(): number {
    return this.base + this.messages.length;
  }

  append(message: StoredMessage): void {
    this.messages.push(message);
    for (const listener of this.listeners) listener();
  }

  at(offset: number): StoredMessage | undefined {
    return this.messages[offset - this.base];
  }

  positionOf(group: string): number | undefined {
    return this.positions.get(group);
  }

  /**
   * A group's position from its subscription on (its committed one if it has one): until the group commits,
   * what it has yet to read is kept too, however far the other groups have read.
   */
  join(group: string, from: 'earliest' | 'latest'): number {
    let position = this.positions.get(group);
    if (position === undefined) {
      position = from === 'latest' ? this.end : this.start;
      this.positions.set(group, position);
    }
    return position;
  }

  commit(group: string, position: number): void {
    this.positions.set(group, position);
    const slowest = Math.min(...this.positions.values());
    if (slowest > this.base) {
      this.messages = this.messages.slice(slowest - this.base);
      this.base = slowest;
    }
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

import { z } from 'zod';
import { type AgentMessage, agentMessageSchema } from '../messages/agent-message';

export type MemoryStateDict = Record<string, AgentMessage[]>;

const stateDictSchema = z.record(z.string(), z.array(agentMessageSchema));

/**
 * Per-session message memory. Sessions keep concurrent rollouts (one per chain) apart while they share
 * one agent; `stateDict` dumps every session as plain JSON data and `loadStateDict` restores it, so a
 * rollout can be saved, inspected, and resumed.
 */
export class AgentMemory {
  private readonly sessions = new Map<string, AgentMessage[]>();

  add(sessionId: string, ...messages: AgentMessage[]): void {
    const list = this.sessions.get(sessionId) ?? [];
    list.push(...messages.map((m) => structuredClone(m)));
    this.sessions.set(sessionId, list);
  }

  /** The session's messages (copies: changing them does not change the memory). */
  get(sessionId: string): AgentMessage[] {
    return structuredClone(this.sessions.get(sessionId) ?? []);
  }

  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** Clears one session, or every session when no id is given. */
  reset(sessionId?: string): void {
    if (sessionId === undefined) this.sessions.clear();
    else this.sessions.delete(sessionId);
  }

  stateDict(): MemoryStateDict {
    return Object.fromEntries([...this.sessions].map(([id, messages]) => [id, structuredClone(messages)]));
  }

  /** Replaces the memory with a dump; a malformed dump is refused with the path of the first bad field. */
  loadStateDict(state: unknown): void {
    const result = stateDictSchema.safeParse(state);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`memory state dict: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
    }
    this.sessions.clear();
    for (const [id, messages] of Object.entries(result.data)) this.sessions.set(id, structuredClone(messages as AgentMessage[]));
  }
}

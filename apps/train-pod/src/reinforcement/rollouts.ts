import { runAgent, type AgentModel, type AgentTool, type ModelGenerateOptions, type ModelGeneration, type ModelInput, type OutputParser, type Trajectory } from '@tuneforge/agents';
import type { Message } from '@tuneforge/datasets';
import type { GrpoSegment } from '@tuneforge/engine';

/** A model that says which token ids it read and wrote (libs/serving's ServedAgentModel does). */
export interface TokenAgentModel {
  generate(input: ModelInput, options: ModelGenerateOptions): Promise<ModelGeneration & { promptTokens: number[]; tokens: number[] }>;
  /** When given: the ids an input encodes to, and the context (prompt + generation) a sequence may hold. */
  encode?(input: ModelInput): number[];
  readonly maxContext?: number;
}

/** One turn as tokens: what the model was given and what it generated. */
interface TurnTokens {
  turn: number;
  prompt: number[];
  generated: number[];
  finishReason: ModelGeneration['finishReason'];
}

/**
 * The policy as libs/agents' runner sees it, recording each chain's turns as token ids: the loss later falls on
 * exactly the tokens the model sampled, in exactly the context it sampled them in. One recorder per group.
 */
class RecordingModel implements AgentModel {
  readonly turns = new Map<number, TurnTokens[]>();

  constructor(
    private readonly inner: TokenAgentModel,
    /** Appended to a generation that ended on the model's end-of-sequence token (its id, when it has one). */
    private readonly endOfSequenceId: number | undefined,
  ) {}

  async generate(input: ModelInput, options: ModelGenerateOptions): Promise<ModelGeneration> {
    // An episode whose history outgrew the context (long tool outputs, many turns) ends there, as a generation cut
    // by its budget with nothing in it, rather than failing the whole run.
    const chain = options.chain ?? 0;
    if (this.inner.encode && this.inner.maxContext !== undefined) {
      const prompt = this.inner.encode(input);
      if (prompt.length >= this.inner.maxContext) {
        this.record(chain, { turn: options.turn ?? 0, prompt, generated: [], finishReason: 'length' });
        return { text: '', finishReason: 'length' };
      }
    }
    const g = await this.inner.generate(input, options);
    const generated = g.finishReason === 'eos' && this.endOfSequenceId !== undefined ? [...g.tokens, this.endOfSequenceId] : g.tokens;
    this.record(chain, { turn: options.turn ?? 0, prompt: g.promptTokens, generated, finishReason: g.finishReason });
    return { text: g.text, finishReason: g.finishReason, ...(g.stop !== undefined ? { stop: g.stop } : {}) };
  }

  private record(chain: number, turn: TurnTokens): void {
    const list = this.turns.get(chain) ?? [];
    list.push(turn);
    this.turns.set(chain, list);
  }
}

/** One rollout of a prompt, ready for the grader and for the loss. */
export interface Episode {
  trajectory: Trajectory;
  /**
   * Each turn as a segment: its prompt (masked: the task, earlier turns as the template renders them, tool
   * outputs) and its generation (the loss tokens), AgentFly's action mask. Turns are kept apart rather than
   * spliced into one row: a chat template need not render an earlier generation as the ids the model sampled,
   * and each generation must be scored in the context it was sampled in.
   */
  segments: GrpoSegment[];
  /** Generated tokens over all turns (length metrics, the debugger's length-hacking rule). */
  generatedTokens: number;
  /** Whether a generation hit its token budget. */
  truncated: boolean;
}

export interface RolloutSettings {
  parser: OutputParser;
  tools: () => readonly AgentTool[];
  numChains: number;
  maxTurns: number;
  maxNewTokens: number;
  temperature: number;
  seed: number;
  endOfSequenceId?: number;
  system?: string;
}

/**
 * `numChains` episodes of one task (a GRPO group), each multi-turn with the tools executed by libs/agents, run
 * side by side so that the serving scheduler decodes their generations in one batch. Chain i samples with seed
 * `seed + i`; tools are built per group (fixtures and the calculator keep no state between groups).
 */
export async function rolloutGroup(model: TokenAgentModel, messages: readonly Message[], settings: RolloutSettings): Promise<Episode[]> {
  const recorder = new RecordingModel(model, settings.endOfSequenceId);
  const { trajectories } = await runAgent({
    model: recorder,
    tools: settings.tools(),
    parser: settings.parser,
    messages,
    maxTurns: settings.maxTurns,
    numChains: settings.numChains,
    generation: { maxNewTokens: settings.maxNewTokens, temperature: settings.temperature, seed: settings.seed },
    ...(settings.system !== undefined ? { system: settings.system } : {}),
  });
  return trajectories.map((trajectory) => {
    const turns = recorder.turns.get(trajectory.chain) ?? [];
    const segments = turns
      .filter((t) => t.generated.length > 0)
      .map((t) => ({ tokens: [...t.prompt, ...t.generated], mask: [...t.prompt.map(() => 0), ...t.generated.map(() => 1)] }));
    return {
      trajectory,
      segments,
      generatedTokens: turns.reduce((n, t) => n + t.generated.length, 0),
      truncated: turns.some((t) => t.finishReason === 'length'),
    };
  });
}

import {
  type Backend,
  type GenerateOptions,
  type LoadOptions,
  type SessionOptions,
  type TokenBatch,
  type TrainConfig,
  checkToken,
  flattenRows,
  resolveGenerateOptions,
  resolveSessionOptions,
  resolveTrainConfig,
} from './config';
import { defaultThreadCount } from './cpu-budget';
import { type ModelHandle, type NativeModelInfo, type TrainerHandle, binding } from './binding';
import { EngineError, invalid, native } from './errors';
import { DecodeSession } from './session';
import { type AddedToken, type AddedTokenBatch, applyAddedTokens, readTokenizerJson, stageTokenizerFiles } from './tokenizer-files';

export type { AddedToken } from './tokenizer-files';

export type ModelInfo = NativeModelInfo;

export const EXPORT_DTYPES = ['float32', 'bfloat16', 'float16'] as const;
export type ExportDtype = (typeof EXPORT_DTYPES)[number];

export interface SaveMergedOptions {
  sourceDir?: string;
  dtype?: ExportDtype;
}

export interface Generation {
  tokens: number[];
  /** The model's log-probability of each generated token (raw logits, before temperature and filters). */
  logprobs: number[];
  finishReason: 'length' | 'stop';
}

export interface StepResult {
  step: number;
  lr: number;
  gradNorm: number;
  /** Loss accumulated for this step over its normaliser: the mean over its tokens, or over accumulateWeighted's units. */
  loss: number;
  tokens: number;
  /**
   * Of `tokens`, those whose greedy prediction (argmax, ties to the lowest id) was right: the step's token
   * accuracy is correctTokens / tokens. Counted by accumulate() only (0 after accumulateWeighted).
   */
  correctTokens: number;
}

/** A loaded Hugging Face model directory. Dispose it when done; calls on one model run one at a time. */
export class Model {
  private handle: ModelHandle | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Named tokens added so far (addTokens(contents)) and their ids, which exports write into the tokenizer. */
  private tokenBatches: AddedTokenBatch[] = [];
  private namedTokens: AddedToken[] = [];

  private constructor(
    handle: ModelHandle,
    readonly dir: string,
  ) {
    this.handle = handle;
  }

  static async load(dir: string, options: LoadOptions = {}): Promise<Model> {
    if (typeof dir !== 'string' || dir.length === 0) throw invalid('dir must be a non-empty string');
    const threads = options.threads ?? 0;
    if (!Number.isInteger(threads) || threads < 0) throw invalid('threads must be a non-negative integer');
    const b = binding();
    // 0 means "as many as this process may use": its CPUs capped by its cgroup's quota (cpu-budget.ts).
    const backend = options.backend ?? backendFromEnvironment();
    const handle = await native(() => b.loadModel(dir, backend, threads || defaultThreadCount()));
    return new Model(handle, dir);
  }

  /** The native handle, or a DISPOSED error. */
  get native(): ModelHandle {
    if (!this.handle) throw new EngineError('DISPOSED', 'the model has been disposed');
    return this.handle;
  }

  info(): ModelInfo {
    return binding().modelInfo(this.native);
  }

  /** Serialises calls so that JavaScript never sees the engine's BUSY refusal. */
  run<T>(call: (handle: ModelHandle) => Promise<T>): Promise<T> {
    const handle = this.native;
    const next = this.queue.then(
      () => native(() => call(handle)),
      () => native(() => call(handle)),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  private tokenCheck(): (v: number, where: string) => void {
    const vocab = this.info().vocabSize;
    return (v, where) => checkToken(v, where, vocab);
  }

  /** Logits [batch][seq][vocab], flattened. */
  async forward(inputIds: readonly (readonly number[])[], positionIds?: readonly (readonly number[])[]): Promise<Float32Array> {
    const ids = flattenRows(inputIds, 'inputIds', this.tokenCheck());
    const pos = positionIds ? flattenPositions(positionIds, ids.batch, ids.seq) : null;
    return this.run((h) => binding().forward(h, ids.data, pos, ids.batch, ids.seq));
  }

  /** For each sequence, log p(token t | tokens before t) for t >= 1 (index 0 is 0). */
  async tokenLogprobs(sequences: readonly (readonly number[])[]): Promise<number[][]> {
    const { tokens, offsets } = flattenRagged(sequences, 'sequences', this.tokenCheck());
    const out = await this.run((h) => binding().tokenLogprobs(h, tokens, offsets));
    return sequences.map((_, i) => Array.from(out.subarray(offsets[i], offsets[i + 1])));
  }

  /**
   * tokenLogprobs() with the model's own LoRA adapter (a LoRA trainer's, or one attached and not merged) left
   * out: the base weights alone, as PEFT's `disable_adapter()`. GRPO's reference policy of a LoRA run, with no
   * second copy of the weights. Without an adapter it equals tokenLogprobs().
   */
  async baseTokenLogprobs(sequences: readonly (readonly number[])[]): Promise<number[][]> {
    const { tokens, offsets } = flattenRagged(sequences, 'sequences', this.tokenCheck());
    const out = await this.run((h) => binding().tokenLogprobsBase(h, tokens, offsets));
    return sequences.map((_, i) => Array.from(out.subarray(offsets[i], offsets[i + 1])));
  }

  /**
   * tokenLogprobs() plus, per token, whether it is the model's greedy prediction from the tokens before it
   * (argmax, ties to the lowest id; false at index 0): what token accuracy counts.
   */
  async tokenScores(sequences: readonly (readonly number[])[]): Promise<{ logprobs: number[][]; greedy: boolean[][] }> {
    const { tokens, offsets } = flattenRagged(sequences, 'sequences', this.tokenCheck());
    const out = await this.run((h) => binding().tokenScores(h, tokens, offsets));
    return {
      logprobs: sequences.map((_, i) => Array.from(out.logprobs.subarray(offsets[i], offsets[i + 1]))),
      greedy: sequences.map((_, i) => Array.from(out.greedy.subarray(offsets[i], offsets[i + 1]), (flag) => flag === 1)),
    };
  }

  /** Log-probabilities of each continuation token given its prompt. */
  async continuationLogprobs(items: readonly { prompt: readonly number[]; continuation: readonly number[] }[]): Promise<number[][]> {
    items.forEach((it, i) => {
      if (!Array.isArray(it.prompt) || it.prompt.length === 0) throw invalid(`items[${i}].prompt must not be empty`);
      if (!Array.isArray(it.continuation) || it.continuation.length === 0)
        throw invalid(`items[${i}].continuation must not be empty`);
    });
    const all = await this.tokenLogprobs(items.map((it) => [...it.prompt, ...it.continuation]));
    return all.map((lp, i) => lp.slice(items[i].prompt.length));
  }

  async generate(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<Generation[]> {
    const vocab = this.info().vocabSize;
    const { tokens, offsets } = flattenRagged(prompts, 'prompts', (v, w) => checkToken(v, w, vocab));
    const o = resolveGenerateOptions(options, vocab);
    const r = await this.run((h) => binding().generate(h, tokens, offsets, o));
    return prompts.map((_, i) => {
      const start = i * o.maxNewTokens;
      const end = start + r.lengths[i];
      return {
        tokens: Array.from(r.tokens.subarray(start, end)),
        logprobs: Array.from(r.logprobs.subarray(start, end)),
        finishReason: r.finish[i] === 1 ? 'stop' : 'length',
      };
    });
  }

  /**
   * A decode session for serving: sequences join and leave between steps, each step returns one token per
   * sequence (see DecodeSession). KV caches grow with each sequence, never maxContext x maxSequences up front.
   */
  async createSession(options: SessionOptions): Promise<DecodeSession> {
    const o = resolveSessionOptions(options);
    const handle = await this.run((h) => binding().createSession(h, o.maxSequences, o.maxContext));
    return new DecodeSession(this, handle, o);
  }

  /**
   * Grows embeddings (and an untied LM head) by one row per token, each the mean of the existing rows.
   * With token strings, ids come from `withAddedTokens` (libs/datasets) applied to the loaded directory's
   * tokenizer.json with the model's vocab size: the same ids `withAgentTokens` gives when tokenizing training
   * data, and always the new rows (vocabSize, vocabSize + 1, ...). Tokens the tokenizer already has keep their
   * id and grow nothing. Returns every requested token's id; exports write the new ones into the tokenizer.
   * With a count, the rows are anonymous and the tokenizer files are left alone.
   */
  async addTokens(n: number): Promise<void>;
  async addTokens(contents: readonly string[]): Promise<AddedToken[]>;
  async addTokens(arg: number | readonly string[]): Promise<void | AddedToken[]> {
    if (typeof arg === 'number') {
      if (!Number.isInteger(arg) || arg < 1) throw invalid('n must be a positive integer');
      return this.run((h) => binding().addTokens(h, arg));
    }
    if (!Array.isArray(arg) || arg.length === 0 || arg.some((c) => typeof c !== 'string' || c.length === 0))
      throw invalid('contents must be a non-empty array of non-empty strings');
    if (new Set(arg).size !== arg.length) throw invalid('contents must not repeat a token');
    const contents = [...arg];
    return this.run(async (h) => {
      const vocabSize = binding().modelInfo(h).vocabSize;
      const batches = [...this.tokenBatches, { contents, vocabSize }];
      const json = applyAddedTokens(readTokenizerJson(this.dir), batches, this.namedTokens);
      const ids = new Map((json.added_tokens ?? []).map((t) => [t.content, t.id]));
      const grown = contents.filter((c) => (ids.get(c) ?? -1) >= vocabSize);
      grown.forEach((c, i) => {
        if (ids.get(c) !== vocabSize + i)
          throw new EngineError('MISMATCH', `tokenizer.json has ids beyond the model's ${vocabSize} rows`);
      });
      const missing = contents.find((c) => ids.get(c) === undefined);
      if (missing !== undefined) throw new EngineError('INTERNAL', `no id for ${JSON.stringify(missing)}`);
      if (grown.length > 0) await binding().addTokens(h, grown.length);
      this.tokenBatches = batches;
      this.namedTokens.push(...grown.map((content) => ({ content, id: ids.get(content) as number })));
      return contents.map((content) => ({ content, id: ids.get(content) as number }));
    });
  }

  /**
   * Writes a merged model directory (LoRA folded in). Tokenizer files are copied from sourceDir (default:
   * the loaded dir), with tokens added by addTokens(contents) written into tokenizer.json and
   * tokenizer_config.json; weights are stored as dtype (default: the source config's torch_dtype).
   */
  async saveMerged(outDir: string, options: SaveMergedOptions = {}): Promise<void> {
    if (typeof outDir !== 'string' || !outDir) throw invalid('outDir must be a non-empty string');
    if (options.dtype !== undefined && !EXPORT_DTYPES.includes(options.dtype))
      throw invalid(`dtype must be one of ${EXPORT_DTYPES.join(', ')}`);
    const sourceDir = options.sourceDir ?? this.dir;
    const dtype = options.dtype ?? null;
    return this.run(async (h) => {
      // Read inside the queue, so that an addTokens queued before this export is included.
      if (this.namedTokens.length === 0) return binding().saveMerged(h, sourceDir, outDir, dtype);
      // The engine grows weights only; the tokenizer edit is JSON, done here rather than in C++, and staged
      // before the native export (which copies the staged files into the directory it commits) because the
      // committed directory's manifest records file sizes and must not change afterwards.
      const staged = await stageTokenizerFiles(sourceDir, this.tokenBatches, this.namedTokens);
      try {
        await binding().saveMerged(h, staged.dir, outDir, dtype);
      } finally {
        await staged.cleanup();
      }
    });
  }

  /**
   * Writes a PEFT adapter directory (adapter_config.json + adapter_model.safetensors). When the vocabulary grew
   * (addTokens, or an attached adapter that carried it), the adapter stands alone: it holds the whole embedding
   * (and an untied LM head) as `modules_to_save` and the tokenizer files with the added tokens, written as
   * saveMerged writes them, so the ids agree. peft loads it on the unchanged base once the base's embeddings are
   * resized to the adapter's rows (`resize_token_embeddings`; see native/README.md, PEFT adapters).
   */
  async saveAdapter(outDir: string, baseModelName: string = this.dir): Promise<void> {
    if (typeof outDir !== 'string' || !outDir) throw invalid('outDir must be a non-empty string');
    if (typeof baseModelName !== 'string' || !baseModelName) throw invalid('baseModelName must be a non-empty string');
    return this.run(async (h) => {
      // The native export copies the tokenizer files only when it writes the embeddings; anonymous rows
      // (addTokens(n)) leave the loaded dir's tokenizer as it is.
      if (this.namedTokens.length === 0) return binding().saveAdapter(h, baseModelName, null, outDir);
      const staged = await stageTokenizerFiles(this.dir, this.tokenBatches, this.namedTokens);
      try {
        await binding().saveAdapter(h, baseModelName, staged.dir, outDir);
      } finally {
        await staged.cleanup();
      }
    });
  }

  /**
   * Multi-LoRA serving: loads a saved PEFT LoRA adapter into a new slot beside the unmerged base weights
   * (slots 1, 2, ...; 0 is the base). A session sequence added with `loraSlot` decodes with that adapter:
   * its projections add (alpha / r) x A^T B^T for its rows only, so sequences of several adapters batch
   * together over one base. Gives the merged model's greedy tokens (log-probs within float rounding).
   * Refused: adapters with modules_to_save (a grown vocabulary: UNSUPPORTED, serve those merged), a model
   * with its own adapter or a trainer (STATE). `bytes` is the slot's resident size (its A/B tensors, f32).
   */
  async addLoraSlot(adapterDir: string): Promise<{ slot: number; bytes: number }> {
    if (typeof adapterDir !== 'string' || !adapterDir) throw invalid('adapterDir must be a non-empty string');
    const slot = await this.run((h) => binding().addLoraSlot(h, adapterDir));
    this.loraSlotCount = slot.slot;
    return slot;
  }

  /** How many LoRA slots addLoraSlot has added. */
  get loraSlots(): number {
    return this.loraSlotCount;
  }
  private loraSlotCount = 0;

  /**
   * Attaches a saved PEFT LoRA adapter directory for inference or further training (a LoRA trainer
   * created afterwards with the same r, alpha and target modules continues it). An adapter whose
   * `modules_to_save` hold a grown embedding (and LM head) grows the vocabulary to their rows; the tokens its
   * tokenizer.json names for those rows count as added by addTokens(contents), so exports write them and a later
   * addTokens of the same tokens finds them.
   */
  async attachAdapter(adapterDir: string): Promise<void> {
    if (typeof adapterDir !== 'string' || !adapterDir) throw invalid('adapterDir must be a non-empty string');
    return this.run(async (h) => {
      const before = binding().modelInfo(h).vocabSize;
      await binding().loadPeftAdapter(h, adapterDir);
      const after = binding().modelInfo(h).vocabSize;
      if (after > before) this.adoptAddedTokens(adapterDir, before, after);
    });
  }

  /**
   * Records the tokens an attached adapter's tokenizer.json gives the rows it grew, [before, after), as one
   * addTokens batch, when replaying that batch on the loaded tokenizer (withAddedTokens) gives them the same
   * ids: every row named, in id order, as the engine's own adapters are. Otherwise the rows stay anonymous, as
   * after addTokens(n): exports then copy the loaded dir's tokenizer, which does not know them.
   */
  private adoptAddedTokens(adapterDir: string, before: number, after: number): void {
    const grown = (readTokenizerJson(adapterDir)?.added_tokens ?? [])
      .filter((t) => t.id >= before && t.id < after)
      .sort((a, b) => a.id - b.id);
    if (grown.length !== after - before) return;
    const batches = [...this.tokenBatches, { contents: grown.map((t) => t.content), vocabSize: before }];
    const named = [...this.namedTokens, ...grown.map((t) => ({ content: t.content, id: t.id }))];
    try {
      applyAddedTokens(readTokenizerJson(this.dir), batches, named);
    } catch (err) {
      if (err instanceof EngineError && err.code === 'MISMATCH') return;
      throw err;
    }
    this.tokenBatches = batches;
    this.namedTokens = named;
  }

  /** Folds the LoRA adapter into the base weights. */
  async mergeAdapter(): Promise<void> {
    return this.run((h) => binding().mergeAdapter(h));
  }

  async createTrainer(config: TrainConfig): Promise<Trainer> {
    const resolved = resolveTrainConfig(config);
    const handle = await this.run((h) => binding().createTrainer(h, resolved));
    return new Trainer(this, handle);
  }

  dispose(): void {
    if (this.handle) binding().freeModel(this.handle);
    this.handle = undefined;
  }
}

/** A micro-batch with a loss weight per label (Trainer.accumulateWeighted). */
export interface WeightedTokenBatch extends TokenBatch {
  weights: readonly (readonly number[])[];
}

export class Trainer {
  private handle: TrainerHandle | undefined;

  constructor(
    readonly model: Model,
    handle: TrainerHandle,
  ) {
    this.handle = handle;
  }

  private get native(): TrainerHandle {
    if (!this.handle) throw new EngineError('DISPOSED', 'the trainer has been disposed');
    return this.handle;
  }

  /** Forward + backward on one micro-batch; gradients accumulate until step(). Returns the micro-batch's mean loss. */
  async accumulate(batch: TokenBatch): Promise<number> {
    const vocab = this.model.info().vocabSize;
    const ids = flattenRows(batch.inputIds, 'inputIds', (v, w) => checkToken(v, w, vocab));
    const labels = flattenRows(batch.labels, 'labels', (v, w) => {
      if (v !== -100) checkToken(v, w, vocab);
    });
    if (labels.batch !== ids.batch || labels.seq !== ids.seq) throw invalid('labels must have the shape of inputIds');
    const pos = batch.positionIds ? flattenPositions(batch.positionIds, ids.batch, ids.seq) : null;
    const t = this.native;
    return this.model.run(() => binding().accumulate(t, ids.data, labels.data, pos, ids.batch, ids.seq));
  }

  /**
   * accumulate() with a weight per label (`weights` shaped as `labels`; may be negative): adds the gradient of
   * Σ w·NLL and `units` (> 0) to what step() divides by, in place of the micro-batch's labeled-token count.
   * Preference training (dpo.ts) uses it with units = pairs. Returns Σ w·NLL / units and, per row, log p(label t)
   * from this pass at each labeled position (0 elsewhere).
   */
  async accumulateWeighted(batch: WeightedTokenBatch, units: number): Promise<{ loss: number; tokenLogprobs: number[][] }> {
    const vocab = this.model.info().vocabSize;
    const ids = flattenRows(batch.inputIds, 'inputIds', (v, w) => checkToken(v, w, vocab));
    const labels = flattenRows(batch.labels, 'labels', (v, w) => {
      if (v !== -100) checkToken(v, w, vocab);
    });
    if (labels.batch !== ids.batch || labels.seq !== ids.seq) throw invalid('labels must have the shape of inputIds');
    if (!Array.isArray(batch.weights) || batch.weights.length !== ids.batch) throw invalid('weights must have the shape of inputIds');
    const weights = new Float32Array(ids.batch * ids.seq);
    batch.weights.forEach((row, b) => {
      if (!Array.isArray(row) || row.length !== ids.seq) throw invalid('weights must have the shape of inputIds');
      row.forEach((w, t) => {
        if (typeof w !== 'number' || !Number.isFinite(w)) throw invalid(`weights[${b}][${t}] must be a finite number`);
        weights[b * ids.seq + t] = w;
      });
    });
    if (typeof units !== 'number' || !Number.isFinite(units) || units <= 0) throw invalid('units must be a number greater than 0');
    const pos = batch.positionIds ? flattenPositions(batch.positionIds, ids.batch, ids.seq) : null;
    const t = this.native;
    const out = await this.model.run(() => binding().accumulateWeighted(t, ids.data, labels.data, weights, pos, ids.batch, ids.seq, units));
    const rows = Array.from({ length: ids.batch }, (_, b) => Array.from(out.tokenLogprobs.subarray(b * ids.seq, (b + 1) * ids.seq)));
    return { loss: out.loss, tokenLogprobs: rows };
  }

  /**
   * Clips, applies AdamW at the scheduled learning rate, clears gradients. Refused (code STATE) when an
   * accumulate since the last step failed inside the engine (e.g. OUT_OF_MEMORY): discard() and redo the step.
   */
  async step(): Promise<StepResult> {
    const t = this.native;
    return this.model.run(() => binding().step(t));
  }

  /**
   * Forgets what was accumulated since the last step (gradients, counts, the dropout stream's position) and frees
   * the engine's activations, so the step can be redone, e.g. in smaller micro-batches after OUT_OF_MEMORY.
   */
  async discard(): Promise<void> {
    const t = this.native;
    return this.model.run(() => binding().discard(t));
  }

  get stepCount(): number {
    return binding().stepCount(this.native);
  }

  /** Trainable parameter names: Hugging Face names (full) or PEFT adapter names (LoRA). */
  paramNames(): string[] {
    return binding().paramNames(this.native);
  }

  /** The gradient accumulated so far, normalised by the tokens counted so far (queued behind pending calls). */
  async grad(name: string): Promise<Float32Array> {
    const t = this.native;
    return this.model.run(async () => binding().grad(t, name));
  }

  /** Loads LoRA weights from a safetensors file whose keys are prefix + PEFT name. */
  async loadAdapter(path: string, prefix = ''): Promise<void> {
    const t = this.native;
    return this.model.run(() => binding().loadAdapter(t, path, prefix));
  }

  /** Writes a checkpoint directory (create-only, committed by rename with manifest.json). */
  async save(dir: string): Promise<void> {
    const t = this.native;
    return this.model.run(() => binding().saveCheckpoint(t, dir));
  }

  async resume(dir: string): Promise<void> {
    const t = this.native;
    return this.model.run(() => binding().resumeCheckpoint(t, dir));
  }

  dispose(): void {
    if (this.handle) binding().freeTrainer(this.handle);
    this.handle = undefined;
  }
}

function flattenPositions(rows: readonly (readonly number[])[], batch: number, seq: number): Int32Array {
  const pos = flattenRows(rows, 'positionIds', (v, w) => {
    if (!Number.isInteger(v) || v < 0) throw invalid(`${w}: position ${v} must be a non-negative integer`);
  });
  if (pos.batch !== batch || pos.seq !== seq) throw invalid('positionIds must have the shape of inputIds');
  return pos.data;
}

function flattenRagged(
  rows: readonly (readonly number[])[],
  name: string,
  check: (v: number, where: string) => void,
): { tokens: Int32Array; offsets: Int32Array } {
  if (!Array.isArray(rows) || rows.length === 0) throw invalid(`${name} must be a non-empty array`);
  const offsets = new Int32Array(rows.length + 1);
  const flat: number[] = [];
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length === 0) throw invalid(`${name}[${i}] must be a non-empty token array`);
    row.forEach((v, t) => check(v, `${name}[${i}][${t}]`));
    flat.push(...row);
    offsets[i + 1] = flat.length;
  });
  return { tokens: Int32Array.from(flat), offsets };
}

/** The backend a process runs its models on unless told otherwise: TF_ENGINE_BACKEND (`cpu` or `cuda`), else `cpu`. */
export function backendFromEnvironment(env: NodeJS.ProcessEnv = process.env): Backend {
  const value = env['TF_ENGINE_BACKEND'];
  if (value === undefined || value === '') return 'cpu';
  if (value !== 'cpu' && value !== 'cuda') throw invalid(`TF_ENGINE_BACKEND must be cpu or cuda, got ${JSON.stringify(value)}`);
  return value;
}

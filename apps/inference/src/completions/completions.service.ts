import { Inject, Injectable } from '@nestjs/common';
import { completionRequestSchema, DEFAULT_COMPLETION_MAX_TOKENS, type CompletionRequest } from '@tuneforge/contracts';
import { SERVICE_CONFIG } from '@tuneforge/service-kit';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { choiceSeed, collectChoice, completionLogprobs, encodeTextPrompt, runChoice, type ChoiceRequest, type CompletionLogprobs, type ServedModel } from '@tuneforge/serving';
import type { InferenceConfig } from '../config/inference-config';
import { InvalidRequestError } from '../errors/inference-errors';
import { checkCaps, stopStrings, tokenBudget } from '../generation/request-limits';
import { servingMetrics } from '../generation/serving-metrics';
import { clientGone, ServerSentEvents } from '../http/server-sent-events';
import { validateRequest } from '../http/validate-request';
import { LoadedModels } from '../models/loaded-models';

type FinishReason = 'stop' | 'length';

interface CompletionChoice {
  text: string;
  index: number;
  logprobs: CompletionLogprobs | null;
  finish_reason: FinishReason | null;
}

/** One choice to generate: its prompt (by index into the request's prompts) and what it is asked for. */
interface PlannedChoice {
  index: number;
  prompt: { text: string; tokens: number[] };
  request: ChoiceRequest;
}

/**
 * OpenAI's legacy text completions: each prompt continued as text (encoded as training encodes prompt/completion
 * samples, with the tokenizer's special tokens), `n` choices per prompt, `echo` putting the prompt before the
 * completion (with the prompt tokens' log-probabilities from the engine when logprobs are asked for).
 */
@Injectable()
export class CompletionsService {
  constructor(
    private readonly models: LoadedModels,
    @Inject(SERVICE_CONFIG) private readonly config: InferenceConfig,
  ) {}

  async create(tenant: string, body: unknown, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const completion = validateRequest(completionRequestSchema, body);
    checkCaps(this.config, completion.n ?? 1, { value: completion.max_tokens, param: 'max_tokens' });
    const lease = await this.models.acquire(tenant, completion.model);
    try {
      const planned = this.plan(completion, lease.model);
      const signal = clientGone(request, response);
      const id = `cmpl-${randomBytes(12).toString('hex')}`;
      const created = Math.floor(Date.now() / 1000);
      const envelope = { id, object: 'text_completion' as const, created, model: completion.model };
      const promptTokens = sumPromptTokens(planned);
      if (completion.stream) return await this.stream(lease.model, completion, planned, envelope, promptTokens, response, signal);
      const choices = await Promise.all(planned.map((choice) => this.completeChoice(lease.model, completion, choice, signal)));
      if (signal.aborted) return;
      const completionTokens = choices.reduce((sum, choice) => sum + choice.completionTokens, 0);
      const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ...envelope, choices: choices.map((choice) => choice.choice), usage }));
    } finally {
      lease.release();
    }
  }

  private plan(completion: CompletionRequest, model: ServedModel): PlannedChoice[] {
    const prompts = typeof completion.prompt === 'string' ? [completion.prompt] : completion.prompt;
    const n = completion.n ?? 1;
    return prompts.flatMap((text, promptIndex) => {
      const tokens = encodeTextPrompt(model.tokenizer, text);
      if (tokens.length === 0) throw new InvalidRequestError('The prompt encodes to no tokens.', 'prompt');
      const maxTokens = tokenBudget(tokens.length, completion.max_tokens ?? DEFAULT_COMPLETION_MAX_TOKENS, model.maxContext, this.config.TF_INFERENCE_MAX_TOKENS, 'prompt');
      // One object per prompt, shared by its choices: usage counts each prompt once.
      const prompt = { text, tokens };
      return Array.from({ length: n }, (_, choiceIndex) => {
        const index = promptIndex * n + choiceIndex;
        const request = { maxTokens, temperature: completion.temperature ?? 1, topP: completion.top_p ?? 1, seed: choiceSeed(completion.seed, index), stop: stopStrings(completion.stop), topLogprobs: completion.logprobs ?? 0 };
        return { index, prompt, request };
      });
    });
  }

  private async completeChoice(model: ServedModel, completion: CompletionRequest, planned: PlannedChoice, signal: AbortSignal): Promise<{ choice: CompletionChoice; completionTokens: number }> {
    const end = await collectChoice(runChoice(model, planned.prompt.tokens, planned.request, { signal, observer: servingMetrics }));
    const echoed = completion.echo ? planned.prompt.text : '';
    let logprobs: CompletionLogprobs | null = null;
    if (completion.logprobs !== null && completion.logprobs !== undefined) {
      const generated = end.tokens.map(({ token, logprob, top }) => ({ token, logprob: logprob as number | null, top }));
      const tokens = completion.echo ? [...(await promptLogprobs(model, planned.prompt.tokens)), ...generated] : generated;
      // Offsets are into the prompt followed by the completion, as OpenAI counts them.
      logprobs = completionLogprobs(model.tokenizer, tokens, completion.logprobs, completion.echo ? 0 : planned.prompt.text.length);
    }
    const finish: FinishReason = end.finish === 'length' ? 'length' : 'stop';
    return { choice: { text: echoed + end.text, index: planned.index, logprobs, finish_reason: finish }, completionTokens: end.completionTokens };
  }

  private async stream(
    model: ServedModel,
    completion: CompletionRequest,
    planned: PlannedChoice[],
    envelope: { id: string; object: 'text_completion'; created: number; model: string },
    promptTokens: number,
    response: ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const events = new ServerSentEvents(response);
    const includeUsage = completion.stream_options?.include_usage ?? false;
    const send = (choice: CompletionChoice) => events.send({ ...envelope, choices: [choice], ...(includeUsage ? { usage: null } : {}) });
    events.start();
    let completionTokens = 0;
    await Promise.all(
      planned.map(async (choice) => {
        if (completion.echo) send({ text: choice.prompt.text, index: choice.index, logprobs: null, finish_reason: null });
        const generation = runChoice(model, choice.prompt.tokens, choice.request, { signal, observer: servingMetrics });
        let offset = choice.prompt.text.length;
        for (;;) {
          const next = await generation.next();
          if (next.done) {
            completionTokens += next.value.completionTokens;
            if (next.value.finish !== 'cancelled') send({ text: '', index: choice.index, logprobs: null, finish_reason: next.value.finish });
            return;
          }
          const logprobs = completion.logprobs === null || completion.logprobs === undefined ? null : completionLogprobs(model.tokenizer, next.value.tokens, completion.logprobs, offset);
          offset += logprobs ? logprobs.tokens.join('').length : 0;
          send({ text: next.value.text, index: choice.index, logprobs, finish_reason: null });
        }
      }),
    );
    if (signal.aborted) return;
    if (includeUsage) events.send({ ...envelope, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } });
    events.done();
  }
}

/** The prompt's tokens with the engine's log-probability of each given those before it (the first has none). */
async function promptLogprobs(model: ServedModel, tokens: number[]): Promise<Array<{ token: number; logprob: number | null; top: [] }>> {
  const [logprobs] = await model.engine.tokenLogprobs([tokens]);
  return tokens.map((token, index) => ({ token, logprob: index === 0 ? null : logprobs[index], top: [] }));
}

/** Each prompt counts once, however many choices continue it. */
function sumPromptTokens(planned: readonly PlannedChoice[]): number {
  return [...new Set(planned.map((choice) => choice.prompt))].reduce((sum, prompt) => sum + prompt.tokens.length, 0);
}

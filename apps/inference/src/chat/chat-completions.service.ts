import { Inject, Injectable } from '@nestjs/common';
import { chatCompletionRequestSchema, type ChatCompletionRequest } from '@tuneforge/contracts';
import { SERVICE_CONFIG } from '@tuneforge/service-kit';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chatTokenLogprobs, choiceSeed, collectChoice, runChoice, type ChoiceRequest, type ServedModel, type TokenLogprob } from '@tuneforge/serving';
import type { InferenceConfig } from '../config/inference-config';
import { checkCaps, stopStrings, tokenBudget } from '../generation/request-limits';
import { servingMetrics } from '../generation/serving-metrics';
import { clientGone, ServerSentEvents } from '../http/server-sent-events';
import { validateRequest } from '../http/validate-request';
import { LoadedModels } from '../models/loaded-models';
import { buildChatPrompt, type ChatPrompt } from './chat-prompt';
import { assistantMessage, chatFinishReason, ChatChunks, usageOf, type ChatCompletion } from './chat-responses';
import { readAssistantOutput, showableContentLength } from './tool-call-output';

/** One chat request, prepared: its prompt and what each of its choices is asked for. */
interface PreparedChat {
  request: ChatCompletionRequest;
  model: ServedModel;
  prompt: ChatPrompt;
  choices: ChoiceRequest[];
  logprobs: number | null;
}

/** OpenAI's chat completions over the model's decode scheduler, whole or streamed. */
@Injectable()
export class ChatCompletionsService {
  constructor(
    private readonly models: LoadedModels,
    @Inject(SERVICE_CONFIG) private readonly config: InferenceConfig,
  ) {}

  async create(tenant: string, body: unknown, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chat = validateRequest(chatCompletionRequestSchema, body);
    const maxTokensParam = chat.max_completion_tokens !== undefined && chat.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
    const requestedTokens = chat.max_completion_tokens ?? chat.max_tokens;
    checkCaps(this.config, chat.n ?? 1, { value: requestedTokens, param: maxTokensParam });
    const lease = await this.models.acquire(tenant, chat.model);
    try {
      const prepared = this.prepare(chat, lease.model, requestedTokens);
      const signal = clientGone(request, response);
      if (chat.stream) await this.stream(prepared, response, signal);
      else {
        const completion = await this.complete(prepared, signal);
        if (completion) response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(completion));
      }
    } finally {
      lease.release();
    }
  }

  private prepare(chat: ChatCompletionRequest, model: ServedModel, requestedTokens: number | null | undefined): PreparedChat {
    const prompt = buildChatPrompt(model.tokenizer, chat);
    const maxTokens = tokenBudget(prompt.tokens.length, requestedTokens, model.maxContext, this.config.TF_INFERENCE_MAX_TOKENS, 'messages');
    const logprobs = chat.logprobs ? (chat.top_logprobs ?? 0) : null;
    const choices = Array.from({ length: chat.n ?? 1 }, (_, index) => ({
      maxTokens,
      temperature: chat.temperature ?? 1,
      topP: chat.top_p ?? 1,
      seed: choiceSeed(chat.seed, index),
      stop: stopStrings(chat.stop),
      topLogprobs: logprobs ?? 0,
    }));
    return { request: chat, model, prompt, choices, logprobs };
  }

  /** The whole completion; undefined when the client left before it was done. */
  private async complete(prepared: PreparedChat, signal: AbortSignal): Promise<ChatCompletion | undefined> {
    const { model, prompt } = prepared;
    const ends = await Promise.all(prepared.choices.map((choice) => collectChoice(runChoice(model, prompt.tokens, choice, { signal, observer: servingMetrics }))));
    if (signal.aborted) return undefined;
    const choices = ends.map((end, index) => {
      const output = readAssistantOutput(end.text, model.toolCallFormat, prompt, prepared.request.parallel_tool_calls ?? true);
      return {
        index,
        message: assistantMessage(output),
        logprobs: prepared.logprobs === null ? null : { content: chatTokenLogprobs(model.tokenizer, end.tokens, prepared.logprobs), refusal: null as null },
        finish_reason: chatFinishReason(output, end.finish === 'length' ? 'length' : 'stop'),
      };
    });
    const completionTokens = ends.reduce((sum, end) => sum + end.completionTokens, 0);
    return { id: completionId(), object: 'chat.completion', created: now(), model: prepared.request.model, choices, usage: usageOf(prompt.tokens.length, completionTokens) };
  }

  /**
   * Streams every choice as its text becomes certain. While tools are offered, text that may be the start of a
   * call is held until the output can be read; the calls then go out as one tool_calls delta.
   */
  private async stream(prepared: PreparedChat, response: ServerResponse, signal: AbortSignal): Promise<void> {
    const { model, prompt, request } = prepared;
    const events = new ServerSentEvents(response);
    const chunks = new ChatChunks(completionId(), now(), request.model, request.stream_options?.include_usage ?? false);
    const logprobsOf = (tokens: TokenLogprob[]) => (prepared.logprobs === null ? null : chatTokenLogprobs(model.tokenizer, tokens, prepared.logprobs));
    events.start();
    let completionTokens = 0;
    await Promise.all(
      prepared.choices.map(async (choiceRequest, index) => {
        events.send(chunks.start(index));
        const choice = runChoice(model, prompt.tokens, choiceRequest, { signal, observer: servingMetrics });
        let text = '';
        let shown = 0;
        let held: TokenLogprob[] = [];
        for (;;) {
          const next = await choice.next();
          if (next.done) {
            completionTokens += next.value.completionTokens;
            if (next.value.finish === 'cancelled') return;
            const output = readAssistantOutput(next.value.text, model.toolCallFormat, prompt, request.parallel_tool_calls ?? true);
            if (output.kind === 'tool_calls') events.send(chunks.toolCalls(index, output.calls));
            else if (shown < text.length || held.length > 0) events.send(chunks.content(index, text.slice(shown), logprobsOf(held)));
            events.send(chunks.finish(index, chatFinishReason(output, next.value.finish)));
            return;
          }
          text += next.value.text;
          held.push(...next.value.tokens);
          // A token whose text is not showable yet (part of a character, a stop string's start, a call's) keeps its
          // log-probability for the chunk that shows its text.
          const showable = showableContentLength(text, model.toolCallFormat, prompt);
          if (showable > shown) {
            events.send(chunks.content(index, text.slice(shown, showable), logprobsOf(held)));
            shown = showable;
            held = [];
          }
        }
      }),
    );
    if (signal.aborted) return;
    if (request.stream_options?.include_usage) events.send(chunks.usage(usageOf(prompt.tokens.length, completionTokens)));
    events.done();
  }
}

const completionId = () => `chatcmpl-${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

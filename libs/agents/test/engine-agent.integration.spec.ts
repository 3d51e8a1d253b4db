// The agent loop over the real native engine and the tiny model's tokenizer and chat template. A random
// model writes nonsense, so these tests check the loop's mechanics (stop strings honoured, observations fed
// back, turn limit, chains), and one test first teaches the tiny model a two-step ReAct episode so that the
// loop runs a real tool call: stop at `\nObservation:`, calculator, observation back, final answer.
import { resolve } from 'node:path';
import { conversationToReact, tokenizePromptCompletion } from '@tuneforge/datasets';
import { type AgentModel, type ModelGenerateOptions, type ModelInput, EngineAgentModel, QwenToolCallParser, ReactParser, createCalculatorTool, runAgent } from '../src';

const TINY = resolve(__dirname, '../../../tools/tiny-model/models');
const LLAMA = resolve(TINY, 'tiny-llama');
const QWEN = resolve(TINY, 'tiny-qwen2');

/** Records what the loop gives the model and what it gets back. */
class Recording implements AgentModel {
  readonly calls: Array<{ input: ModelInput; options: ModelGenerateOptions; text: string }> = [];
  constructor(private readonly inner: AgentModel) {}
  async generate(input: ModelInput, options: ModelGenerateOptions) {
    const out = await this.inner.generate(input, options);
    this.calls.push({ input, options, text: out.text });
    return out;
  }
}

const promptOf = (input: ModelInput) => ('prompt' in input ? input.prompt : '');

describe('EngineAgentModel', () => {
  let model: EngineAgentModel;
  beforeAll(async () => {
    model = await EngineAgentModel.load(LLAMA, { threads: 1, chunkTokens: 4 });
  });
  afterAll(() => model.dispose());

  it('cuts generation at a stop string the model really produces, across chunk boundaries', async () => {
    const input = { prompt: '\nNew Input: What is 17*3?' };
    const free = await model.generate(input, { maxNewTokens: 24 });
    expect(free.finishReason === 'length' || free.finishReason === 'eos').toBe(true);
    expect(free.text.length).toBeGreaterThan(8);
    const stop = free.text.slice(5, 8);
    const at = free.text.indexOf(stop);
    const stopped = await model.generate(input, { maxNewTokens: 24, stop: [stop] });
    expect(stopped).toEqual({ text: free.text.slice(0, at), finishReason: 'stop', stop });
  });

  it('generates the same greedy text whatever the chunk size', async () => {
    const oneShot = new EngineAgentModel(model.model, model.tokenizer, { chunkTokens: 64 });
    const input = { prompt: '\nNew Input: Hello' };
    expect((await oneShot.generate(input, { maxNewTokens: 20 })).text).toBe((await model.generate(input, { maxNewTokens: 20 })).text);
  });
});

describe('runAgent over the engine', () => {
  it('feeds observations back into the next prompt, honours stops and the turn limit, per chain', async () => {
    const engine = await EngineAgentModel.load(LLAMA, { threads: 1 });
    try {
      const model = new Recording(engine);
      // A space is a stop string this random model does produce, so every turn is cut somewhere.
      const { trajectories } = await runAgent({
        model,
        tools: [createCalculatorTool()],
        parser: new ReactParser(),
        messages: [{ role: 'user', content: 'What is 17*3?' }],
        maxTurns: 3,
        numChains: 2,
        stop: ['\nObservation:', ' '],
        generation: { maxNewTokens: 12, temperature: 1, seed: 5 },
      });
      expect(trajectories).toHaveLength(2);
      for (const t of trajectories) {
        expect(t.turns.length).toBeLessThanOrEqual(3);
        if (t.end !== 'final_answer') expect(t.turns).toHaveLength(3);
        const prompts = model.calls.filter((c) => c.options.chain === t.chain).map((c) => promptOf(c.input));
        expect(prompts).toHaveLength(t.turns.length);
        t.turns.forEach((turn, i) => {
          expect(turn.raw).not.toContain(' ');
          expect(turn.raw).not.toContain('\nObservation:');
          if (turn.finishReason === 'stop') expect([' ', '\nObservation:']).toContain(turn.stop);
          if (i + 1 < prompts.length) expect(prompts[i + 1]).toBe(`${prompts[i]}${turn.raw}\nObservation: ${turn.observations.join('')}`);
        });
      }
      // The stops fired on the model's own text (not only the token budget), and the two chains sampled apart.
      expect(trajectories.flatMap((t) => t.turns).some((turn) => turn.stop === ' ')).toBe(true);
      expect(new Set(model.calls.map((c) => c.options.seed))).toEqual(new Set([5, 6]));
      expect(promptOf(model.calls.filter((c) => c.options.chain === 0).at(-1)!.input)).not.toBe(promptOf(model.calls.filter((c) => c.options.chain === 1).at(-1)!.input));
    } finally {
      engine.dispose();
    }
  });

  it('runs a chat-template tool loop with the Qwen parser', async () => {
    const engine = await EngineAgentModel.load(QWEN, { threads: 1 });
    try {
      const model = new Recording(engine);
      const { trajectories } = await runAgent({
        model,
        tools: [createCalculatorTool()],
        parser: new QwenToolCallParser(),
        messages: [{ role: 'user', content: 'What is 17*3?' }],
        maxTurns: 2,
        generation: { maxNewTokens: 8 },
      });
      const [t] = trajectories;
      const rendered = engine.tokenizer.decode(engine.encode(model.calls[0].input));
      expect(rendered).toContain('<|im_start|>user\nWhat is 17*3?<|im_end|>\n<|im_start|>assistant\n');
      expect(rendered).toContain('"name": "calculator"');
      if (t.turns.length === 2) {
        const second = model.calls[1].input;
        expect('messages' in second && second.messages.length).toBeGreaterThan(1);
      }
      expect(t.turns.length).toBeLessThanOrEqual(2);
    } finally {
      engine.dispose();
    }
  });

  it('runs a real ReAct tool call once the tiny model has learned the episode', async () => {
    const tools = [createCalculatorTool()];
    const definitions = tools.map((tool) => ({ type: 'function' as const, function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
    const episode = conversationToReact(
      {
        messages: [
          { role: 'user', content: 'What is 17*3?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'calculator', arguments: '{"expression":"17*3"}' } }] },
          { role: 'tool', tool_call_id: 'a', content: '51' },
          { role: 'assistant', content: '51' },
        ],
        tools: definitions,
      },
      { describeTools: true },
    );
    const engine = await EngineAgentModel.load(LLAMA, { threads: 2, chunkTokens: 16 });
    try {
      const samples = episode.map((s) => tokenizePromptCompletion(engine.tokenizer, s));
      const length = Math.max(...samples.map((s) => s.input_ids.length));
      const pad = (row: number[], fill: number) => [...row, ...Array(length - row.length).fill(fill)];
      const batch = { inputIds: samples.map((s) => pad(s.input_ids, 0)), labels: samples.map((s) => pad(s.labels, -100)) };
      const trainer = await engine.model.createTrainer({ mode: 'full', lr: 1e-2, schedule: 'constant', seed: 1 });
      let loss = Infinity;
      for (let step = 0; step < 300 && loss > 0.02; step++) {
        await trainer.accumulate(batch);
        loss = (await trainer.step()).loss;
      }
      trainer.dispose();
      expect(loss).toBeLessThan(0.05);

      const model = new Recording(engine);
      const { trajectories } = await runAgent({ model, tools, parser: new ReactParser(), messages: [{ role: 'user', content: 'What is 17*3?' }], maxTurns: 4, generation: { maxNewTokens: 64 } });
      const [t] = trajectories;
      expect(t.turns[0]).toMatchObject({ finishReason: 'stop', stop: '\nObservation:', stoppedAtObservation: true, parsed: { kind: 'tool_calls', calls: [{ name: 'calculator', arguments: { expression: '17*3' } }] } });
      expect(t.turns[0].toolCalls[0].outcome.observation).toBe('51');
      expect(promptOf(model.calls[1].input)).toBe(episode[1].prompt);
      expect(t).toMatchObject({ end: 'final_answer', finalAnswer: '51' });
      expect(t.turns[1].finishReason).toBe('eos');
    } finally {
      engine.dispose();
    }
  });
});

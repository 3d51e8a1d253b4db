import { toolDefinitionSchema, type Conversation, type Message, type ToolCall, type ToolDefinition } from '../conversation/conversation.schema';
import { argumentsProblem } from '../conversation/tool-arguments-validator';
import { validateConversation } from '../conversation/validate-conversation';
import { conversationToReact, type ReactPromptCompletion } from '../react/react-transcript';
import { sampleFromSchema } from './schema-sampler';
import { SeededRandom } from './seeded-random';

export interface SyntheticSample {
  id: string;
  conversation: Conversation;
  /** The same conversation as ReAct prompt/completion samples, with the presented tools listed in the prompt. */
  react: ReactPromptCompletion[];
  usesTool: boolean;
  calledTools: string[];
}

export interface ToolSampleOptions {
  seed: number | string;
  count: number;
  /** Share of samples that must be answered without a tool. */
  noToolShare?: number;
  minToolsPerSample?: number;
  maxToolsPerSample?: number;
  /** Share of tool samples that make two calls at once (OpenAI parallel tool calls). */
  parallelShare?: number;
  systemPrompt?: string;
}

export interface ToolSampleResult {
  samples: SyntheticSample[];
  /** Tools that could not be used, with the reason (invalid definition, arguments not satisfiable). */
  skippedTools: Array<{ name: string; reason: string }>;
}

const ARGUMENT_ATTEMPTS = 20;

const humanize = (name: string) => name.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1).replace(/\.$/, '');

function describeArguments(args: Record<string, unknown>): string {
  const parts = Object.entries(args).map(([k, v]) => `${humanize(k)} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (parts.length <= 1) return parts[0] ?? 'the defaults';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

const REQUEST_TEMPLATES: Array<(task: string, tool: string, args: string) => string> = [
  (task, _tool, args) => `Can you ${task} for ${args}?`,
  (task, _tool, args) => `I need this: ${task}. Use ${args}.`,
  (_task, tool, args) => `Please run the ${tool} with ${args}.`,
  (task, _tool, args) => `${args.charAt(0).toUpperCase()}${args.slice(1)} — ${task}, please.`,
  (task, _tool, args) => `Quick one: ${task}, with ${args}.`,
];
const ANSWER_TEMPLATES: Array<(tool: string, result: string) => string> = [
  (tool, result) => `The ${tool} returned ${result}.`,
  (_tool, result) => `Here is what I found: ${result}.`,
  (tool, result) => `Done. According to the ${tool}, the result is ${result}.`,
];
const CHITCHAT: Array<[string, string]> = [
  ['Hi!', 'Hi! How can I help you today?'],
  ['Thanks, that was helpful.', "You're welcome! Let me know if you need anything else."],
  ['What is the capital of France?', 'The capital of France is Paris.'],
  ['How many days are in a leap year?', 'A leap year has 366 days.'],
  ['Tell me a short joke.', 'Why did the developer go broke? Because he used up all his cache.'],
  ['Can you explain what an API is in one sentence?', 'An API is a defined way for one program to ask another program to do something or share data.'],
  ['Good morning!', 'Good morning! What can I do for you?'],
  ['Who wrote "Pride and Prejudice"?', 'Jane Austen wrote "Pride and Prejudice".'],
];

interface UsableTool {
  definition: ToolDefinition;
  name: string;
}

function usableTools(tools: unknown[], rng: SeededRandom): { usable: UsableTool[]; skipped: ToolSampleResult['skippedTools'] } {
  const usable: UsableTool[] = [];
  const skipped: ToolSampleResult['skippedTools'] = [];
  const names = new Set<string>();
  for (const raw of tools) {
    const parsed = toolDefinitionSchema.safeParse(raw);
    const name = (raw as { function?: { name?: unknown } } | null)?.function?.name;
    if (!parsed.success) {
      skipped.push({ name: typeof name === 'string' ? name : '?', reason: `invalid tool definition: ${parsed.error.issues[0]?.message ?? 'unknown'}` });
      continue;
    }
    const definition = parsed.data;
    if (names.has(definition.function.name)) {
      skipped.push({ name: definition.function.name, reason: 'defined twice' });
      continue;
    }
    if (drawArguments(definition, rng) === undefined) {
      skipped.push({ name: definition.function.name, reason: `no arguments valid against its schema found in ${ARGUMENT_ATTEMPTS} attempts` });
      continue;
    }
    names.add(definition.function.name);
    usable.push({ definition, name: definition.function.name });
  }
  return { usable, skipped };
}

function drawArguments(tool: ToolDefinition, rng: SeededRandom): Record<string, unknown> | undefined {
  const schema = tool.function.parameters ?? { type: 'object', properties: {} };
  for (let i = 0; i < ARGUMENT_ATTEMPTS; i++) {
    const value = sampleFromSchema(schema, rng);
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && argumentsProblem(tool, value) === undefined) return value as Record<string, unknown>;
  }
  return undefined;
}

function toolResult(rng: SeededRandom, args: Record<string, unknown>): { json: string; summary: string } {
  const value = rng.pick([`${rng.int(1, 99)}`, `${rng.int(100, 999)} items`, `status ok (${rng.int(1, 9)} matches)`, `${rng.int(1, 40)}.${rng.int(0, 9)}`]);
  return { json: JSON.stringify({ result: value, input: args }), summary: value };
}

/**
 * Generates tool-use and no-tool samples from OpenAI tool definitions, deterministically by seed.
 * Every sample is shown a random subset of the tools in random order, so the model learns to choose among
 * the tools it is given instead of memorizing one fixed tool set (reference 000's warning); some no-tool
 * samples ask for a tool that is not in the subset and get an answer saying so. Arguments are drawn from
 * each tool's JSON Schema and checked against it, and every conversation passes the same validation as
 * user data before it is kept.
 */
export function generateToolSamples(tools: unknown[], options: ToolSampleOptions): ToolSampleResult {
  const rng = new SeededRandom(options.seed);
  const { usable, skipped } = usableTools(tools, rng.fork('tools'));
  if (usable.length === 0) return { samples: [], skippedTools: skipped };
  const noToolShare = options.noToolShare ?? 0.3;
  const minTools = Math.max(1, Math.min(options.minToolsPerSample ?? 1, usable.length));
  const maxTools = Math.max(minTools, Math.min(options.maxToolsPerSample ?? 4, usable.length));
  const samples: SyntheticSample[] = [];

  for (let index = 0; index < options.count; index++) {
    const r = rng.fork(`sample-${index}`);
    const presented = r.sample(usable, r.int(minTools, maxTools));
    const absent = usable.filter((t) => !presented.includes(t));
    const messages: Message[] = options.systemPrompt ? [{ role: 'system', content: options.systemPrompt }] : [];
    const calledTools: string[] = [];
    const wantsTool = !r.chance(noToolShare);

    if (wantsTool) {
      const parallel = presented.length > 1 && r.chance(options.parallelShare ?? 0.15);
      const targets = parallel ? r.sample(presented, 2) : [r.pick(presented)];
      const calls: ToolCall[] = [];
      const requests: string[] = [];
      for (const [k, target] of targets.entries()) {
        const args = drawArguments(target.definition, r) ?? {};
        const task = lowerFirst(target.definition.function.description ?? `use ${humanize(target.name)}`);
        requests.push(r.pick(REQUEST_TEMPLATES)(task, humanize(target.name), describeArguments(args)));
        calls.push({ id: `call_${index}_${k}`, type: 'function', function: { name: target.name, arguments: JSON.stringify(args) } });
        calledTools.push(target.name);
      }
      messages.push({ role: 'user', content: requests.join(' Also: ') }, { role: 'assistant', content: null, tool_calls: calls });
      const summaries: string[] = [];
      for (const [k, call] of calls.entries()) {
        const result = toolResult(r, JSON.parse(call.function.arguments) as Record<string, unknown>);
        messages.push({ role: 'tool', tool_call_id: call.id, content: result.json });
        summaries.push(r.pick(ANSWER_TEMPLATES)(humanize(targets[k].name), result.summary));
      }
      messages.push({ role: 'assistant', content: summaries.join(' ') });
    } else if (absent.length > 0 && r.chance(0.3)) {
      const missing = r.pick(absent);
      const task = lowerFirst(missing.definition.function.description ?? humanize(missing.name));
      messages.push(
        { role: 'user', content: `Can you ${task}?` },
        { role: 'assistant', content: `I can't do that here: none of my available tools (${presented.map((t) => t.name).join(', ')}) can ${task}.` },
      );
    } else if (r.chance(0.2)) {
      messages.push(
        { role: 'user', content: 'Which tools can you use?' },
        { role: 'assistant', content: `I can use: ${presented.map((t) => `${t.name}${t.definition.function.description ? ` (${lowerFirst(t.definition.function.description)})` : ''}`).join('; ')}.` },
      );
    } else {
      const [question, answer] = r.pick(CHITCHAT);
      messages.push({ role: 'user', content: question }, { role: 'assistant', content: answer });
    }

    const conversation: Conversation = { messages, tools: presented.map((t) => t.definition), parallel_tool_calls: true };
    if (validateConversation(conversation).length > 0) continue;
    samples.push({
      id: `synthetic-${index}`,
      conversation,
      react: conversationToReact(conversation, { describeTools: true }),
      usesTool: calledTools.length > 0,
      calledTools,
    });
  }
  return { samples, skippedTools: skipped };
}

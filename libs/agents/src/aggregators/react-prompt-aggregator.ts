import { type Message, REACT_STOP_SEQUENCE, type ToolDefinition, conversationToReact } from '@tuneforge/datasets';
import { type AgentMessage, ENVIRONMENT_SENDER, TOOL_SENDER } from '../messages/agent-message';
import { toChatMessage } from './chat-aggregator';

export interface ReactPromptAggregatorOptions {
  system?: string;
  /** Example conversations (OpenAI format, with tool calls and tool results) rendered as ReAct steps. */
  fewShot?: readonly Message[];
  tools?: readonly ToolDefinition[];
  /** List the tools in the prompt (default true), as libs/datasets does when rendering training data. */
  describeTools?: boolean;
}

/**
 * Turns a session's memory into the raw ReAct prompt the model continues (reference 000's completion
 * mode). The task part (system prompt, tool list, few-shot steps, `New Input`, and earlier turns given as
 * history) is rendered by libs/datasets' `conversationToReact`, so it is byte-for-byte the prompt the model
 * was fine-tuned on. After it come the
 * model's own generations as it wrote them, each tool result as `\nObservation: <result>`, joined the way
 * `conversationToReact` joins a completion and its observation.
 */
export class ReactPromptAggregator {
  constructor(private readonly options: ReactPromptAggregatorOptions = {}) {}

  aggregate(memory: readonly AgentMessage[], agentName: string): string {
    // Everything before the model's first generation in this run (the task, and any earlier turns given as
    // history) is rendered as training data is; from there on the model's own text is kept as it wrote it.
    const firstGenerated = memory.findIndex((m) => m.sender === agentName && m.generation !== undefined);
    const prefix = firstGenerated < 0 ? memory : memory.slice(0, firstGenerated);
    const history = prefix.map((m) => toChatMessage(m, agentName));
    const task: Message[] = [];
    if (this.options.system !== undefined) task.push({ role: 'system', content: this.options.system });
    task.push(...history.filter((m) => m.role === 'system'));
    task.push(...(this.options.fewShot ?? []));
    task.push(...history.filter((m) => m.role !== 'system'));
    let text = promptBefore(task, this.options.tools, this.options.describeTools ?? true);
    if (firstGenerated < 0) return text;
    for (const m of memory.slice(firstGenerated)) {
      if (m.sender === agentName) text += m.content;
      else if (m.sender === TOOL_SENDER || m.sender === ENVIRONMENT_SENDER) text += `${REACT_STOP_SEQUENCE} ${m.content}`;
      else text += promptBefore([{ role: 'user', content: m.content }], undefined, false);
    }
    return text;
  }
}

/** The prompt `conversationToReact` gives the next assistant step after `messages`. */
function promptBefore(messages: Message[], tools: readonly ToolDefinition[] | undefined, describeTools: boolean): string {
  const samples = conversationToReact(
    { messages: [...messages, { role: 'assistant', content: '' }], ...(tools && tools.length ? { tools: [...tools] } : {}) },
    { describeTools },
  );
  return samples[samples.length - 1].prompt;
}

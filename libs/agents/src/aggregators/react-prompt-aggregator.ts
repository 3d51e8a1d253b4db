import { type Message, REACT_STOP_SEQUENCE, type ToolDefinition, conversationToReact } from '@tuneforge/datasets';
import { type AgentMessage, TOOL_SENDER } from '../messages/agent-message';

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
 * mode). The task part (system prompt, tool list, few-shot steps, `New Input`) is rendered by libs/datasets'
 * `conversationToReact`, so it is byte-for-byte the prompt the model was fine-tuned on. After it come the
 * model's own generations as it wrote them, each tool result as `\nObservation: <result>`, joined the way
 * `conversationToReact` joins a completion and its observation.
 */
export class ReactPromptAggregator {
  constructor(private readonly options: ReactPromptAggregatorOptions = {}) {}

  aggregate(memory: readonly AgentMessage[], agentName: string): string {
    const firstAgent = memory.findIndex((m) => m.sender === agentName);
    const prefix = firstAgent < 0 ? memory : memory.slice(0, firstAgent);
    const task: Message[] = [];
    if (this.options.system !== undefined) task.push({ role: 'system', content: this.options.system });
    task.push(...prefix.filter((m) => m.sender === 'system').map((m) => ({ role: 'system' as const, content: m.content })));
    task.push(...(this.options.fewShot ?? []));
    task.push(...prefix.filter((m) => m.sender !== 'system').map((m) => ({ role: 'user' as const, content: m.content })));
    let text = promptBefore(task, this.options.tools, this.options.describeTools ?? true);
    if (firstAgent < 0) return text;
    for (const m of memory.slice(firstAgent)) {
      if (m.sender === agentName) text += m.content;
      else if (m.sender === TOOL_SENDER || m.sender === 'environment') text += `${REACT_STOP_SEQUENCE} ${m.content}`;
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

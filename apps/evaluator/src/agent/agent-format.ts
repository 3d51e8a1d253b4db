import type { ParserFormat } from '@tuneforge/agents';
import { renderChat, type ModelTokenizer } from '@tuneforge/datasets';
import type { EvaluationRecord } from '../inputs/read-evaluation-set';

const REACT_MARKERS = /(^|\n)\s*(Thought|Action|Action Input|Final Answer)\s*:/;

/**
 * The agent format the model was trained in, read from the evaluation data and the model's template:
 * LangChain ReAct when the reference turns are written in ReAct text (prompt/completion samples or
 * assistant content with `Action:`), else the tool-call syntax the chat template renders calls in
 * (`<tool_call>` blocks: Qwen/Hermes; `<|python_tag|>`: Llama 3; otherwise a JSON call object).
 */
export function detectAgentFormat(tokenizer: ModelTokenizer, records: readonly EvaluationRecord[]): ParserFormat {
  const react = records.some((record) =>
    record.kind === 'prompt_completion'
      ? REACT_MARKERS.test(record.sample.completion)
      : record.conversation.messages.some((m) => m.role === 'assistant' && !m.tool_calls && REACT_MARKERS.test(m.content ?? '')),
  );
  if (react) return 'react';
  let probe: string;
  try {
    probe = renderChat(
    tokenizer,
    [
      { role: 'user', content: 'probe' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_probe', type: 'function', function: { name: 'probe_tool', arguments: '{"x":1}' } }] },
    ],
      [{ type: 'function', function: { name: 'probe_tool', parameters: { type: 'object', properties: { x: { type: 'number' } } } } }],
    );
  } catch {
    // A template that cannot render tool calls at all: the model can only have learnt calls as plain JSON.
    return 'openai-json';
  }
  if (probe.includes('<tool_call>')) return 'qwen';
  if (probe.includes('<|python_tag|>') || probe.includes('<|eom_id|>')) return 'llama3';
  return 'openai-json';
}

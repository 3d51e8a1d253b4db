import { Template } from '@huggingface/jinja';
import type { Conversation, Message, ToolDefinition } from '../conversation/conversation.schema';
import { templateRendersTools, withDefaultToolFormat } from './default-tool-format';
import type { ModelTokenizer } from './model-tokenizer';

const compiled = new Map<string, Template>();

function templateFor(source: string): Template {
  let template = compiled.get(source);
  if (!template) {
    template = new Template(source);
    compiled.set(source, template);
  }
  return template;
}

/**
 * Messages as chat templates expect them, which is what Hugging Face's `apply_chat_template` is given:
 * tool-call arguments as objects (Llama 3.1 and others apply `tojson` to them; Qwen accepts either), the
 * ReAct reasoning as `reasoning_content` for templates that render it, and no training-only fields.
 */
export function templateMessages(messages: Message[]): Array<Record<string, unknown>> {
  return messages.map((message) => {
    if (message.role !== 'assistant') return { ...message };
    const out: Record<string, unknown> = { role: 'assistant', content: message.content ?? '' };
    if (message.tool_calls) {
      out.tool_calls = message.tool_calls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown },
      }));
    }
    if (message.reasoning !== undefined) out.reasoning_content = message.reasoning;
    return out;
  });
}

export interface RenderOptions {
  addGenerationPrompt?: boolean;
}

/**
 * Renders messages with the model's own template, the same text the model will see when served. Tools
 * go in as the OpenAI-style list templates iterate; `tools` is null rather than absent when there are none
 * because templates test `tools is not none`, which an undefined value passes. A template that ignores tools
 * gets them in the default format instead (default-tool-format.ts), as do tool calls and results in the
 * messages: training, evaluation and serving all render here, so they agree on the format.
 */
export function renderChat(tokenizer: ModelTokenizer, messages: Message[], tools: ToolDefinition[] | undefined, options: RenderOptions = {}): string {
  const hasTools = Boolean(tools && tools.length);
  const source = tokenizer.chatTemplate(hasTools);
  const template = templateFor(source);
  const variables = {
    add_generation_prompt: options.addGenerationPrompt ?? false,
    bos_token: tokenizer.bosToken ?? '',
    eos_token: tokenizer.eosToken ?? '',
    pad_token: tokenizer.padToken ?? '',
    unk_token: tokenizer.unkToken ?? '',
  };
  const usesTools = hasTools || messages.some((message) => message.role === 'tool' || (message.role === 'assistant' && message.tool_calls));
  const probe = (probeTemplate: Template, probeTools: ToolDefinition[]) => probeTemplate.render({ ...variables, messages: [{ role: 'user', content: 'probe' }], tools: probeTools });
  if (usesTools && !templateRendersTools(source, probe)) {
    return template.render({ ...variables, messages: templateMessages(withDefaultToolFormat(messages, tools)), tools: null });
  }
  return template.render({ ...variables, messages: templateMessages(messages), tools: hasTools ? tools : null });
}

export function renderConversation(tokenizer: ModelTokenizer, conversation: Conversation, options: RenderOptions = {}): string {
  return renderChat(tokenizer, conversation.messages, conversation.tools, options);
}

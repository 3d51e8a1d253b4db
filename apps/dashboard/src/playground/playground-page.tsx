import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useSession } from '../auth/session';
import { useLocation } from '../routing/router';
import { ErrorBanner } from '../ui/error-banner';
import { Field } from '../ui/field';
import { useAsync } from '../ui/use-async';
import { EMPTY_REPLY, foldChunk, parseTools, type AssistantReply, type ToolCall } from './chat-stream';

type Message = { role: 'system' | 'user'; content: string } | { role: 'assistant'; content: string; tool_calls?: ToolCall[]; finishReason?: string | null };

/** Chat with any model the tenant has (base, tuned, checkpoint) through `/v1/chat/completions`, streamed, with tools. */
export function PlaygroundPage() {
  const { client } = useSession();
  const { search } = useLocation();
  const models = useAsync(() => client.models(), [client]);
  const [picked, setModel] = useState(() => new URLSearchParams(search).get('model') ?? '');
  // Until one is picked, the first model the tenant has.
  const model = picked || models.data?.[0]?.id || '';
  const [system, setSystem] = useState('');
  const [tools, setTools] = useState('');
  const [maxTokens, setMaxTokens] = useState('64');
  const [draft, setDraft] = useState('');
  const [messages, setMessages] = useState<Message[]>([]);
  const [reply, setReply] = useState<AssistantReply | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [toolsError, setToolsError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  async function send(event: FormEvent) {
    event.preventDefault();
    const parsedTools = parseTools(tools);
    setToolsError(parsedTools.ok ? null : parsedTools.message);
    if (!parsedTools.ok || !draft.trim() || !model) return;
    const history: Message[] = [...messages, { role: 'user', content: draft.trim() }];
    setMessages(history);
    setDraft('');
    setError(null);
    const controller = new AbortController();
    abort.current = controller;
    let current = EMPTY_REPLY;
    setReply(current);
    try {
      const request = {
        model,
        messages: [...(system.trim() ? [{ role: 'system', content: system.trim() }] : []), ...history],
        max_tokens: Number(maxTokens) || 64,
        ...(parsedTools.tools ? { tools: parsedTools.tools } : {}),
      };
      for await (const chunk of client.chatStream(request, controller.signal)) {
        current = foldChunk(current, chunk);
        setReply(current);
      }
    } catch (caught) {
      if (!controller.signal.aborted) setError(caught as Error);
    } finally {
      setMessages((previous) => [...previous, { role: 'assistant', content: current.content, finishReason: current.finishReason ?? (controller.signal.aborted ? 'stopped' : null), ...(current.toolCalls.length ? { tool_calls: current.toolCalls } : {}) }]);
      setReply(null);
      abort.current = null;
    }
  }

  const streaming = reply !== null;
  return (
    <>
      <h1>Playground</h1>
      <ErrorBanner error={models.error} />
      <div className="grid">
        <Field label="Model">
          {(props) => (
            <select {...props} value={model} onChange={(e) => setModel(e.target.value)}>
              {(models.data ?? []).map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Maximum new tokens">
          {(props) => <input {...props} inputMode="numeric" value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} />}
        </Field>
      </div>
      <Field label="System message (optional)">{(props) => <textarea {...props} rows={2} value={system} onChange={(e) => setSystem(e.target.value)} />}</Field>
      <Field label="Tools (JSON array, optional)" error={toolsError} hint='OpenAI function tools: [{"type": "function", "function": {"name": "get_weather", "parameters": {…}}}]'>
        {(props) => <textarea {...props} className="code" rows={3} spellCheck={false} value={tools} onChange={(e) => setTools(e.target.value)} />}
      </Field>
      <ol className="chat" aria-label="Conversation" aria-live="polite">
        {[...messages, ...(reply ? [{ role: 'assistant' as const, content: reply.content, tool_calls: reply.toolCalls }] : [])].map((message, index) => (
          <li key={index} className={`message ${message.role}`}>
            <span className="role">{message.role === 'user' ? 'You' : message.role}</span>
            <p>{message.content || (message.role === 'assistant' && streaming && index === messages.length ? '…' : '')}</p>
            {message.role === 'assistant' &&
              message.tool_calls?.map((call) => (
                <p key={call.id} className="tool-call">
                  Tool call <code>{call.function.name}</code> <code>{call.function.arguments}</code>
                </p>
              ))}
            {message.role === 'assistant' && message.finishReason && <p className="finish muted">Finished: {message.finishReason}</p>}
          </li>
        ))}
      </ol>
      <ErrorBanner error={error} />
      <form className="composer" onSubmit={send}>
        <label htmlFor="chat-input">Message</label>
        <textarea id="chat-input" rows={3} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <div className="actions">
          <button type="submit" disabled={streaming || !draft.trim() || !model}>
            Send
          </button>
          {streaming && (
            <button type="button" onClick={() => abort.current?.abort()}>
              Stop
            </button>
          )}
          <button type="button" disabled={streaming || messages.length === 0} onClick={() => setMessages([])}>
            Clear the conversation
          </button>
        </div>
      </form>
    </>
  );
}

import { Tokenizer } from '@huggingface/tokenizers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Conversation } from '../conversation/conversation.schema';
import { REACT_AGENT_TOKENS, withAgentTokens } from './agent-tokens';
import { checkReactCompletion, checkReactSamples, observationPredictionErrors, violationToError } from './react-rules';
import { conversationToReact, conversationToReactTranscript, parseReactTranscript } from './react-transcript';

const at = (line: number) => ({ file: 'react.jsonl', line });

describe('ReAct rules of reference 000', () => {
  it('accepts the reference tool and no-tool samples', () => {
    expect(checkReactCompletion({ prompt: '\nNew Input: Hi!', completion: '\nThought: Do I need to use a tool? No.\nFinal Answer: Hi. How are you?' })).toEqual({ kind: 'no_tool', violations: [] });
    expect(checkReactCompletion({ prompt: '\nNew Input: Hi!', completion: '\nThought: Do I need to use a tool? Yes.\nAction: your_tool\nAction Input: some,args\nObservation:' })).toEqual({ kind: 'tool', violations: [] });
  });

  it.each([
    ['\nThought: Do I need to use a tool? Yes.\nAction: t\nAction Input: a', 'stop_at_observation'],
    ['\nThought: Do I need to use a tool? Yes.\nAction: t\nAction Input: a\nObservation: 42', 'predicted_observation'],
    ['\nThought: Do I need to use a tool? Yes.\nAction: t\nAction Input: a\nObservation: 42\nThought: x\nAction: t\nAction Input: b\nObservation:', 'predicted_observation'],
    ['\nAction: t\nThought: x\nAction Input: a\nObservation:', 'step_order'],
    ['\nFinal Answer: hello', 'no_tool_answer'],
    ['\nThought: Do I need to use a tool? No.\nFinal Answer: x\nObservation: y', 'predicted_observation'],
    ['Sure, here you go.', 'no_decision'],
  ])('reports %j as %s', (completion, rule) => {
    expect(checkReactCompletion({ prompt: '', completion }).violations.map((v) => v.rule)).toContain(rule);
  });

  it('reports violations with their line and the tool/no-tool balance', () => {
    const report = checkReactSamples([
      { sample: { prompt: 'p', completion: '\nThought: Do I need to use a tool? Yes.\nAction: t\nAction Input: a\nObservation:' }, location: at(1) },
      { sample: { prompt: 'p', completion: '\nThought: Do I need to use a tool? Yes.\nAction: t\nAction Input: a\nObservation: 1' }, location: at(2) },
      { sample: { prompt: 'p', completion: '\nThought: Do I need to use a tool? Yes.\nAction: t\nAction Input: a\nObservation:' }, location: at(3) },
      { sample: { prompt: 'p', completion: '\nThought: Do I need to use a tool? Yes.\nAction: t\nAction Input: a\nObservation:' }, location: at(4) },
      { sample: { prompt: 'p', completion: '\nThought: Do I need to use a tool? Yes.\nAction: t\nAction Input: a\nObservation:' }, location: at(5) },
      { sample: { prompt: 'p', completion: '\nThought: Do I need to use a tool? No.\nFinal Answer: ok' }, location: at(6) },
    ]);
    expect(report.violations.map((v) => [v.location.line, v.rule])).toEqual([[2, 'predicted_observation']]);
    expect(report.balance).toEqual({ tool: 5, noTool: 1, minorityShare: 1 / 6, balanced: false });
    expect(violationToError(report.violations[0])).toMatchObject({ code: 'rule_violation', file: 'react.jsonl', line: 2, path: 'completion' });
  });

  it('refuses a completion that goes on after \\nObservation: once any sample looks like ReAct, naming its line', () => {
    const tool = { prompt: '\nNew Input: 12 * 7?', completion: '\nThought: Do I need to use a tool? Yes.\nAction: calculator\nAction Input: 12 * 7\nObservation:' };
    const errors = observationPredictionErrors([
      { sample: tool, location: at(1) },
      { sample: { ...tool, completion: `${tool.completion} 84` }, location: at(2) },
      // No markers of its own: the data around it is ReAct, so it is held to the same rule.
      { sample: { prompt: 'p', completion: 'ok\nObservation: 84' }, location: at(3) },
      { sample: { ...tool, completion: `${tool.completion} \n` }, location: at(4) },
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      'react.jsonl, line 2 at completion: expected a ReAct completion that ends at "\\nObservation:" (the tool\'s output belongs in the next step\'s prompt), found "\\nObservation: 84" [rule_violation]',
      'react.jsonl, line 3 at completion: expected a ReAct completion that ends at "\\nObservation:" (the tool\'s output belongs in the next step\'s prompt), found "\\nObservation: 84" [rule_violation]',
    ]);
    // "Observation:" is an ordinary word in data without ReAct step markers.
    expect(observationPredictionErrors([{ sample: { prompt: 'Bed 3.', completion: 'Stable.\nObservation: afebrile.' }, location: at(1) }])).toEqual([]);
  });

  it('renders conversations only as rule-abiding samples, and transcripts round-trip', () => {
    const conversation: Conversation = {
      messages: [
        { role: 'user', content: 'Weather in Oslo and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
            { id: 'b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'a', content: '3' },
        { role: 'tool', tool_call_id: 'b', content: '20' },
        { role: 'assistant', content: 'Oslo 3, Rome 20.' },
      ],
    };
    const samples = conversationToReact(conversation);
    expect(samples.map((s) => s.usesTool)).toEqual([true, true, false]);
    expect(checkReactSamples(samples.map((sample, i) => ({ sample, location: at(i + 1) }))).violations).toEqual([]);
    expect(samples[1].prompt).toContain('Observation: 3');
    const transcript = conversationToReactTranscript(conversation);
    const parsed = parseReactTranscript(transcript);
    expect(parsed.issues).toEqual([]);
    expect(parsed.messages.filter((m) => m.role === 'tool').map((m) => m.content)).toEqual(['3', '20']);
  });
});

describe('agent tokens', () => {
  const tokenizerJson = JSON.parse(readFileSync(join(__dirname, '../tokenization/fixtures/qwen2-style/tokenizer.json'), 'utf8'));

  it('adds each step marker once, after the existing ids, in a fixed order', () => {
    const { tokenizer, added } = withAgentTokens(tokenizerJson);
    expect(added.map((a) => a.content)).toEqual([...REACT_AGENT_TOKENS]);
    const ids = added.map((a) => a.id);
    expect(ids).toEqual(ids.map((_, i) => ids[0] + i));
    expect(withAgentTokens(tokenizer).added).toEqual([]);
    expect(withAgentTokens(tokenizerJson).added).toEqual(added);
  });

  it('starts after the model rows when the model pads its vocabulary beyond the tokenizer', () => {
    const first = withAgentTokens(tokenizerJson).added[0].id;
    const { added } = withAgentTokens(tokenizerJson, { vocabSize: first + 10 });
    expect(added.map((a) => a.id)).toEqual(REACT_AGENT_TOKENS.map((_, i) => first + 10 + i));
    expect(withAgentTokens(tokenizerJson, { vocabSize: first - 5 }).added[0].id).toBe(first);
  });

  it('makes each marker a single token in a ReAct completion', () => {
    const { tokenizer, added } = withAgentTokens(tokenizerJson);
    const hf = new Tokenizer(tokenizer, {});
    const text = '\nThought: Do I need to use a tool? Yes.\nAction: calc\nAction Input: 1+1\nObservation:';
    const ids = hf.encode(text, { add_special_tokens: false }).ids;
    const id = (c: string) => added.find((a) => a.content === c)?.id;
    for (const marker of ['\nThought', '\nAction', '\nAction Input', '\nObservation']) expect(ids).toContain(id(marker));
    expect(hf.decode(ids)).toBe(text);
  });
});

import { createModelTokenizer, loadModelTokenizer, type TokenizerConfig } from '@tuneforge/datasets';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectToolCallFormat } from './tool-call-format';

const root = join(__dirname, '..', '..', '..', '..');
const tinyLlama = join(root, 'tools/tiny-model/models/tiny-llama');

describe('detectToolCallFormat', () => {
  it('reads <tool_call> blocks from a Qwen-style template', async () => {
    expect(detectToolCallFormat(await loadModelTokenizer(tinyLlama))).toBe('qwen');
  });

  it('reads a bare JSON call object from a template that writes calls as JSON (no <|python_tag|>)', async () => {
    expect(detectToolCallFormat(await loadModelTokenizer(join(root, 'libs/datasets/src/tokenization/fixtures/llama3-style')))).toBe('openai-json');
  });

  it('reads <tool_call> blocks from a template without tool support: the default format', () => {
    const json = JSON.parse(readFileSync(join(tinyLlama, 'tokenizer.json'), 'utf8')) as object;
    const config = JSON.parse(readFileSync(join(tinyLlama, 'tokenizer_config.json'), 'utf8')) as TokenizerConfig;
    const plain = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}{% endfor %}";
    expect(detectToolCallFormat(createModelTokenizer(json, { ...config, chat_template: plain }))).toBe('qwen');
  });
});

import { CodeBlockParser } from './code-block-parser';
import { LlamaToolCallParser } from './llama-parser';
import { OpenAIJsonToolCallParser } from './openai-json-parser';
import type { OutputParser } from './parsed-output';
import { QwenToolCallParser } from './qwen-parser';
import { ReactParser } from './react-parser';

export const PARSER_FORMATS = ['react', 'qwen', 'llama3', 'openai-json', 'code'] as const;
export type ParserFormat = (typeof PARSER_FORMATS)[number];

/** The parser for an agent format name, for configuration-driven callers (the evaluator). */
export function createParser(format: ParserFormat): OutputParser {
  switch (format) {
    case 'react':
      return new ReactParser();
    case 'qwen':
      return new QwenToolCallParser();
    case 'llama3':
      return new LlamaToolCallParser();
    case 'openai-json':
      return new OpenAIJsonToolCallParser();
    case 'code':
      return new CodeBlockParser();
  }
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

type TokenValue = string | { content: string } | null | undefined;

/** The parts of `tokenizer_config.json` tokenization and templating read. */
export interface TokenizerConfig {
  chat_template?: string | Array<{ name: string; template: string }>;
  bos_token?: TokenValue;
  eos_token?: TokenValue;
  pad_token?: TokenValue;
  unk_token?: TokenValue;
  add_bos_token?: boolean;
  add_eos_token?: boolean;
  [key: string]: unknown;
}

/**
 * A Hugging Face tokenizer together with what a chat template needs from its config. Token strings in
 * the config may be plain or AddedToken objects; they are resolved once here.
 */
export class ModelTokenizer {
  readonly bosToken?: string;
  readonly eosToken?: string;
  readonly padToken?: string;
  readonly unkToken?: string;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly config: TokenizerConfig,
    private readonly templates: Map<string, string>,
  ) {
    this.bosToken = tokenText(config.bos_token);
    this.eosToken = tokenText(config.eos_token);
    this.padToken = tokenText(config.pad_token);
    this.unkToken = tokenText(config.unk_token);
  }

  /** Ids of text. Templated text already contains its special tokens, so none are added by default. */
  encode(text: string, addSpecialTokens = false): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  decode(ids: number[]): string {
    // A generation that ended at once (end of sequence first) has no tokens: it reads as nothing.
    if (ids.length === 0) return '';
    return this.tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  tokenId(token: string | undefined): number | undefined {
    return token === undefined ? undefined : this.tokenizer.token_to_id(token);
  }

  get eosTokenId(): number | undefined {
    return this.tokenId(this.eosToken);
  }

  /** True for added tokens marked special (end-of-turn markers and the like). */
  isSpecialToken(text: string): boolean {
    for (const token of this.tokenizer.get_added_tokens_decoder().values()) if (token.special && token.content === text) return true;
    return false;
  }

  get specialTokens(): string[] {
    return [...this.tokenizer.get_added_tokens_decoder().values()].filter((t) => t.special).map((t) => t.content);
  }

  /**
   * The chat template to render with: a named one when the config has several (Hugging Face picks
   * `tool_use` when tools are given, else `default`), or the only one.
   */
  chatTemplate(withTools: boolean): string {
    const named = (withTools && this.templates.get('tool_use')) || this.templates.get('default');
    if (named) return named;
    const only = [...this.templates.values()][0];
    if (!only) throw new Error('the tokenizer has no chat template (tokenizer_config.json chat_template or chat_template.jinja)');
    return only;
  }

  get hasChatTemplate(): boolean {
    return this.templates.size > 0;
  }
}

function tokenText(value: TokenValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : value.content;
}

export function createModelTokenizer(tokenizerJson: object, config: TokenizerConfig, chatTemplateFile?: string): ModelTokenizer {
  const templates = new Map<string, string>();
  if (typeof config.chat_template === 'string') templates.set('default', config.chat_template);
  else if (Array.isArray(config.chat_template)) for (const { name, template } of config.chat_template) templates.set(name, template);
  // Newer checkpoints keep the template in its own file, which then takes precedence.
  if (chatTemplateFile !== undefined) templates.set('default', chatTemplateFile);
  return new ModelTokenizer(new Tokenizer(tokenizerJson, config), config, templates);
}

/** Loads `tokenizer.json`, `tokenizer_config.json` and, when present, `chat_template.jinja` from a model directory. */
export async function loadModelTokenizer(modelDir: string): Promise<ModelTokenizer> {
  const tokenizerJson = JSON.parse(await readFile(join(modelDir, 'tokenizer.json'), 'utf8')) as object;
  const configPath = join(modelDir, 'tokenizer_config.json');
  const config = existsSync(configPath) ? (JSON.parse(await readFile(configPath, 'utf8')) as TokenizerConfig) : {};
  const templatePath = join(modelDir, 'chat_template.jinja');
  const template = existsSync(templatePath) ? await readFile(templatePath, 'utf8') : undefined;
  return createModelTokenizer(tokenizerJson, config, template);
}

import { createModelTokenizer, REACT_AGENT_TOKENS, withAgentTokens, type ModelTokenizer, type TokenizerConfig, type TokenizerJsonShape } from '@tuneforge/datasets';
import type { AddedToken, Model } from '@tuneforge/engine';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * With `data.agentTokens` (reference 000), each ReAct step marker becomes one added token: the model grows one
 * embedding row per marker (`Model.addTokens`) and the tokenizer the training data goes through knows the
 * same markers under the same ids, so the samples train those rows and the exports carry them: the merged
 * export writes the added tokens into tokenizer.json / tokenizer_config.json, and a LoRA run's adapter holds
 * the grown embedding rows (peft modules_to_save) and the same tokenizer files. Must run before the trainer is
 * created, so that the optimizer sees the grown vocabulary. Returns the tokenizer to tokenize with and the
 * markers' ids.
 */
export async function addAgentTokens(model: Model, modelDir: string): Promise<{ tokenizer: ModelTokenizer; added: AddedToken[] }> {
  const vocabSize = model.info().vocabSize;
  const added = await model.addTokens(REACT_AGENT_TOKENS);
  const source = JSON.parse(await readFile(join(modelDir, 'tokenizer.json'), 'utf8')) as TokenizerJsonShape;
  const configPath = join(modelDir, 'tokenizer_config.json');
  const config = existsSync(configPath) ? (JSON.parse(await readFile(configPath, 'utf8')) as TokenizerConfig) : {};
  const templatePath = join(modelDir, 'chat_template.jinja');
  const template = existsSync(templatePath) ? await readFile(templatePath, 'utf8') : undefined;
  const tokenizer = createModelTokenizer(withAgentTokens(source, { vocabSize }).tokenizer, config, template);
  // Both sides derive ids from the same function; a disagreement would train the wrong embedding rows silently.
  for (const token of added) {
    const id = tokenizer.tokenId(token.content);
    if (id !== token.id) {
      throw new Error(`${modelDir}/tokenizer.json: agent token ${JSON.stringify(token.content)} has id ${id} in the tokenizer but ${token.id} in the model`);
    }
  }
  return { tokenizer, added };
}

import { REACT_AGENT_TOKENS } from '@tuneforge/datasets';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTokenizerFromStore } from './load-tokenizer';

const LLAMA = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');

describe('loadTokenizerFromStore', () => {
  let root: string;
  let store: FilesystemArtifactStore;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'datagen-tokenizer-spec-'));
    store = new FilesystemArtifactStore(root);
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) await store.put(`models/tiny/${name}`, readFileSync(join(LLAMA, name)));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const load = async (agentTokens: boolean) => {
    const loaded = await loadTokenizerFromStore(store, 'models/tiny', { agentTokens });
    if ('error' in loaded) throw loaded.error;
    return loaded.tokenizer;
  };

  it('counts each ReAct marker as one token when the job trains with agent tokens, as the train pod will', async () => {
    const text = '\nThought: Do I need to use a tool? Yes.\nAction: calc\nAction Input: 1+1\nObservation:';
    const withTokens = await load(true);
    const plain = await load(false);
    for (const marker of REACT_AGENT_TOKENS) expect(withTokens.encode(marker)).toHaveLength(1);
    expect(plain.encode('\nObservation').length).toBeGreaterThan(1);
    expect(withTokens.encode(text).length).toBeLessThan(plain.encode(text).length);
    expect(withTokens.decode(withTokens.encode(text))).toBe(text);
  });
});

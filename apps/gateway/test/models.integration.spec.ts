import { TinyGgufFixtures } from '@tuneforge/model-import/src/testing/tiny-gguf-fixtures';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { cpSync, mkdtempSync, openAsBlob, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { KEY_A, KEY_B, startGateway, type RunningGateway } from './gateway-harness';

/** The model object, or OpenAI's error envelope. */
interface AddModelAnswer {
  id?: string;
  error?: { message: string; param: string | null };
  [key: string]: unknown;
}

const ADMIN_KEY = 'test-key-operator-admin';
const TINY_LLAMA = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');

/**
 * `POST /v1/models` (Tuneforge extension) as `tuneforge models add` calls it: a GGUF file or a Hugging Face
 * directory's files in one multipart request. A good model becomes the tenant's base model (listed, usable as a
 * job's `model`); a bad one is a 400 naming the file and field, and nothing of it is registered.
 */
describe('registering base models through the gateway', () => {
  let gateway: RunningGateway;
  let fixtures: TinyGgufFixtures;
  let scratch: string;
  let store: FilesystemArtifactStore;

  beforeAll(async () => {
    fixtures = new TinyGgufFixtures();
    scratch = mkdtempSync(join(tmpdir(), 'tf-models-it-'));
    store = new FilesystemArtifactStore(join(scratch, 'store'));
    gateway = await startGateway(store, { TF_API_KEYS: `${KEY_A}:tenant-a,${KEY_B}:tenant-b,${ADMIN_KEY}:operators`, TF_ADMIN_API_KEYS: ADMIN_KEY, TF_MODEL_UPLOAD_DIR: join(scratch, 'uploads'), TF_RATE_LIMIT_PER_MINUTE: '100000' });
  }, 120_000);
  afterAll(async () => {
    await gateway?.deployment.close();
    rmSync(fixtures.dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  async function addModel(name: string | undefined, files: string[], key = KEY_A, scope?: string): Promise<{ status: number; body: AddModelAnswer }> {
    const form = new FormData();
    if (name !== undefined) form.append('name', name);
    if (scope !== undefined) form.append('scope', scope);
    for (const path of files) form.append('file', await openAsBlob(path), basename(path));
    const response = await fetch(`${gateway.url}/v1/models`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as AddModelAnswer };
  }

  const listed = async (key = KEY_A) => (await gateway.client(key).models.list()).data.map((m) => m.id);
  const uploadsLeft = () => readdirSync(join(scratch, 'uploads'));

  it('registers a GGUF file: imported, listed and retrievable for its tenant only', async () => {
    const { status, body } = await addModel('tiny-from-gguf', [fixtures.gguf('tiny-q8', 'Q8_0')]);
    expect({ status, body }).toMatchObject({
      status: 200,
      body: { id: 'tiny-from-gguf', object: 'model', owned_by: 'tenant-a', tuneforge: { architecture: 'LlamaForCausalLM', parameters: 154112, source: 'gguf', files: ['tiny-q8.gguf'] } },
    });
    expect(await listed()).toContain('tiny-from-gguf');
    expect(await listed(KEY_B)).not.toContain('tiny-from-gguf');
    expect((await gateway.client(KEY_A).models.retrieve('tiny-from-gguf')).id).toBe('tiny-from-gguf');
    expect(uploadsLeft()).toEqual([]);
  });

  it('registers a Hugging Face directory\'s files, and refuses the same name again with a 409', async () => {
    const files = readdirSync(TINY_LLAMA).map((name) => join(TINY_LLAMA, name));
    const { status, body } = await addModel('tiny-from-hf', files);
    expect({ status, body }).toMatchObject({ status: 200, body: { id: 'tiny-from-hf', tuneforge: { architecture: 'LlamaForCausalLM', parameters: 209600, source: 'huggingface' } } });
    expect(await listed()).toContain('tiny-from-hf');
    const again = await addModel('tiny-from-hf', files);
    expect(again).toMatchObject({ status: 409, body: { error: { param: 'name' } } });
  });

  it('an admin key registers a model for every tenant (owned by system), copied into a tenant\'s scope when it first uses it; a tenant key may not', async () => {
    const gguf = fixtures.gguf('shared', 'Q8_0');
    expect(await addModel('shared-tiny', [gguf], KEY_A, 'operator')).toMatchObject({ status: 403, body: { error: { param: 'scope' } } });
    expect(await addModel('shared-tiny', [gguf], ADMIN_KEY, 'operator')).toMatchObject({ status: 200, body: { id: 'shared-tiny', owned_by: 'system' } });
    for (const key of [KEY_A, KEY_B]) {
      const models = (await gateway.client(key).models.list()).data;
      expect(models.find((m) => m.id === 'shared-tiny')).toMatchObject({ owned_by: 'system' });
    }
    // Nothing is copied until a tenant uses it; retrieving it by name (as a job or a chat resolves it) copies it.
    const tenantCopy = join('models', 'shared-tiny', 'MANIFEST.json');
    expect(await store.forTenant('tenant-b').exists(tenantCopy)).toBe(false);
    expect(await gateway.client(KEY_B).models.retrieve('shared-tiny')).toMatchObject({ id: 'shared-tiny', owned_by: 'system' });
    expect(await store.forTenant('tenant-b').exists(tenantCopy)).toBe(true);
    expect(await store.forTenant('tenant-a').exists(tenantCopy)).toBe(false);
    // The name is taken for every tenant, and an operator-wide model is not deleted through a tenant's key.
    expect(await addModel('shared-tiny', [gguf], KEY_A)).toMatchObject({ status: 409 });
    await expect(gateway.client(KEY_A).models.delete('shared-tiny')).rejects.toMatchObject({ status: 400 });
    expect(await addModel('shared-tiny', [gguf], KEY_A, 'galaxy')).toMatchObject({ status: 400, body: { error: { param: 'scope' } } });
  });

  describe('a bad file is a 400 naming the file and the field, and nothing is registered', () => {
    const refused = async (name: string, files: string[], message: RegExp) => {
      const { status, body } = await addModel(name, files);
      expect({ status, message: body.error?.message }).toEqual({ status: 400, message: expect.stringMatching(message) });
      expect(await listed()).not.toContain(name);
      expect(uploadsLeft()).toEqual([]);
    };
    const broken = (name: string, edit: (bytes: Buffer) => Buffer) => {
      const path = join(scratch, name);
      writeFileSync(path, edit(readFileSync(fixtures.gguf('good', 'Q8_0'))));
      return path;
    };

    it('a truncated GGUF', () => refused('truncated', [broken('truncated.gguf', (b) => b.subarray(0, b.length - 5000))], /^truncated\.gguf: tensor \S+: its \d+ bytes .* the file is truncated/));
    it('a wrong magic', () => refused('magic', [broken('magic.gguf', (b) => Buffer.concat([Buffer.from('GGML'), b.subarray(4)]))], /^magic\.gguf: header\.magic: not a GGUF file/));
    it('an unknown architecture', () => refused('arch', [fixtures.gguf('arch', 'Q8_0', ['--architecture', 'gpt-neox'])], /^arch\.gguf: metadata "general\.architecture": architecture "gpt-neox" is not supported/));
    it('an unsupported quantization type', () => refused('iq4', [fixtures.gguf('iq4', 'Q8_0', ['--raw-type-tensor', 'blk.0.ffn_up.weight=IQ4_NL'])], /^iq4\.gguf: tensor blk\.0\.ffn_up\.weight\.type: quantization type IQ4_NL is not supported/));
    it('a tensor count that does not match the metadata', () => refused('missing', [fixtures.gguf('missing', 'Q8_0', ['--drop-tensor', 'blk.1.attn_v.weight'])], /^missing\.gguf: tensor blk\.1\.attn_v\.weight: missing/));
    it('absurd declared sizes', () => refused('absurd', [broken('absurd.gguf', (b) => { b.writeBigUInt64LE(1n << 60n, 8); return b; })], /^absurd\.gguf: header\.tensor_count: \d+ is larger than the most allowed/));

    const hfVariant = (edit: (dir: string) => void) => {
      const dir = mkdtempSync(join(scratch, 'hf-'));
      cpSync(TINY_LLAMA, dir, { recursive: true });
      edit(dir);
      return readdirSync(dir).map((name) => join(dir, name));
    };
    const editJson = (path: string, change: (value: Record<string, unknown>) => void) => {
      const value = JSON.parse(readFileSync(path, 'utf8'));
      change(value);
      writeFileSync(path, JSON.stringify(value));
    };
    it('a config.json value out of bounds', () =>
      refused('hf-layers', hfVariant((dir) => editJson(join(dir, 'config.json'), (c) => (c.num_hidden_layers = 100000))), /^config\.json: num_hidden_layers: 100000: expected an integer from 1 to 512/));
    it('a safetensors header whose shape disagrees with the config', () =>
      refused('hf-shape', hfVariant((dir) => editJson(join(dir, 'config.json'), (c) => (c.intermediate_size = 128))), /^model\.safetensors: tensor model\.layers\.0\.mlp\.gate_proj\.weight\.shape: \[192, 64\], expected \[128, 64\]/));
    it('a safetensors header with an absurd length', () =>
      refused('hf-header', hfVariant((dir) => {
        const bytes = readFileSync(join(dir, 'model.safetensors'));
        bytes.writeBigUInt64LE(1n << 40n, 0);
        writeFileSync(join(dir, 'model.safetensors'), bytes);
      }), /^model\.safetensors: header length: 1099511627776 bytes: more than the file holds/));
    it('a tokenizer that does not load', () =>
      refused('hf-tokenizer', hfVariant((dir) => writeFileSync(join(dir, 'tokenizer.json'), '{"model": 5}')), /^tokenizer\.json: file: the tokenizer does not load/));
    it('a chat template that does not render', () =>
      refused('hf-template', hfVariant((dir) => editJson(join(dir, 'tokenizer_config.json'), (c) => (c.chat_template = '{% for m in messages %}{{ m.content }'))), /^tokenizer_config\.json: chat_template: does not render a conversation/));
  });
});

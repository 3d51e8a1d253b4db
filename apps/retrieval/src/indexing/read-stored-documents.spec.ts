import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStoredDocuments } from './read-stored-documents';

describe('readStoredDocuments', () => {
  it('reads the named keys, cites a document by its file name, and reports a missing one without stopping', async () => {
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'retrieval-docs-'))).forTenant('t1');
    await store.put('files/file-a/content', '# Title\nbody');
    await store.put('files/file-b/content', 'plain');
    const read = await readStoredDocuments(store, [
      { key: 'files/file-a/content', filename: 'guide.md' },
      { key: 'files/file-missing/content' },
      { key: 'files/file-b/content', format: 'text' },
    ]);
    expect(read.inputs.map(({ key, source, format, filename, bytes }) => ({ key, source, format, filename, text: bytes.toString('utf8') }))).toEqual([
      { key: 'files/file-a/content', source: 'guide.md', format: undefined, filename: 'guide.md', text: '# Title\nbody' },
      { key: 'files/file-b/content', source: 'files/file-b/content', format: 'text', filename: undefined, text: 'plain' },
    ]);
    expect(read.errors.map((e) => e.toJSON())).toEqual([{ code: 'not_found', source: 'files/file-missing/content', field: '', expected: 'an uploaded file at this key', received: 'no such file' }]);
  });

  it('stops pulling once the byte budget of the task is spent, naming each document it refused', async () => {
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'retrieval-budget-'))).forTenant('t1');
    for (const name of ['a', 'b', 'c']) await store.put(`files/file-${name}/content`, 'x'.repeat(40));
    const read = await readStoredDocuments(store, ['a', 'b', 'c'].map((name) => ({ key: `files/file-${name}/content` })), 100);
    expect(read.inputs.map((input) => input.key)).toEqual(['files/file-a/content', 'files/file-b/content']);
    expect(read.errors.map((e) => e.toJSON())).toEqual([
      { code: 'too_large', source: 'files/file-c/content', field: '', expected: 'documents of at most 100 bytes in all for one task', received: '120 bytes with this one' },
    ]);
  });
});

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
});

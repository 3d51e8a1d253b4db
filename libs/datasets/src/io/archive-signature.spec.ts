import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { collectDataset } from '../read-dataset';
import { archiveKind } from './archive-signature';

describe('archives are refused', () => {
  it('recognizes archive and compression formats by their magic bytes, and not text that merely starts alike', () => {
    expect(archiveKind(gzipSync('{"a":1}\n'))).toBe('gzip');
    expect(archiveKind(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]))).toBe('zip');
    const tar = Buffer.alloc(512);
    tar.write('ustar', 257, 'latin1');
    expect(archiveKind(tar)).toBe('tar');
    expect(archiveKind(Buffer.from('BZh91AY&SY\x00\x00', 'latin1'))).toBe('bzip2');
    expect(archiveKind(Buffer.from('BZh,PK,prompt\n1,2,3\n'))).toBeUndefined();
    expect(archiveKind(Buffer.from('{"messages":[]}\n'))).toBeUndefined();
  });

  it('a gzipped JSONL upload gets one clear error instead of a page of CSV errors', async () => {
    const { records, errors } = await collectDataset(Readable.from([gzipSync('{"prompt":"a","completion":"b"}\n')]), { file: 'train.jsonl.gz' });
    expect(records).toEqual([]);
    expect(errors.map((e) => e.toJSON())).toEqual([
      expect.objectContaining({ code: 'archive_not_accepted', file: 'train.jsonl.gz', expected: 'an uncompressed JSONL, JSON or CSV file', received: 'a gzip archive' }),
    ]);
  });

  it('short files and files read in tiny chunks still read normally', async () => {
    const line = '{"prompt":"a","completion":"b"}\n';
    expect((await collectDataset(Readable.from([line]), { file: 'x.jsonl' })).records).toHaveLength(1);
    const chunks = [...line.repeat(20)];
    const result = await collectDataset(Readable.from(chunks), { file: 'y.jsonl' });
    expect(result.errors).toEqual([]);
    expect(result.records).toHaveLength(20);
  });
});

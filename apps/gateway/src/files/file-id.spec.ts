import { fileIdSchema } from '@tuneforge/contracts';
import { newFileId } from './file-id';

describe('newFileId', () => {
  it('makes OpenAI-shaped ids that sort by creation time', () => {
    const earlier = newFileId(1_700_000_000_000);
    const later = newFileId(1_700_000_000_001);
    expect(fileIdSchema.parse(earlier)).toBe(earlier);
    expect(earlier < later).toBe(true);
    expect(newFileId(5)).not.toBe(newFileId(5));
  });
});

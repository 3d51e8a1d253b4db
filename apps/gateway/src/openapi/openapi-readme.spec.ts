import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants';
import { OpenApiController } from './openapi.controller';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** Every `…openapi.json` path a README names in backticks (an optional `GET ` or base URL before it). */
function documentedPaths(readme: string): string[] {
  const text = readFileSync(join(ROOT, readme), 'utf8');
  return [...text.matchAll(/`(?:GET\s+)?(?:https?:\/\/[^/`\s]+)?(\/[^`\s]*openapi\.json)`/g)].map((match) => match[1]);
}

describe('where the READMEs say the OpenAPI document is', () => {
  const served = `/${String(Reflect.getMetadata(PATH_METADATA, OpenApiController)).replace(/^\/+/, '')}`;

  it('is served by the gateway at /v1/openapi.json', () => {
    expect(served).toBe('/v1/openapi.json');
  });

  it.each(['README.md', 'apps/gateway/README.md'])('%s names the path the gateway serves', (readme) => {
    const paths = documentedPaths(readme);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((path) => path !== served)).toEqual([]);
  });
});

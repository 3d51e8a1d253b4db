import { buildOpenApiDocument } from './openapi-document';

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument('1.2.3');

  it('describes every Files endpoint', () => {
    expect(Object.keys(document.paths).sort()).toEqual(['/v1/files', '/v1/files/{id}', '/v1/files/{id}/content']);
    expect(Object.keys(document.paths['/v1/files']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/v1/files/{id}']).sort()).toEqual(['delete', 'get']);
  });

  it('takes the shapes from the contracts', () => {
    const file = document.components.schemas.File as { properties: Record<string, unknown>; required: string[] };
    expect(file.required).toEqual(expect.arrayContaining(['id', 'object', 'bytes', 'created_at', 'filename', 'purpose', 'status']));
    const parameters = document.paths['/v1/files'].get.parameters.map((parameter) => parameter.name);
    expect(parameters.sort()).toEqual(['after', 'limit', 'order', 'purpose']);
  });

  it('resolves every reference', () => {
    const refs = JSON.stringify(document).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of refs) expect(document.components.schemas).toHaveProperty(ref.split('/').pop()!);
  });
});

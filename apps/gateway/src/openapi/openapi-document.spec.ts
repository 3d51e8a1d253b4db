import { buildOpenApiDocument } from './openapi-document';

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument('1.2.3');

  it('describes every Files endpoint', () => {
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/v1/files')).sort()).toEqual(['/v1/files', '/v1/files/{id}', '/v1/files/{id}/content']);
    expect(Object.keys(document.paths['/v1/files']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/v1/files/{id}']).sort()).toEqual(['delete', 'get']);
  });

  it('describes every fine-tuning endpoint', () => {
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/v1/fine_tuning')).sort()).toEqual([
      '/v1/fine_tuning/alpha/graders/run',
      '/v1/fine_tuning/alpha/graders/validate',
      '/v1/fine_tuning/jobs',
      '/v1/fine_tuning/jobs/{id}',
      '/v1/fine_tuning/jobs/{id}/approvals',
      '/v1/fine_tuning/jobs/{id}/approvals/{approvalId}',
      '/v1/fine_tuning/jobs/{id}/artifacts',
      '/v1/fine_tuning/jobs/{id}/artifacts/{name}',
      '/v1/fine_tuning/jobs/{id}/artifacts/{name}/files/{path}',
      '/v1/fine_tuning/jobs/{id}/cancel',
      '/v1/fine_tuning/jobs/{id}/checkpoints',
      '/v1/fine_tuning/jobs/{id}/data_report',
      '/v1/fine_tuning/jobs/{id}/events',
      '/v1/fine_tuning/jobs/{id}/iterations',
      '/v1/fine_tuning/jobs/{id}/pause',
      '/v1/fine_tuning/jobs/{id}/report',
      '/v1/fine_tuning/jobs/{id}/resume',
    ]);
  });

  it('describes the models API', () => {
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/v1/models')).sort()).toEqual(['/v1/models', '/v1/models/{id}']);
    expect(Object.keys(document.paths['/v1/models/{id}']).sort()).toEqual(['delete', 'get']);
  });

  it('describes the generation endpoints the gateway routes to the inference service', () => {
    expect(Object.keys(document.paths['/v1/chat/completions'])).toEqual(['post']);
    expect(Object.keys(document.paths['/v1/completions'])).toEqual(['post']);
    const body = document.paths['/v1/chat/completions'].post.requestBody.content['application/json'].schema as { required: string[]; properties: Record<string, unknown> };
    expect(body.required).toEqual(expect.arrayContaining(['model', 'messages']));
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['tools', 'tool_choice', 'stream', 'stream_options', 'logprobs', 'top_logprobs', 'n', 'seed', 'stop']));
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

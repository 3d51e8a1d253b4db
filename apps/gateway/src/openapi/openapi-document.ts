import {
  listFilesQuerySchema,
  openAiErrorSchema,
  openAiFileDeletedSchema,
  openAiFileListSchema,
  openAiFileSchema,
  fileUploadPurposeSchema,
} from '@tuneforge/contracts';
import { z } from 'zod';

const schema = (type: z.ZodType) => z.toJSONSchema(type, { io: 'output', unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });

const errorResponse = (description: string) => ({ description, content: json('Error') });
const commonErrors = {
  '401': errorResponse('No API key, or an unknown one.'),
  '429': errorResponse('Too many requests for this API key; see the retry-after header.'),
};
const fileIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The id of a file of your own.' };

/** The query parameters of GET /v1/files, from the same schema the endpoint validates with. */
function listFilesParameters() {
  const query = schema(listFilesQuerySchema) as { properties: Record<string, object>; required?: string[] };
  return Object.entries(query.properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

/**
 * The OpenAPI 3.1 document of the gateway's public API. Shapes come from the zod schemas in
 * @tuneforge/contracts, so the document and the validation cannot drift apart.
 */
export function buildOpenApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tuneforge API',
      version,
      description: 'OpenAI-compatible Files API. Authenticate with `Authorization: Bearer <API key>`; every error is an OpenAI error envelope.',
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/files': {
        post: {
          operationId: 'createFile',
          summary: 'Upload a file',
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['file', 'purpose'],
                  properties: { file: { type: 'string', format: 'binary' }, purpose: schema(fileUploadPurposeSchema) },
                },
              },
            },
          },
          responses: {
            '200': { description: 'The stored file.', content: json('File') },
            '400': errorResponse('A missing or wrong field, named in `param`; for purpose `fine-tune`, a first line that is not a JSON object.'),
            '413': errorResponse('The file is larger than the configured cap.'),
            ...commonErrors,
          },
        },
        get: {
          operationId: 'listFiles',
          summary: 'List your files, newest first unless `order=asc`',
          parameters: listFilesParameters(),
          responses: { '200': { description: 'A page of files.', content: json('FileList') }, '400': errorResponse('A wrong query parameter.'), ...commonErrors },
        },
      },
      '/v1/files/{id}': {
        get: {
          operationId: 'retrieveFile',
          parameters: [fileIdParameter],
          responses: { '200': { description: 'The file.', content: json('File') }, '404': errorResponse('No such file.'), ...commonErrors },
        },
        delete: {
          operationId: 'deleteFile',
          parameters: [fileIdParameter],
          responses: { '200': { description: 'The file is deleted.', content: json('FileDeleted') }, '404': errorResponse('No such file.'), ...commonErrors },
        },
      },
      '/v1/files/{id}/content': {
        get: {
          operationId: 'downloadFile',
          parameters: [fileIdParameter],
          responses: {
            '200': { description: 'The bytes as uploaded.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
            '404': errorResponse('No such file.'),
            ...commonErrors,
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        File: schema(openAiFileSchema),
        FileList: schema(openAiFileListSchema),
        FileDeleted: schema(openAiFileDeletedSchema),
        Error: schema(openAiErrorSchema),
      },
    },
  };
}

import {
  listFilesQuerySchema,
  openAiErrorSchema,
  openAiFileDeletedSchema,
  openAiFileListSchema,
  openAiFileSchema,
  fileUploadPurposeSchema,
  answerApprovalBodySchema,
  chatCompletionRequestSchema,
  completionRequestSchema,
  jobSpecSchema,
  listFineTuningCheckpointsQuerySchema,
  listFineTuningEventsQuerySchema,
  listFineTuningJobsQuerySchema,
} from '@tuneforge/contracts';
import { z } from 'zod';
import { graderPaths } from './grader-paths';

const schema = (type: z.ZodType) => z.toJSONSchema(type, { io: 'output', unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });

const errorResponse = (description: string) => ({ description, content: json('Error') });
const commonErrors = {
  '401': errorResponse('No API key, or an unknown one.'),
  '429': errorResponse('Too many requests for this API key; see the retry-after header.'),
};
const fileIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The id of a file of your own.' };

/** Query parameters from the same schema the endpoint validates with. */
function queryParameters(querySchema: z.ZodType) {
  const query = schema(querySchema) as { properties: Record<string, object>; required?: string[] };
  // An object parameter (`metadata`) is sent as `metadata[key]=value`: OpenAPI's deepObject style.
  return Object.entries(query.properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: false,
    schema: property,
    ...((property as { type?: string }).type === 'object' ? { style: 'deepObject', explode: true } : {}),
  }));
}
const listFilesParameters = () => queryParameters(listFilesQuerySchema);

const jobIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The id of a fine-tuning job of your own.' };
const artifactNameParameter = { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'The artifact name, as the artifacts list gives it (`merged`, `adapter`).' };
const ok = (description: string, name: string) => ({ '200': { description, content: json(name) } });
const notFound = { '404': errorResponse('No such job (or not yours).') };
const jobControl = (operationId: string, summary: string) => ({
  post: { operationId, summary, parameters: [jobIdParameter], responses: { ...ok('The job.', 'FineTuningJob'), ...notFound, ...commonErrors } },
});

/** The fine-tuning paths; job, event and checkpoint objects are OpenAI's (see @tuneforge/contracts openai/fine-tuning.ts). */
function fineTuningPaths() {
  return {
    '/v1/fine_tuning/jobs': {
      post: {
        operationId: 'createFineTuningJob',
        summary: 'Create a fine-tuning job (OpenAI fields plus Tuneforge extensions under `tuneforge`)',
        requestBody: { required: true, content: { 'application/json': { schema: schema(jobSpecSchema) } } },
        responses: {
          ...ok('The job, status `validating_files`.', 'FineTuningJob'),
          '400': errorResponse(
            "A wrong, unknown or server-owned field, or an unknown training/validation file, named in `param`; a reinforcement grader that does not validate (`param` `method.reinforcement.grader.<field>`), a reinforcement job without `validation_file`, a `method.type` that does not match its sub-object, `method.dpo.hyperparameters.beta` ≤ 0, contradicting `hyperparameters` and `method.<type>.hyperparameters`, or any `integrations` (W&B cannot be reached; use the job's OpenTelemetry trace).",
          ),
          '404': errorResponse('No registered model of that name (`param`: model).'),
          ...commonErrors,
        },
      },
      get: { operationId: 'listFineTuningJobs', summary: 'Your jobs, newest first; `metadata[key]=value` keeps the jobs whose metadata has every pair given', parameters: queryParameters(listFineTuningJobsQuerySchema), responses: { ...ok('A page of jobs.', 'List'), ...commonErrors } },
    },
    '/v1/fine_tuning/jobs/{id}': { get: { operationId: 'retrieveFineTuningJob', parameters: [jobIdParameter], responses: { ...ok('The job.', 'FineTuningJob'), ...notFound, ...commonErrors } } },
    '/v1/fine_tuning/jobs/{id}/events': {
      get: {
        operationId: 'listFineTuningEvents',
        summary: 'The job events, newest first; `stream=true`: server-sent events, oldest first, until the job ends',
        parameters: [jobIdParameter, ...queryParameters(listFineTuningEventsQuerySchema)],
        responses: { ...ok('A page of events (or an event stream).', 'List'), ...notFound, ...commonErrors },
      },
    },
    '/v1/fine_tuning/jobs/{id}/checkpoints': {
      get: { operationId: 'listFineTuningCheckpoints', parameters: [jobIdParameter, ...queryParameters(listFineTuningCheckpointsQuerySchema)], responses: { ...ok('A page of checkpoints, newest first.', 'List'), ...notFound, ...commonErrors } },
    },
    '/v1/fine_tuning/jobs/{id}/artifacts': {
      get: {
        operationId: 'listFineTuningArtifacts',
        summary: "A succeeded job's results (Tuneforge extension): the merged model and the PEFT adapter, each with its files (path, bytes, sha256)",
        parameters: [jobIdParameter],
        responses: { ...ok('Every artifact of the job (none until it has succeeded).', 'List'), ...notFound, ...commonErrors },
      },
    },
    '/v1/fine_tuning/jobs/{id}/artifacts/{name}': {
      get: {
        operationId: 'retrieveFineTuningArtifact',
        summary: 'One artifact of the job, by name (`merged`, `adapter`), with its files (Tuneforge extension)',
        parameters: [jobIdParameter, artifactNameParameter],
        responses: { '200': { description: 'The artifact.', content: { 'application/json': { schema: { type: 'object' } } } }, '404': errorResponse('No such job or artifact (or not yours).'), ...commonErrors },
      },
    },
    '/v1/fine_tuning/jobs/{id}/artifacts/{name}/files/{path}': {
      get: {
        operationId: 'downloadFineTuningArtifactFile',
        summary: "Streams one file of a job's artifact (Tuneforge extension); the bytes are checked against the manifest's sha256 as they go",
        parameters: [jobIdParameter, artifactNameParameter, { name: 'path', in: 'path', required: true, schema: { type: 'string' }, description: 'A path the artifact lists in `files` (URL-encoded).' }],
        responses: {
          '200': { description: 'The file.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          '404': errorResponse('No such job, artifact or file (or not yours).'),
          ...commonErrors,
        },
      },
    },
    '/v1/fine_tuning/jobs/{id}/iterations': {
      get: {
        operationId: 'listFineTuningIterations',
        summary: "The job's iterations (Tuneforge extension): each one's config, dataset, run, evaluation summary, findings, decision and applied patch",
        parameters: [jobIdParameter],
        responses: { ...ok('Every iteration recorded so far, oldest first.', 'List'), ...notFound, ...commonErrors },
      },
    },
    '/v1/fine_tuning/jobs/{id}/report': {
      get: {
        operationId: 'retrieveFineTuningReport',
        summary: 'The evaluation report of an iteration (Tuneforge extension): metrics base vs fine-tuned, per-tool confusion, worst examples',
        parameters: [
          jobIdParameter,
          { name: 'iteration', in: 'query', required: false, schema: { type: 'integer', minimum: 1 }, description: 'Default: the latest evaluated iteration.' },
          { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['html', 'json'], default: 'html' } },
        ],
        responses: {
          '200': { description: 'The report.', content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } } },
          '400': errorResponse('A format or iteration that is not valid (`param` names it).'),
          '404': errorResponse('No such job (or not yours), or no evaluated iteration yet.'),
          ...commonErrors,
        },
      },
    },
    '/v1/fine_tuning/jobs/{id}/data_report': {
      get: {
        operationId: 'retrieveFineTuningDataReport',
        summary: 'The quality report of the data an iteration trained on (Tuneforge extension): duplicates, train/validation leakage, tool balance, token lengths, ReAct rule violations',
        parameters: [
          jobIdParameter,
          { name: 'iteration', in: 'query', required: false, schema: { type: 'integer', minimum: 1 }, description: 'Default: the latest trained iteration.' },
          { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'html'], default: 'json' } },
        ],
        responses: {
          '200': { description: 'The report.', content: { 'application/json': { schema: { type: 'object' } }, 'text/html': { schema: { type: 'string' } } } },
          '400': errorResponse('A format or iteration that is not valid (`param` names it).'),
          '404': errorResponse('No such job (or not yours), or no trained iteration yet.'),
          ...commonErrors,
        },
      },
    },
    '/v1/fine_tuning/jobs/{id}/cancel': jobControl('cancelFineTuningJob', 'Cancel the job: whatever stage it is in (even right after create), it ends `cancelled`, once; a run that finished meanwhile keeps no model'),
    '/v1/fine_tuning/jobs/{id}/pause': jobControl('pauseFineTuningJob', 'Pause the job at the next step boundary'),
    '/v1/fine_tuning/jobs/{id}/resume': jobControl('resumeFineTuningJob', 'Resume a paused job'),
    '/v1/fine_tuning/jobs/{id}/approvals': {
      get: { operationId: 'listFineTuningApprovals', summary: 'Questions the job asked (Tuneforge extension)', parameters: [jobIdParameter], responses: { ...ok('Every approval, oldest first.', 'List'), ...notFound, ...commonErrors } },
    },
    '/v1/fine_tuning/jobs/{id}/approvals/{approvalId}': {
      post: {
        operationId: 'answerFineTuningApproval',
        summary: 'Answer a question (Tuneforge extension); the first answer counts',
        parameters: [jobIdParameter, { name: 'approvalId', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: schema(answerApprovalBodySchema) } } },
        responses: {
          ...ok('The approval, answered.', 'Approval'),
          '400': errorResponse('A decision that is not one of the options (`param`: decision).'),
          ...notFound,
          '409': errorResponse('The approval was already answered (by a human or by the policy).'),
          ...commonErrors,
        },
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of the gateway's public API. Shapes come from the zod schemas in
 * @tuneforge/contracts, so the document and the validation cannot drift apart.
 */
const modelIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'A base model name (`tiny-llama`), a fine-tuned model (`ft:<base>:<owner>:<suffix>:<job>`) or one of its checkpoints (`...:ckpt-step-<n>`).',
};

/** OpenAI's models API over the tenant's model registry. */
function modelsPaths() {
  const notFound = { '404': errorResponse('No such model for this API key (another tenant\'s model included); `param`: model.') };
  return {
    '/v1/models': {
      get: { operationId: 'listModels', summary: 'The base models, fine-tuned models and checkpoints you can use', responses: { '200': { description: 'Every model, base models first.', content: json('ModelList') }, ...commonErrors } },
      post: {
        operationId: 'addModel',
        summary: 'Register a base model (Tuneforge extension): one GGUF file, or a Hugging Face model directory\'s files',
        description:
          'multipart/form-data: `name` and one or more `file` parts. A single `.gguf` part is imported (Llama, Qwen2 and Qwen3 architectures; F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K); otherwise the parts are the files of a Hugging Face directory. Everything is checked before it is registered: config.json bounds, safetensors headers, the tokenizer loading, the chat template rendering.',
        requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['name', 'file'], properties: { name: { type: 'string' }, file: { type: 'array', items: { type: 'string', format: 'binary' } } } } } } },
        responses: {
          '200': { description: 'The registered model, with `tuneforge: { architecture, parameters, source, files }`.', content: json('Model') },
          '400': errorResponse('A bad file: the message names the file and the field (a GGUF metadata key or tensor, a config.json key, a safetensors tensor).'),
          '409': errorResponse('A model with this name is already registered (`param`: name).'),
          '413': errorResponse('The upload is larger than TF_MAX_MODEL_UPLOAD_BYTES.'),
          ...commonErrors,
        },
      },
    },
    '/v1/models/{id}': {
      get: { operationId: 'retrieveModel', parameters: [modelIdParameter], responses: { '200': { description: 'The model.', content: json('Model') }, ...notFound, ...commonErrors } },
      delete: {
        operationId: 'deleteModel',
        summary: "Forget a fine-tuned model's name (its files stay with the job)",
        parameters: [modelIdParameter],
        responses: {
          '200': { description: 'The name is deleted.', content: json('ModelDeleted') },
          '400': errorResponse('A base model cannot be deleted here (`param`: model).'),
          ...notFound,
          ...commonErrors,
        },
      },
    },
  };
}

/** OpenAI's generation endpoints, which the gateway routes to the inference service; request bodies from the schemas it validates with. */
function inferencePaths() {
  const generationErrors = {
    '400': errorResponse('A malformed or unserved field, named in `param` (messages, tools whose parameters are not a JSON Schema object, max_tokens or n over the caps, a tool message answering no call); `context_length_exceeded` when the prompt leaves no room.'),
    '404': errorResponse('No such model for this API key (another tenant\'s model included); `param`: model.'),
    '503': errorResponse('The inference service is not configured or cannot be reached, or has no room for the model now; see retry-after.'),
    ...commonErrors,
  };
  const answer = (name: string, description: string) => ({
    '200': { description, content: { 'application/json': { schema: ref(name) }, 'text/event-stream': { schema: { type: 'string', description: '`data: <chunk JSON>` events, then `data: [DONE]`' } } } },
  });
  return {
    '/v1/chat/completions': {
      post: {
        operationId: 'createChatCompletion',
        summary: "Chat with a base or fine-tuned model: its own chat template, tools and tool_choice, stop, n with seed, logprobs, streaming (chat.completion.chunk)",
        requestBody: { required: true, content: { 'application/json': { schema: schema(chatCompletionRequestSchema) } } },
        responses: { ...answer('ChatCompletion', 'The completion (`stream: true`: server-sent chunks).'), ...generationErrors },
      },
    },
    '/v1/completions': {
      post: {
        operationId: 'createCompletion',
        summary: 'Continue a text prompt (legacy completions): stop, n, seed, logprobs, echo, streaming',
        requestBody: { required: true, content: { 'application/json': { schema: schema(completionRequestSchema) } } },
        responses: { ...answer('Completion', 'The completion (`stream: true`: server-sent chunks).'), ...generationErrors },
      },
    },
  };
}

export function buildOpenApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tuneforge API',
      version,
      description: 'OpenAI-compatible Files, Fine-tuning, Models, Chat Completions and Completions APIs. Authenticate with `Authorization: Bearer <API key>`; every error is an OpenAI error envelope.',
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
      ...fineTuningPaths(),
      ...graderPaths(),
      ...modelsPaths(),
      ...inferencePaths(),
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        File: schema(openAiFileSchema),
        FileList: schema(openAiFileListSchema),
        FileDeleted: schema(openAiFileDeletedSchema),
        Error: schema(openAiErrorSchema),
        FineTuningJob: {
          type: 'object',
          description:
            "OpenAI's fine_tuning.job object: `method` echoed with the values the job trains with, `hyperparameters` as requested, `result_files` the file ids of the step-metrics CSV (purpose fine-tune-results) once succeeded, `estimated_finish` while running. Tuneforge adds `status_details`: null, or `{ waiting_for: 'approval', approval }` while the job waits for a human's answer to a question (an Approval object).",
          required: ['id', 'object', 'status', 'model', 'created_at'],
        },
        Approval: {
          type: 'object',
          description:
            'A question a job asked (fine_tuning.job.approval). By default the approval policy answers every question (`tuneforge.approval_policy`: `approve`); a stage set to `ask` waits for a human, and a question left unanswered is decided at `decide_at` (`tuneforge.approval_policy.timeout_seconds`, default 3600; 0 waits without limit) with `decision_on_timeout` (halfway: approve, after evaluation: approve, apply a diagnosis: reject), answered by the policy with a `comment` saying so.',
          required: ['id', 'object', 'status', 'options'],
        },
        List: { type: 'object', description: "OpenAI's list envelope", required: ['object', 'data', 'has_more'] },
        Model: {
          type: 'object',
          description: "OpenAI's model object",
          required: ['id', 'object', 'created', 'owned_by'],
          properties: { id: { type: 'string' }, object: { const: 'model' }, created: { type: 'integer' }, owned_by: { type: 'string' } },
        },
        ModelList: { type: 'object', required: ['object', 'data'], properties: { object: { const: 'list' }, data: { type: 'array', items: ref('Model') } } },
        ModelDeleted: { type: 'object', required: ['id', 'object', 'deleted'], properties: { id: { type: 'string' }, object: { const: 'model' }, deleted: { const: true } } },
        ChatCompletion: {
          type: 'object',
          description: "OpenAI's chat.completion object: choices with the assistant message (content, tool_calls), logprobs and finish_reason (stop, length, tool_calls), and usage",
          required: ['id', 'object', 'created', 'model', 'choices', 'usage'],
        },
        Completion: {
          type: 'object',
          description: "OpenAI's text_completion object: choices with text, legacy logprobs (tokens, token_logprobs, top_logprobs, text_offset) and finish_reason, and usage",
          required: ['id', 'object', 'created', 'model', 'choices', 'usage'],
        },
      },
    },
  };
}

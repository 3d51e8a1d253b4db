import { graderSchema } from '@tuneforge/contracts';
import { z } from 'zod';

const graderJsonSchema = () => z.toJSONSchema(graderSchema, { io: 'output', unrepresentable: 'any' });
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const commonErrors = {
  '401': errorResponse('No API key, or an unknown one.'),
  '429': errorResponse('Too many requests for this API key; see the retry-after header.'),
};

const BAD_GRADER =
  'A grader that does not validate, named in `param` under `grader.` (`grader.operation`, `grader.graders.a.reference`, `grader.calculate_output` for an unknown name in the formula); `meteor` (not supported), a python grader where this deployment has no sandbox.';

/** OpenAI's alpha graders endpoints (`fineTuning.alpha.graders` in the SDK): validate a grader, score one sample. */
export function graderPaths() {
  return {
    '/v1/fine_tuning/alpha/graders/validate': {
      post: {
        operationId: 'validateGrader',
        summary: "Check a grader: OpenAI's string_check, text_similarity, score_model, multi and python, and Tuneforge's tool_call, task_success and logit",
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['grader'], properties: { grader: graderJsonSchema() } } } } },
        responses: {
          '200': { description: 'The grader, echoed.', content: { 'application/json': { schema: { type: 'object', properties: { grader: graderJsonSchema() } } } } },
          '400': errorResponse(BAD_GRADER),
          ...commonErrors,
        },
      },
    },
    '/v1/fine_tuning/alpha/graders/run': {
      post: {
        operationId: 'runGrader',
        summary: 'Score one model sample with a grader; score_model and logit graders call your own models on this deployment',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['grader', 'model_sample'],
                properties: {
                  grader: graderJsonSchema(),
                  model_sample: { type: 'string', description: 'The `sample` namespace: `output_text` (and `output_json` when it parses as JSON).' },
                  item: { type: 'object', description: 'The `item` namespace: a dataset line.' },
                  tuneforge: {
                    type: 'object',
                    description: 'Tuneforge extension: the rest of a sample for the agent graders (`output_tools`, `trajectory`, `environment`).',
                    properties: { output_tools: { type: 'array', items: { type: 'object' } }, trajectory: {}, environment: {} },
                  },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description:
              "OpenAI's run answer: `reward`, `sub_rewards` (a multi grader's by key), `metadata` (`name`, `type`, `errors` flags, `execution_time`, `scores`). A sample that fails (a missing template variable, an unreadable model reply, a python error or timeout) is reward 0 with its error flag set.",
            content: { 'application/json': { schema: { type: 'object', required: ['reward', 'metadata', 'sub_rewards', 'model_grader_token_usage_per_model'] } } },
          },
          '400': errorResponse(`${BAD_GRADER} Also: no grader model endpoint on this deployment, or one that refuses the request (an unknown model).`),
          '503': errorResponse('The grader model endpoint did not answer after its retries.'),
          ...commonErrors,
        },
      },
    },
  };
}

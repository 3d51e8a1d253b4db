import { chatCompletionRequestSchema, completionRequestSchema } from '@tuneforge/contracts';
import { InvalidRequestError } from '../errors/inference-errors';
import { validateRequest } from './validate-request';

function refusal(schema: typeof chatCompletionRequestSchema | typeof completionRequestSchema, body: unknown): InvalidRequestError {
  try {
    validateRequest(schema, body);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

const user = { role: 'user', content: 'hi' };

describe('validateRequest', () => {
  it('returns the parsed request', () => {
    expect(validateRequest(chatCompletionRequestSchema, { model: 'm', messages: [user] }).messages).toEqual([user]);
  });

  it.each([
    ['the part of a content union that went furthest', { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 'messages.0.content.0.type'],
    ['a role no message has', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
    ['an unknown field by its name', { model: 'm', messages: [user], logit_bias: {} }, 'logit_bias'],
    ['an unknown field of a nested object', { model: 'm', messages: [{ ...user, extra: 1 }] }, 'messages.0.extra'],
    ['a missing field', { messages: [user] }, 'model'],
    ['tool parameters that are not a JSON Schema', { model: 'm', messages: [user], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: [] } } }] }, 'tools.0.function.parameters'],
  ])('names %s in param', (_, body, param) => {
    const error = refusal(chatCompletionRequestSchema, body);
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
  });

  it('names the prompt of a text completion given as token ids', () => {
    expect(refusal(completionRequestSchema, { model: 'm', prompt: [[1, 2]] }).param).toBe('prompt.0');
  });
});

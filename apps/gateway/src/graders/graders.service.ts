import { Inject, Injectable } from '@nestjs/common';
import { TENANT_HEADER, type Grader } from '@tuneforge/contracts';
import { GraderRunError, runGrader, type GraderContext, type GraderSample } from '@tuneforge/graders';
import { SERVICE_CONFIG } from '@tuneforge/service-kit';
import { z } from 'zod';
import type { GatewayConfig } from '../config/gateway-config';
import { InvalidRequestError, UpstreamUnavailableError } from '../errors/gateway-errors';
import { validateRequest } from '../http/validate';
import { graderRunResponse, type GraderRunResponse } from './grader-run-response';
import { requireValidGrader } from './require-valid-grader';

const validateBodySchema = z.object({ grader: z.unknown() }).strict();

const runBodySchema = z
  .object({
    grader: z.unknown(),
    /** The model's output: the `sample` namespace's `output_text` (and `output_json` when it parses). */
    model_sample: z.string(),
    /** The dataset line: the `item` namespace. */
    item: z.record(z.string(), z.unknown()).optional(),
    /** Tuneforge: the rest of a sample, for the agent graders (tool_call, task_success). */
    tuneforge: z
      .object({
        output_tools: z.array(z.object({ name: z.string(), arguments: z.string() }).strict()).optional(),
        trajectory: z.unknown().optional(),
        environment: z.unknown().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * OpenAI's alpha graders endpoints. `run` scores with the same library the training pod uses; the models a
 * score_model or logit grader names are the caller's own, served by this deployment's inference service (the tenant
 * travels as on `/v1/chat/completions`).
 */
@Injectable()
export class GradersService {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'TF_INFERENCE_URL'>) {}

  validate(body: unknown): { grader: Grader } {
    const request = validateRequest(validateBodySchema, body);
    return { grader: requireValidGrader(request.grader, 'grader') };
  }

  async run(tenant: string, body: unknown): Promise<GraderRunResponse> {
    const request = validateRequest(runBodySchema, body);
    const grader = requireValidGrader(request.grader, 'grader');
    const sample: GraderSample = { output_text: request.model_sample, ...request.tuneforge };
    const started = performance.now();
    try {
      const result = await runGrader(grader, { sample, item: request.item ?? {} }, this.context(tenant));
      return graderRunResponse(grader, result, (performance.now() - started) / 1000);
    } catch (error) {
      if (!(error instanceof GraderRunError)) throw error;
      if (error.code === 'endpoint_unreachable') throw new UpstreamUnavailableError(error.message);
      throw new InvalidRequestError(error.message, 'grader');
    }
  }

  /** Model graders call this deployment's inference service as the caller's tenant. */
  private context(tenant: string): GraderContext {
    const base = this.config.TF_INFERENCE_URL;
    if (!base) return {};
    const withTenant: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), [TENANT_HEADER]: tenant } });
    return { openai: { baseURL: new URL('v1', base.endsWith('/') ? base : `${base}/`).toString(), apiKey: 'internal', fetch: withTenant } };
  }
}

import type { Finding } from '@tuneforge/contracts';
import OpenAI from 'openai';
import type { ExplanationEndpoint } from '../config/debugger-config';

/** The result event caps the explanation at 20,000 characters. */
const MAX_EXPLANATION_CHARS = 20_000;
/** One retry for a transient failure; the diagnosis goes out without prose rather than wait longer. */
const MAX_RETRIES = 1;

const SYSTEM_PROMPT =
  'You explain the diagnosis of a language-model fine-tuning run to the developer who ran it. ' +
  'You are given ranked findings, each with the evidence numbers it rests on and a JSON merge patch on the job configuration. ' +
  'Explain in plain prose, most important first, what went wrong, why the evidence shows it, and what the patch changes. ' +
  'Do not invent findings, numbers or settings that are not in the input.';

export interface ExplanationContext {
  jobId: string;
  iteration: number;
}

/**
 * Asks an OpenAI-compatible endpoint to put the findings into words. Returns null when it cannot (endpoint down,
 * timeout, empty answer): the findings are the diagnosis, and they go out either way. Temperature 0, so a
 * redelivered request tends to get the same prose; the stored result makes it exactly the same.
 */
export async function explainFindings(
  endpoint: ExplanationEndpoint,
  findings: readonly Finding[],
  context: ExplanationContext,
  onError: (error: unknown) => void,
): Promise<string | null> {
  const client = new OpenAI({ baseURL: endpoint.baseURL, apiKey: endpoint.apiKey, timeout: endpoint.timeoutMs, maxRetries: MAX_RETRIES });
  try {
    const completion = await client.chat.completions.create({
      model: endpoint.model,
      temperature: 0,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: `Job ${context.jobId}, iteration ${context.iteration}. Findings:\n${JSON.stringify(findings, null, 2)}` },
      ],
    });
    const text = completion.choices[0]?.message?.content?.trim();
    return text ? text.slice(0, MAX_EXPLANATION_CHARS) : null;
  } catch (error) {
    onError(error);
    return null;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { TENANT_HEADER } from '@tuneforge/contracts';
import { SERVICE_CONFIG } from '@tuneforge/service-kit';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { GatewayConfig } from '../config/gateway-config';
import { UpstreamUnavailableError } from '../errors/gateway-errors';

/** Response headers the inference service's answers carry that matter to an OpenAI client. */
const PASSED_RESPONSE_HEADERS = ['content-type', 'cache-control', 'retry-after', 'x-accel-buffering'];

/**
 * Routes OpenAI's generation endpoints to the inference service over HTTP, streams included. The gateway has
 * authenticated the caller: it sends the key's tenant in the tenant header, and nothing else of the client's
 * request headers (a client-sent tenant header never reaches the service). The answer, status and body, goes back
 * as it comes, chunk by chunk; a client that disconnects closes the upstream request, which frees its sequences.
 */
@Injectable()
export class InferenceProxyService {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: GatewayConfig) {}

  async forward(path: '/v1/chat/completions' | '/v1/completions', tenant: string, body: unknown, client: IncomingMessage, response: ServerResponse): Promise<void> {
    const base = this.config.TF_INFERENCE_URL;
    if (!base) throw new UpstreamUnavailableError('Chat completions are not served by this deployment: the gateway has no TF_INFERENCE_URL.');
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
    const payload = Buffer.from(JSON.stringify(body ?? {}));
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length, accept: client.headers.accept ?? 'application/json', [TENANT_HEADER]: tenant },
      });
      outgoing.once('response', resolve);
      outgoing.once('error', (error) => reject(new UpstreamUnavailableError(`The inference service cannot be reached (${error.message}); try again shortly.`)));
      // The client left before the answer was complete: the inference service sees the connection close.
      response.once('close', () => {
        if (!response.writableFinished) outgoing.destroy();
      });
      outgoing.end(payload);
    });
    const headers: Record<string, string> = {};
    for (const name of PASSED_RESPONSE_HEADERS) {
      const value = upstream.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    response.writeHead(upstream.statusCode ?? 502, headers);
    response.flushHeaders();
    upstream.on('data', (chunk: Buffer) => response.write(chunk));
    await new Promise<void>((resolve) => {
      upstream.once('end', () => {
        response.end();
        resolve();
      });
      // The service went away mid-answer: ending the client's connection tells the client.
      upstream.once('error', () => {
        response.destroy();
        resolve();
      });
      upstream.once('close', () => resolve());
    });
  }
}

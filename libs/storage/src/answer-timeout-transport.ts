import * as http from 'node:http';
import * as https from 'node:https';

type Transport = Pick<typeof http, 'request'>;

/**
 * An http/https transport for minio-js whose requests are destroyed when no response has started
 * within `timeoutMs` of socket inactivity. minio-js takes no AbortSignal, so without this a request to
 * a host that swallows packets would stay open until the OS gives up, minutes later. The timeout is
 * lifted once the response starts, so a slow reader of a download is never cut off.
 */
export function answerTimeoutTransport(useSSL: boolean, timeoutMs: number): Transport {
  const base: Transport = useSSL ? https : http;
  const request = (options: http.RequestOptions, callback?: (response: http.IncomingMessage) => void): http.ClientRequest => {
    const outgoing = base.request(options, (response) => {
      outgoing.setTimeout(0);
      callback?.(response);
    });
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    return outgoing;
  };
  return { request: request as Transport['request'] };
}

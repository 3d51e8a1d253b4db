import { hostname } from 'node:os';

/**
 * The instance id a service reports in traces, logs and ping answers: TF_INSTANCE_ID when the
 * deployment sets one (a pod name), otherwise host and pid, unique among running instances.
 */
export function serviceInstanceId(env: NodeJS.ProcessEnv = process.env): string {
  return env.TF_INSTANCE_ID || `${hostname()}-${process.pid}`;
}

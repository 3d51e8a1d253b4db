/** The dashboard's pages and the paths they answer; `:name` segments become parameters. */
export type Route =
  | { page: 'jobs' }
  | { page: 'job'; jobId: string }
  | { page: 'approvals' }
  | { page: 'evaluation'; jobId?: string }
  | { page: 'data'; jobId?: string }
  | { page: 'models' }
  | { page: 'playground' }
  | { page: 'not-found' };

/** Which page a path shows. */
export function matchRoute(path: string): Route {
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, ...rest] = segments;
  if (rest.length > 0) return { page: 'not-found' };
  if (first === undefined || (first === 'jobs' && second === undefined)) return { page: 'jobs' };
  if (first === 'jobs') return { page: 'job', jobId: second };
  if (first === 'evaluation') return second ? { page: 'evaluation', jobId: second } : { page: 'evaluation' };
  if (first === 'data') return second ? { page: 'data', jobId: second } : { page: 'data' };
  if (second !== undefined) return { page: 'not-found' };
  if (first === 'approvals' || first === 'models' || first === 'playground') return { page: first };
  return { page: 'not-found' };
}

export const paths = {
  jobs: '/jobs',
  job: (id: string) => `/jobs/${encodeURIComponent(id)}`,
  approvals: '/approvals',
  evaluation: (id?: string) => (id ? `/evaluation/${encodeURIComponent(id)}` : '/evaluation'),
  data: (id?: string) => (id ? `/data/${encodeURIComponent(id)}` : '/data'),
  models: '/models',
  playground: '/playground',
};

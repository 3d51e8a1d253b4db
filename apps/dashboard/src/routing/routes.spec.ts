import { matchRoute, paths } from './routes';

describe('matchRoute', () => {
  it.each([
    ['/', { page: 'jobs' }],
    ['/jobs', { page: 'jobs' }],
    ['/jobs/ftjob-abc', { page: 'job', jobId: 'ftjob-abc' }],
    ['/approvals', { page: 'approvals' }],
    ['/evaluation', { page: 'evaluation' }],
    ['/evaluation/ftjob-abc', { page: 'evaluation', jobId: 'ftjob-abc' }],
    ['/data/ftjob-abc', { page: 'data', jobId: 'ftjob-abc' }],
    ['/models', { page: 'models' }],
    ['/playground', { page: 'playground' }],
    ['/models/extra', { page: 'not-found' }],
    ['/jobs/a/b', { page: 'not-found' }],
    ['/nowhere', { page: 'not-found' }],
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it('reads back the paths it makes', () => {
    expect(matchRoute(paths.job('ftjob-x y'))).toEqual({ page: 'job', jobId: 'ftjob-x y' });
    expect(matchRoute(paths.evaluation('ftjob-1'))).toEqual({ page: 'evaluation', jobId: 'ftjob-1' });
  });
});

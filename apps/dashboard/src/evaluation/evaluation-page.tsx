import { useState } from 'react';
import { useSession } from '../auth/session';
import { Link, useLocation } from '../routing/router';
import { paths } from '../routing/routes';
import { ErrorBanner } from '../ui/error-banner';
import { JobPicker } from '../ui/job-picker';
import { useAsync } from '../ui/use-async';
import { ConfusionMatrix } from './confusion-matrix';
import { EpisodeView } from './episode-view';
import { MetricsTable } from './metrics-table';
import { PerToolTable } from './per-tool-table';
import { ReinforcementSection } from './reinforcement-section';
import { WorstExamples } from './worst-examples';

/** A job's evaluation report (`?iteration=n`, default the latest evaluated one): metrics, confusion, worst examples, agent episodes, a reinforcement job's held-out episodes and rollouts. */
export function EvaluationPage({ jobId }: { jobId?: string }) {
  const { client } = useSession();
  const { navigate, search } = useLocation();
  const iteration = Number(new URLSearchParams(search).get('iteration')) || undefined;
  const jobs = useAsync(() => client.listJobs(), [client]);
  const report = useAsync(async () => (jobId ? client.evaluationReport(jobId, iteration) : undefined), [client, jobId, iteration]);
  const [model, setModel] = useState<'tuned' | 'base'>('tuned');
  const data = report.data;
  const agent = data?.agent;
  const prompts = new Map((data?.examples ?? []).map((example) => [example.index, example.prompt]));

  return (
    <>
      <h1>Evaluation</h1>
      <JobPicker jobs={jobs.data ?? []} value={jobId} onChange={(id) => navigate(paths.evaluation(id))} />
      {jobId && report.error && (
        <p role="status">
          {report.error.message} <Link to={paths.job(jobId)}>Back to the job</Link>
        </p>
      )}
      <ErrorBanner error={jobs.error} />
      {data && (
        <>
          <p className="muted">
            Iteration {data.iteration} of <Link to={paths.job(data.jobId)}>{data.jobId}</Link> · evaluation set: {data.evaluationSet.evaluated} of {data.evaluationSet.available} examples from {data.evaluationSet.source}
          </p>
          <section aria-labelledby="metrics-title">
            <h2 id="metrics-title">Base vs tuned</h2>
            <MetricsTable summary={data.summary} models={data.models} />
            {data.notComputed.length > 0 && (
              <ul className="muted">
                {data.notComputed.map((item) => (
                  <li key={item.metric}>
                    {item.metric} not computed: {item.reason}
                  </li>
                ))}
              </ul>
            )}
            <PerToolTable summary={data.summary} />
          </section>
          {agent && (
            <section aria-labelledby="agent-title">
              <h2 id="agent-title">Agent episodes ({agent.format})</h2>
              <fieldset className="inline-choice">
                <legend>Model</legend>
                {(['tuned', 'base'] as const).map((role) => (
                  <label key={role} className="inline">
                    <input type="radio" name="episode-model" value={role} checked={model === role} onChange={() => setModel(role)} /> {role === 'tuned' ? `Tuned (${data.models.tuned})` : `Base (${data.models.base})`}
                  </label>
                ))}
              </fieldset>
              <p>
                Reference calls made somewhere in the run: {agent[model].expectations.passed} of {agent[model].expectations.total}.
              </p>
              <ConfusionMatrix title={`Per-tool confusion, ${model} model`} confusion={agent[model].confusion} />
              <h3>Episodes</h3>
              <div className="episodes">
                {agent[model].episodes.map((episode) => (
                  <EpisodeView key={`${model}-${episode.example}`} episode={episode} prompt={prompts.get(episode.example)} />
                ))}
              </div>
            </section>
          )}
          <ReinforcementSection report={data} />
          {(data.worstExamples.length > 0 || !data.reinforcement) && (
            <section aria-labelledby="worst-title">
              <h2 id="worst-title">Worst examples</h2>
              <WorstExamples examples={data.worstExamples} />
            </section>
          )}
        </>
      )}
    </>
  );
}

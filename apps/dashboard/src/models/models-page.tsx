import { useSession } from '../auth/session';
import { Link } from '../routing/router';
import { paths } from '../routing/routes';
import { ErrorBanner } from '../ui/error-banner';
import { formatTime } from '../ui/format';
import { useAsync } from '../ui/use-async';
import { ArtifactDownloads } from './artifact-downloads';
import { modelsByKind } from './model-kinds';

const chatLink = (model: string) => `${paths.playground}?model=${encodeURIComponent(model)}`;

/** What the tenant can fine-tune from and call: base models, tuned models with their downloads, checkpoints. */
export function ModelsPage() {
  const { client } = useSession();
  const models = useAsync(() => client.models(), [client]);
  const jobs = useAsync(() => client.listJobs(), [client]);
  const { base, tuned, checkpoints } = modelsByKind(models.data ?? []);
  const jobOf = (model: string) => jobs.data?.find((job) => job.fine_tuned_model === model);

  return (
    <>
      <h1>Models</h1>
      <ErrorBanner error={models.error ?? jobs.error} />
      <section aria-labelledby="base-title">
        <h2 id="base-title">Base models</h2>
        <ul>
          {base.map((model) => (
            <li key={model.id}>
              <code>{model.id}</code> <span className="muted">({model.owned_by})</span> · <Link to={chatLink(model.id)}>Chat</Link>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="tuned-title">
        <h2 id="tuned-title">Tuned models</h2>
        {tuned.length === 0 && <p className="muted">None yet.</p>}
        {tuned.map((model) => {
          const job = jobOf(model.id);
          return (
            <article key={model.id} className="card">
              <h3>
                <code>{model.id}</code>
              </h3>
              <p>
                {job ? (
                  <>
                    From <Link to={paths.job(job.id)}>{job.id}</Link> on {job.model}, {formatTime(job.finished_at)} ·{' '}
                  </>
                ) : null}
                <Link to={chatLink(model.id)}>Chat</Link>
              </p>
              {job && (
                <details>
                  <summary>Downloads: merged model, adapter, GGUF</summary>
                  <ArtifactDownloads jobId={job.id} />
                </details>
              )}
            </article>
          );
        })}
      </section>
      <section aria-labelledby="checkpoints-title">
        <h2 id="checkpoints-title">Checkpoints</h2>
        {checkpoints.length === 0 && <p className="muted">None yet.</p>}
        <ul>
          {checkpoints.map((model) => (
            <li key={model.id}>
              <code>{model.id}</code> · <Link to={chatLink(model.id)}>Chat</Link>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

import { useSession } from '../auth/session';
import { FindingsList } from '../jobs/findings-list';
import { ErrorBanner } from '../ui/error-banner';
import { useAsync } from '../ui/use-async';

/**
 * Everything the debugger found in the iteration a "apply the diagnosis?" question is about, with the evidence and
 * the patch of each (the question itself carries the top one): what a person weighs before approving.
 */
export function DiagnosisFindings({ jobId, iteration }: { jobId: string; iteration: number }) {
  const { client } = useSession();
  const iterations = useAsync(() => client.iterations(jobId), [client, jobId]);
  const diagnosis = iterations.data?.find((item) => item.iteration === iteration)?.diagnosis;
  return (
    <section className="diagnosis" aria-label={`Debugger findings of iteration ${iteration}`}>
      <h3>Debugger findings of iteration {iteration}</h3>
      <ErrorBanner error={iterations.error} />
      {diagnosis?.explanation && <p>{diagnosis.explanation}</p>}
      {diagnosis && <FindingsList findings={diagnosis.findings} />}
    </section>
  );
}

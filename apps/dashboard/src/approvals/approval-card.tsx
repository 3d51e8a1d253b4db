import { useId, useState } from 'react';
import type { Approval, ApprovalDecision } from '../api/types';
import { useSession } from '../auth/session';
import { Link } from '../routing/router';
import { paths } from '../routing/routes';
import { ErrorBanner } from '../ui/error-banner';
import { formatTime } from '../ui/format';
import { ApprovalContext } from './approval-context';
import { DiagnosisFindings } from './diagnosis-findings';
import { PatchEditor } from './patch-editor';

const STAGES: Record<string, string> = {
  training_halfway: 'Halfway through training',
  after_evaluation: 'After the evaluation',
  apply_diagnosis: 'Apply the diagnosis',
};

function patchOf(approval: Approval): Record<string, unknown> {
  const patch = approval.context.patch as { config?: Record<string, unknown> } | undefined;
  return patch?.config ?? {};
}

/** One pending question: its context, then approve, reject, or (where offered) edit the patch and send it. */
export function ApprovalCard({ approval, onAnswered }: { approval: Approval; onAnswered(): void }) {
  const { client } = useSession();
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const titleId = useId();
  const commentId = useId();

  const answer = async (decision: ApprovalDecision, edits?: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await client.answer(approval.job_id, approval.id, { decision, ...(comment.trim() ? { comment: comment.trim() } : {}), ...(edits ? { edits } : {}) });
      onAnswered();
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="card approval" aria-labelledby={titleId} data-approval-id={approval.id}>
      <h2 id={titleId}>{approval.question}</h2>
      <p className="muted">
        {STAGES[approval.stage] ?? approval.stage} · job <Link to={paths.job(approval.job_id)}>{approval.job_id}</Link> · asked {formatTime(approval.created_at)}
        {approval.decide_at ? ` · decided “${approval.decision_on_timeout}” automatically at ${formatTime(approval.decide_at)} if nobody answers` : ''}
      </p>
      <ApprovalContext approval={approval} />
      {approval.stage === 'apply_diagnosis' && typeof approval.context.iteration === 'number' && <DiagnosisFindings jobId={approval.job_id} iteration={approval.context.iteration} />}
      <label htmlFor={commentId}>Comment (optional)</label>
      <textarea id={commentId} rows={2} value={comment} maxLength={4000} onChange={(e) => setComment(e.target.value)} />
      <div className="actions">
        {approval.options.includes('approve') && (
          <button type="button" disabled={busy} onClick={() => answer('approve')}>
            Approve
          </button>
        )}
        {approval.options.includes('reject') && (
          <button type="button" className="danger" disabled={busy} onClick={() => answer('reject')}>
            Reject
          </button>
        )}
        {approval.options.includes('edit') && (
          <button type="button" aria-expanded={editing} disabled={busy} onClick={() => setEditing(!editing)}>
            {editing ? 'Close the editor' : 'Edit the patch'}
          </button>
        )}
      </div>
      {editing && <PatchEditor initial={patchOf(approval)} config={approval.context.config} busy={busy} onSubmit={(patch) => answer('edit', patch)} />}
      <ErrorBanner error={error} />
    </article>
  );
}

import { useState } from 'react';
import type { EvaluationReport, HeldOutEpisode, RolloutRecord } from '../api/report-types';
import { TurnList } from './turn-list';

const score = (value: number) => Number(value.toPrecision(3)).toString();

function HeldOutView({ episode, threshold }: { episode: HeldOutEpisode; threshold: number }) {
  return (
    <details className={`episode ${episode.passed ? 'passed' : 'failed'}`} data-task={episode.task}>
      <summary>
        <span className="outcome">{episode.passed ? '✓ passed' : '✗ failed'}</span> Line {episode.line}: {episode.request} <span className="muted">(reward {score(episode.reward)}, pass at ≥ {score(threshold)}; ended: {episode.end})</span>
      </summary>
      {episode.graderError && <p className="field-error">Grader: {episode.graderError}</p>}
      <TurnList turns={episode.turns} />
      {episode.finalAnswer !== undefined && (
        <p>
          <strong>Final answer:</strong> {episode.finalAnswer}
        </p>
      )}
    </details>
  );
}

function RolloutView({ rollout }: { rollout: RolloutRecord }) {
  const sign = rollout.advantage > 0 ? 'above' : rollout.advantage < 0 ? 'below' : 'level with';
  return (
    <details className="episode rollout" data-step={rollout.step}>
      <summary>
        Group {rollout.group + 1}, chain {rollout.chain + 1}: reward {score(rollout.reward)} <span className="muted">(advantage {score(rollout.advantage)}: {sign} its group; {rollout.generatedTokens} tokens{rollout.truncated ? ', cut by its token budget' : ''}; ended: {rollout.end})</span>
      </summary>
      <p className="muted">Task: {rollout.task}</p>
      <TurnList turns={rollout.turns} />
    </details>
  );
}

/**
 * A reinforcement job's part of the evaluation: both models' held-out episodes as the job's grader scored them, and
 * the training rollouts the run recorded, step by step, each with its reward and its advantage within its group.
 */
export function ReinforcementSection({ report }: { report: EvaluationReport }) {
  const [model, setModel] = useState<'tuned' | 'base'>('tuned');
  const rl = report.reinforcement;
  if (!rl) return null;
  const steps = [...new Set(rl.rollouts.map((r) => r.step))].sort((a, b) => a - b);
  const episodes = rl.heldOut[model];
  const passed = episodes.filter((e) => e.passed).length;
  return (
    <section aria-labelledby="rl-title">
      <h2 id="rl-title">
        Held-out tasks, scored by the grader {rl.grader.name ? `“${rl.grader.name}”` : ''} ({rl.grader.type})
      </h2>
      <fieldset className="inline-choice">
        <legend>Model</legend>
        {(['tuned', 'base'] as const).map((role) => (
          <label key={role} className="inline">
            <input type="radio" name="held-out-model" value={role} checked={model === role} onChange={() => setModel(role)} /> {role === 'tuned' ? `Tuned (${report.models.tuned})` : `Base (${report.models.base})`}
          </label>
        ))}
      </fieldset>
      <p>
        {passed} of {episodes.length} held-out episodes passed.
      </p>
      <div className="episodes">
        {episodes.map((episode) => (
          <HeldOutView key={`${model}-${episode.task}`} episode={episode} threshold={rl.passThreshold} />
        ))}
      </div>
      <h2>Training rollouts</h2>
      {steps.length === 0 ? (
        <p className="muted">No training rollouts were recorded for this run.</p>
      ) : (
        <>
          <p className="muted">
            {steps.length} of the {rl.recordedSteps} recorded steps. The episodes of a group answer the same task; the advantage is an episode&apos;s reward against its group&apos;s.
          </p>
          {steps.map((step) => {
            const rollouts = rl.rollouts.filter((r) => r.step === step);
            const mean = rollouts.reduce((a, r) => a + r.reward, 0) / rollouts.length;
            return (
              <div key={step} className="episodes">
                <h3>
                  Step {step} <span className="muted">(mean reward {score(mean)})</span>
                </h3>
                {rollouts.map((rollout) => (
                  <RolloutView key={`${rollout.group}-${rollout.chain}`} rollout={rollout} />
                ))}
              </div>
            );
          })}
        </>
      )}
    </section>
  );
}

import type { EpisodeTurn, HeldOutEpisode, RolloutRecord } from '@tuneforge/contracts';
import type { EvaluationReport, ReinforcementReport } from '../evaluation/evaluation-report';
import { escapeHtml, formatValue } from './html-escape';
import { rewardCurveSvg } from './reward-chart';

/** Held-out tasks shown with both models' episodes at most; report.json has them all. */
const SHOWN_TASKS = 30;

/** An episode turn by turn: each generation, what it was read as, and each tool call with its observation. */
function turnsHtml(turns: readonly EpisodeTurn[]): string {
  const items = turns.map((turn, i) => {
    const calls = turn.calls.map((call) => `<li>${escapeHtml(call.name)}(<code>${escapeHtml(JSON.stringify(call.arguments))}</code>) → <pre>${escapeHtml(call.observation)}</pre></li>`).join('');
    const error = turn.error ? ` <span class="worse">${escapeHtml(turn.error)}</span>` : '';
    return `<li><span class="muted">turn ${i + 1} · ${escapeHtml(turn.action)} · ${escapeHtml(turn.finishReason)}</span>${error}<pre>${escapeHtml(turn.raw)}</pre>${calls ? `<ul>${calls}</ul>` : ''}</li>`;
  });
  return `<ol class="turns">${items.join('')}</ol>`;
}

function episodeCell(episode: HeldOutEpisode | undefined, threshold: number): string {
  if (!episode) return '<td>—</td>';
  const cls = episode.reward >= threshold ? 'better' : 'worse';
  const why = episode.graderError ? `<div class="muted">grader: ${escapeHtml(episode.graderError)}</div>` : '';
  return `<td><details><summary><span class="${cls}">${formatValue(episode.reward)}</span> · ${escapeHtml(episode.end)} · ${episode.turns.length} turn(s)</summary>${why}${turnsHtml(episode.turns)}</details></td>`;
}

function heldOutTable(r: ReinforcementReport): string {
  const rows = r.heldOut.tuned.slice(0, SHOWN_TASKS).map((tuned, i) => {
    const base = r.heldOut.base[i];
    return `<tr><td class="num">${tuned.line}</td><td><pre>${escapeHtml(tuned.request)}</pre></td>${episodeCell(base, r.passThreshold)}${episodeCell(tuned, r.passThreshold)}</tr>`;
  });
  const more = r.heldOut.tuned.length > SHOWN_TASKS ? `<p class="muted">The first ${SHOWN_TASKS} of ${r.heldOut.tuned.length} tasks; report.json has them all.</p>` : '';
  return `<table class="held-out"><tr><th>line</th><th>request</th><th>base: reward · end</th><th>tuned: reward · end</th></tr>${rows.join('')}</table>${more}`;
}

function rolloutRow(record: RolloutRecord): string {
  const advantage = record.advantage > 0 ? 'better' : record.advantage < 0 ? 'worse' : '';
  const flags = record.truncated ? ' · cut by its token budget' : '';
  return `<tr><td class="num">${record.group + 1}.${record.chain + 1}</td><td><pre>${escapeHtml(record.task)}</pre></td><td class="num">${formatValue(record.reward)}</td>` +
    `<td class="num ${advantage}">${formatValue(record.advantage)}</td><td><details><summary>${escapeHtml(record.end)} · ${record.turns.length} turn(s) · ${record.generatedTokens} token(s)${flags}</summary>${turnsHtml(record.turns)}</details></td></tr>`;
}

/** Recorded training rollouts, one table per recorded step: each episode of each group with its reward and advantage. */
function rolloutsSection(r: ReinforcementReport): string {
  if (r.rollouts.length === 0) return '<p class="muted">No training rollouts were recorded for this run.</p>';
  const steps = [...new Set(r.rollouts.map((record) => record.step))].sort((a, b) => a - b);
  const tables = steps.map((step) => {
    const records = r.rollouts.filter((record) => record.step === step);
    const mean = records.reduce((a, x) => a + x.reward, 0) / records.length;
    return `<h3>Step ${step} (mean reward ${formatValue(mean)})</h3><table class="rollouts" data-step="${step}"><tr><th>group.chain</th><th>task</th><th>reward</th><th>advantage</th><th>episode</th></tr>${records.map(rolloutRow).join('')}</table>`;
  });
  return `<p class="muted">${steps.length} of the ${r.recordedSteps} recorded step(s), evenly spaced; episodes of a group share a task, and the advantage is an episode's reward against its group's.</p>${tables.join('')}`;
}

/**
 * A reinforcement job's part of the report: the reward curve, both models' held-out episodes as the grader scored
 * them, and the training rollouts step by step. Every piece of model, tool or user text is escaped.
 */
export function reinforcementSection(report: EvaluationReport): string {
  const r = report.reinforcement;
  if (!r) return '';
  const { base, tuned } = report.summary;
  const grader = `${escapeHtml(r.grader.type)}${r.grader.name ? ` “${escapeHtml(r.grader.name)}”` : ''}`;
  const curve = rewardCurveSvg(report.trainingCurve);
  return `<h2>Reinforcement: held-out tasks scored by the job's grader (${grader})</h2>
<p>Mean reward: base ${formatValue(base.metrics.reward_mean)}, tuned ${formatValue(tuned.metrics.reward_mean)} · pass rate (reward ≥ ${formatValue(r.passThreshold)}): base ${formatValue(base.metrics.pass_rate)}, tuned ${formatValue(tuned.metrics.pass_rate)} · one greedy episode per task with the tools of training.</p>
${curve ? `<h2>Reward per step</h2>\n${curve}` : ''}
${heldOutTable(r)}
<h2>Training rollouts</h2>
${rolloutsSection(r)}`;
}

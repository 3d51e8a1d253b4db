/**
 * @jest-environment jsdom
 */
import { fireEvent, render, screen, within } from '@testing-library/react';
import type { EvaluationReport, EpisodeTurn } from '../api/report-types';
import { ReinforcementSection } from './reinforcement-section';

const turn = (raw: string, calls: EpisodeTurn['calls'] = []): EpisodeTurn => ({ raw, finishReason: 'eos', action: calls.length ? 'tool_calls' : 'final_answer', calls });
const heldOut = (reward: number, answer: string) => ({ task: 0, line: 4, request: 'What is 2+3?', reward, passed: reward >= 1, end: 'final_answer', finalAnswer: answer, turns: [turn('use the calculator', [{ name: 'calculator', arguments: { expression: '2+3' }, observation: '5' }]), turn(answer)] });
const rollout = (step: number, chain: number, reward: number, advantage: number) => ({ step, group: 0, prompt: 2, chain, task: '1+1', reward, advantage, end: 'final_answer', generatedTokens: 7, truncated: chain === 1, turns: [turn(String(reward))] });

const report: EvaluationReport = {
  jobId: 'ftjob-rl',
  iteration: 1,
  models: { base: 'tiny-llama', tuned: 'ft:tiny-llama:rl' },
  evaluationSet: { source: 'validation.jsonl', available: 1, evaluated: 1 },
  notComputed: [],
  summary: { examples: 1, agent_episodes: 1, base: { metrics: { reward_mean: 0, pass_rate: 0 }, per_tool: {} }, tuned: { metrics: { reward_mean: 1, pass_rate: 1 }, per_tool: {} } },
  examples: [],
  worstExamples: [],
  reinforcement: {
    grader: { type: 'string_check', name: 'exact' },
    passThreshold: 1,
    heldOut: { base: [heldOut(0, '6')], tuned: [heldOut(1, '5')] },
    rollouts: [rollout(1, 0, 1, 0.7), rollout(1, 1, 0, -0.7), rollout(3, 0, 1, 0)],
    recordedSteps: 3,
  },
};

describe('ReinforcementSection', () => {
  it("shows each model's held-out episodes with the grader's verdict, turn by turn", () => {
    render(<ReinforcementSection report={report} />);
    expect(screen.getByRole('heading', { name: /Held-out tasks, scored by the grader “exact” \(string_check\)/ })).toBeTruthy();
    expect(screen.getByText('1 of 1 held-out episodes passed.')).toBeTruthy();
    expect(screen.getByText(/✓ passed/).closest('details')!.textContent).toContain('Line 4: What is 2+3?');
    expect(screen.getAllByText('calculator')).toHaveLength(1);
    expect(screen.getByText('5', { selector: 'pre' })).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: /Base/ }));
    expect(screen.getByText('0 of 1 held-out episodes passed.')).toBeTruthy();
    expect(screen.getByText(/✗ failed/)).toBeTruthy();
  });

  it('lists the recorded rollouts step by step with reward and advantage', () => {
    const { container } = render(<ReinforcementSection report={report} />);
    expect(screen.getByText(/2 of the 3 recorded steps/)).toBeTruthy();
    const step1 = screen.getByRole('heading', { name: /Step 1 \(mean reward 0.5\)/ }).parentElement!;
    expect(within(step1).getByText(/Group 1, chain 1: reward 1/)).toBeTruthy();
    expect(within(step1).getByText(/advantage -0.7: below its group; 7 tokens, cut by its token budget/)).toBeTruthy();
    expect(container.querySelectorAll('details.rollout[data-step="3"]')).toHaveLength(1);
  });

  it('renders nothing for a report without reinforcement', () => {
    const { container } = render(<ReinforcementSection report={{ ...report, reinforcement: undefined }} />);
    expect(container.innerHTML).toBe('');
  });
});

import type { Episode } from '../api/report-types';
import { episodePassed, stepFailure } from './episode-outcome';
import { TurnList } from './turn-list';

/**
 * One agent episode step by step: each generation (the model's thought and action as written), the tool calls with
 * their arguments and observations, the final answer; then each step against the reference, failures marked.
 */
export function EpisodeView({ episode, prompt }: { episode: Episode; prompt?: string }) {
  const passed = episodePassed(episode);
  return (
    <details className={`episode ${passed ? 'passed' : 'failed'}`} data-example={episode.example}>
      <summary>
        <span className="outcome">{passed ? '✓ passed' : '✗ failed'}</span> Example {episode.example + 1}
        {prompt ? `: ${prompt.slice(0, 90)}${prompt.length > 90 ? '…' : ''}` : ''} <span className="muted">(ended: {episode.end})</span>
      </summary>
      <TurnList turns={episode.turns} />
      {episode.finalAnswer !== undefined && (
        <p>
          <strong>Final answer:</strong> {episode.finalAnswer} {episode.score.finalAnswerCorrect === false && <span className="field-error">✗ not the reference answer</span>}
        </p>
      )}
      <table>
        <caption>Against the reference, step by step</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Expected</th>
            <th scope="col">Model</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {episode.score.steps.map((step, index) => {
            const failure = stepFailure(step);
            return (
              <tr key={index} className={failure ? 'miss' : 'hit'}>
                <td>{index + 1}</td>
                <td>
                  <code>{step.expectedLabel}</code> {step.expected.arguments ? <code>{JSON.stringify(step.expected.arguments)}</code> : null}
                </td>
                <td>
                  <code>{step.predictedLabel}</code> {step.predicted?.arguments ? <code>{JSON.stringify(step.predicted.arguments)}</code> : null}
                </td>
                <td>{failure ? `✗ ${failure}` : '✓ right'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}

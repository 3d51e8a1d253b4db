import type { Episode } from '../api/report-types';
import { episodePassed, stepFailure } from './episode-outcome';

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
      <ol className="turns">
        {episode.turns.map((turn, index) => (
          <li key={index} className={turn.error ? 'turn failed' : 'turn'}>
            <h4>Generation {index + 1}</h4>
            <pre className="code">{turn.raw}</pre>
            <p>
              <strong>Action:</strong> {turn.action} <span className="muted">(finish: {turn.finishReason}{turn.stop ? `, stop ${JSON.stringify(turn.stop)}` : ''})</span>
            </p>
            {turn.error && <p className="field-error">✗ {turn.error}</p>}
            {turn.calls.map((call, callIndex) => (
              <div key={callIndex} className="call">
                <p>
                  <strong>Tool call:</strong> <code>{call.name}</code>
                </p>
                <p>
                  <strong>Arguments:</strong> <code>{JSON.stringify(call.arguments)}</code>
                </p>
                <p>
                  <strong>Observation:</strong> {call.observation}
                </p>
              </div>
            ))}
          </li>
        ))}
      </ol>
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

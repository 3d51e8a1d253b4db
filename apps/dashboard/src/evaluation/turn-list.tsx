import type { EpisodeTurn } from '../api/report-types';

/** An episode's generations in order: the text as written, the action it was read as, each tool call and its observation. */
export function TurnList({ turns }: { turns: readonly EpisodeTurn[] }) {
  return (
    <ol className="turns">
      {turns.map((turn, index) => (
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
  );
}

/**
 * Expected action (rows) against the model's action at the same step (columns): tool names, `(none)` for a final
 * answer, `(invalid)` for an unreadable generation, `(missing)` when the run ended first. The diagonal is right.
 */
export function ConfusionMatrix({ title, confusion }: { title: string; confusion: Record<string, Record<string, number>> }) {
  const expected = Object.keys(confusion).sort();
  const predicted = [...new Set([...expected, ...Object.values(confusion).flatMap((row) => Object.keys(row))])].sort();
  if (expected.length === 0) return null;
  return (
    <table className="confusion">
      <caption>{title}: expected (rows) vs predicted (columns)</caption>
      <thead>
        <tr>
          <td />
          {predicted.map((label) => (
            <th scope="col" key={label}>
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {expected.map((row) => (
          <tr key={row}>
            <th scope="row">{row}</th>
            {predicted.map((column) => {
              const count = confusion[row][column] ?? 0;
              return (
                <td key={column} className={count === 0 ? 'muted' : row === column ? 'hit' : 'miss'}>
                  {count}
                  {count > 0 && <span className="visually-hidden">{row === column ? ' correct' : ' wrong'}</span>}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

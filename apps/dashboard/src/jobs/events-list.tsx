import type { JobEvent } from '../api/types';
import { formatTime } from '../ui/format';

const SHOWN = 200;

/** The job's story in its own words, newest first; step metrics are left to the charts unless asked for. */
export function EventsList({ events, withMetrics }: { events: JobEvent[]; withMetrics: boolean }) {
  const shown = events.filter((event) => withMetrics || event.type !== 'metrics').slice(-SHOWN).reverse();
  if (shown.length === 0) return <p className="muted">No events yet.</p>;
  return (
    // A scrolling box must be reachable by keyboard to be read (WCAG 2.1.1; axe's scrollable-region-focusable).
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <ol className="events" aria-label="Job events, newest first" tabIndex={0}>
      {shown.map((event) => (
        <li key={event.id} className={`event level-${event.level}`}>
          <time dateTime={new Date(event.created_at * 1000).toISOString()}>{formatTime(event.created_at)}</time>
          {event.level !== 'info' && <span className="level">{event.level}</span>}
          <span>{event.message}</span>
        </li>
      ))}
    </ol>
  );
}

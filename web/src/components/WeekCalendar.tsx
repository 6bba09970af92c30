import type { MaintenanceWindow } from '../../../src/domain/rollout/plan.js';
import { windowOccurrences } from '../../../src/domain/rollout/windows.js';

const DAY = 86_400_000;

/** Monday 00:00, local time, of the week that holds `now`. */
function weekStart(now: number): Date {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

const hhmm = (ms: number) =>
  new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * This week's maintenance windows as a calendar: a column per day, each opening a block at
 * its hours (in this browser's time zone), with its times in words. The openings come from
 * the same cron expansion the server uses (domain/rollout/windows.ts).
 */
export function WeekCalendar({
  windows,
  now = Date.now(),
}: {
  windows: readonly MaintenanceWindow[];
  now?: number;
}) {
  const monday = weekStart(now);
  const days = Array.from({ length: 7 }, (_, i) => {
    const start = new Date(monday);
    start.setDate(monday.getDate() + i);
    const end = new Date(start);
    end.setDate(start.getDate() + 1);
    return { start: start.getTime(), end: end.getTime() };
  });
  const first = days[0]?.start ?? now;
  const last = days[6]?.end ?? now + 7 * DAY;
  const openings = windowOccurrences(windows, first, last);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <figure className="calendar" aria-labelledby="calendar-caption">
      <figcaption id="calendar-caption">
        Maintenance windows this week, in your time zone ({zone}); outside them no install starts.
      </figcaption>
      <div className="calendar-grid" role="list">
        {days.map((day) => {
          const today = now >= day.start && now < day.end;
          const label = new Date(day.start).toLocaleDateString(undefined, {
            weekday: 'short',
            day: 'numeric',
            month: 'short',
          });
          const here = openings
            .filter((o) => o.start < day.end && o.end > day.start)
            .map((o) => ({
              ...o,
              from: Math.max(o.start, day.start),
              to: Math.min(o.end, day.end),
            }));
          const length = day.end - day.start;
          return (
            <div
              key={day.start}
              role="listitem"
              className={`calendar-day${today ? ' today' : ''}`}
              aria-label={`${label}${today ? ' (today)' : ''}: ${
                here.length === 0
                  ? 'no window'
                  : here.map((o) => `${hhmm(o.from)} to ${hhmm(o.to)}`).join(', ')
              }`}
            >
              <div className="calendar-label" aria-hidden="true">
                {label}
              </div>
              <div className="calendar-hours" aria-hidden="true">
                {here.map((o) => (
                  <div
                    key={`${o.start}:${o.window.cron}`}
                    className="calendar-block"
                    data-testid="calendar-block"
                    title={`"${o.window.cron}" ${o.window.timezone}, ${o.window.durationMinutes} min`}
                    style={{
                      top: `${((o.from - day.start) / length) * 100}%`,
                      height: `${Math.max(((o.to - o.from) / length) * 100, 4)}%`,
                    }}
                  >
                    {hhmm(o.from)}–{hhmm(o.to)}
                  </div>
                ))}
              </div>
            </div>
          );
        })}
      </div>
    </figure>
  );
}

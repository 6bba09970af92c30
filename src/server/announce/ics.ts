import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { ICalAlarmType, ICalCalendar } from 'ical-generator';
import type { ScheduleItem } from '../../domain/announce/schedule.js';

/**
 * The calendar event attached to an e-mail: one event per line of the recipient's
 * schedule, in their time zone (with its VTIMEZONE), each with a reminder alarm.
 */

/** The wall-clock time in `timeZone` as a Date whose UTC fields hold it (what the library writes). */
function wallClock(ms: number, timeZone: string): Date {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return new Date(
    Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')),
  );
}

export type CalendarInput = {
  /** Stable per notification and line: a re-sent event replaces the one before. */
  uid: string;
  summary: string;
  description: string;
  items: readonly ScheduleItem[];
  timeZone: string;
  /** How long each event lasts. */
  durationMs: number;
  /** How long before the start the calendar reminds. */
  alarmBeforeSeconds: number;
  stamp: number;
};

export function calendarOf(input: CalendarInput): string {
  const cal = new ICalCalendar({
    prodId: { company: 'Ringmaster', product: 'rollout schedule', language: 'EN' },
  });
  cal.timezone({ name: input.timeZone, generator: getVtimezoneComponent });
  input.items.forEach((item, i) => {
    const event = cal.createEvent({
      id: `${input.uid}-${i}@ringmaster`,
      start: wallClock(item.at, input.timeZone),
      end: wallClock(item.at + input.durationMs, input.timeZone),
      timezone: input.timeZone,
      stamp: wallClock(input.stamp, input.timeZone),
      summary: `${input.summary}: ${item.label}`,
      description: input.description,
    });
    event.createAlarm({
      type: ICalAlarmType.display,
      trigger: input.alarmBeforeSeconds,
      description: `${input.summary}: ${item.label}`,
    });
  });
  return cal.toString();
}

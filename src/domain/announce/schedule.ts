import type { DryRun } from '../rollout/dry-run.js';
import type { MaintenanceWindow } from '../rollout/plan.js';

/**
 * Who is told what of a deployment's schedule, and when: pure, from the plan's dry run
 * (the same placement the engine makes, each computer's earliest start within its
 * windows) and the people to tell. No clock: `now` is passed in.
 */

export type Audience = 'admin' | 'owner';

/** One line of a recipient's schedule: a computer (owners) or a phase (admins). */
export type ScheduleItem = { label: string; phase: string; phaseIndex: number; at: number };

export type Recipient = {
  address: string;
  audience: Audience;
  /** The time zone the recipient reads times in: their computers' windows', or the default. */
  timeZone: string;
  items: ScheduleItem[];
};

export type ScheduleInput = {
  dryRun: DryRun;
  /** The target's computers, with their owner's e-mail (null: nobody to tell). */
  owners: ReadonlyMap<string, { ownerEmail: string | null; groups: readonly string[] }>;
  windowsByGroup: Readonly<Record<string, readonly MaintenanceWindow[]>>;
  admins: readonly string[];
  defaultTimeZone: string;
};

function zoneOf(
  groups: readonly string[],
  windowsByGroup: ScheduleInput['windowsByGroup'],
): string | null {
  for (const g of [...groups].sort()) {
    const w = windowsByGroup[g]?.[0];
    if (w) return w.timezone;
  }
  return null;
}

/** The admins (one line per phase) and each owner (one line per computer of theirs). */
export function recipientsOf(input: ScheduleInput): Recipient[] {
  const { dryRun, defaultTimeZone } = input;
  const out: Recipient[] = [];
  const phaseItems = dryRun.phases.map((p, i) => ({
    label: `${p.name} (${p.computers.length} computer${p.computers.length === 1 ? '' : 's'})`,
    phase: p.name,
    phaseIndex: i,
    at: p.earliestOpenAt,
  }));
  for (const address of new Set(input.admins)) {
    out.push({ address, audience: 'admin', timeZone: defaultTimeZone, items: phaseItems });
  }
  const byOwner = new Map<string, Recipient>();
  dryRun.phases.forEach((p, i) => {
    for (const c of p.computers) {
      const owner = input.owners.get(c.id);
      if (!owner?.ownerEmail) continue;
      const key = owner.ownerEmail.toLowerCase();
      let r = byOwner.get(key);
      if (!r) {
        r = {
          address: owner.ownerEmail,
          audience: 'owner',
          timeZone: zoneOf(owner.groups, input.windowsByGroup) ?? defaultTimeZone,
          items: [],
        };
        byOwner.set(key, r);
      }
      r.items.push({
        label: c.hostname,
        phase: p.name,
        phaseIndex: i,
        at: c.earliestStartAt ?? p.earliestOpenAt,
      });
    }
  });
  return [...out, ...[...byOwner.values()].sort((a, b) => a.address.localeCompare(b.address))];
}

/** A recipient's reminders: one per phase they have items in, `leadMs` before its first. */
export function remindersOf(
  recipient: Recipient,
  leadMs: number,
  now: number,
): { phaseIndex: number; phase: string; sendAt: number; items: ScheduleItem[] }[] {
  const byPhase = new Map<number, ScheduleItem[]>();
  for (const item of recipient.items) {
    byPhase.set(item.phaseIndex, [...(byPhase.get(item.phaseIndex) ?? []), item]);
  }
  return [...byPhase.entries()].flatMap(([phaseIndex, items]) => {
    const first = Math.min(...items.map((i) => i.at));
    const sendAt = first - leadMs;
    // Nothing to remind of when the approval itself comes less than the lead before.
    if (sendAt <= now) return [];
    return [{ phaseIndex, phase: items[0]?.phase ?? '', sendAt, items }];
  });
}

/** "Sat 30 May 2026, 16:30" in `timeZone`. */
export function formatWhen(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('weekday')} ${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')}`;
}

/** What an owner must do: "Leave your computer on overnight on 30 May from 16:30." */
export function ownerAction(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const hour = Number(get('hour'));
  const day = `${get('day')} ${get('month')}`;
  const time = `${get('hour')}:${get('minute')}`;
  const when =
    hour >= 16 || hour < 6 ? `overnight on ${day} from ${time}` : `from ${time} on ${day}`;
  return `Leave your computer on ${when}, connected to the network, and save your work before you leave it.`;
}

/** The schedule's lines, each "label: when". */
export function scheduleLines(items: readonly ScheduleItem[], timeZone: string): string {
  return items.map((i) => `- ${i.label}: ${formatWhen(i.at, timeZone)}`).join('\n');
}

/** Delivery retries: 30 s, 1 min, 2 min … doubling up to an hour between attempts. */
export function retryDelayMs(failedAttempts: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  return Math.min(30_000 * 2 ** Math.min(exponent, 20), 3_600_000);
}

/** After this many failed attempts a delivery is given up: `failed`, visible in its list. */
export const MAX_DELIVERY_ATTEMPTS = 10;

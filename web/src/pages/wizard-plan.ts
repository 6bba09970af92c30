import type { CreateDeploymentRequest } from '../../../src/contracts/api.js';
import type { FieldProblem } from '../api/client.js';

/** What the wizard collects, in the words of its steps. */
export type Draft = {
  updates: string[];
  groups: string[];
  phases: { name: string; percent: string; manual: boolean }[];
  soakMinutes: string;
  minSuccessPercent: string;
  maxFailurePercent: string;
  deadline: string;
  policy: '' | 'notify' | 'auto-download' | 'scheduled';
  overrideOnDeadline: boolean;
  emergency: boolean;
  emergencyReason: string;
};

export const emptyDraft: Draft = {
  updates: [],
  groups: [],
  phases: [
    { name: 'pilot', percent: '10', manual: false },
    { name: 'broad', percent: '100', manual: false },
  ],
  soakMinutes: '60',
  minSuccessPercent: '95',
  maxFailurePercent: '20',
  deadline: '',
  policy: '',
  overrideOnDeadline: true,
  emergency: false,
  emergencyReason: '',
};

/** A number field as typed: blank is "not set", anything else goes to the server as is. */
const num = (text: string): number | undefined => {
  const t = text.trim();
  return t === '' ? undefined : Number(t);
};

/** The request the server checks: the wizard does not judge a plan; the server does. */
export function requestOf(d: Draft): CreateDeploymentRequest {
  const soak = num(d.soakMinutes);
  const plan: Record<string, unknown> = {
    phases: d.phases.map((p) => ({
      name: p.name,
      ...(num(p.percent) !== undefined ? { percent: num(p.percent) } : {}),
      ...(p.manual ? { gate: { manual: true } } : {}),
    })),
    gate: {
      ...(num(d.minSuccessPercent) !== undefined
        ? { minSuccessPercent: num(d.minSuccessPercent) }
        : {}),
      ...(num(d.maxFailurePercent) !== undefined
        ? { maxFailurePercent: num(d.maxFailurePercent) }
        : {}),
    },
    ...(soak !== undefined ? { soakSeconds: soak * 60 } : {}),
    ...(d.deadline ? { deadline: new Date(d.deadline).toISOString() } : {}),
    ...(d.policy ? { policy: d.policy } : {}),
    windows: { overrideOnDeadline: d.overrideOnDeadline },
    ...(d.emergency ? { emergency: { reason: d.emergencyReason } } : {}),
  };
  return { updates: d.updates, groups: d.groups, plan };
}

export const steps = [
  'Updates',
  'Target groups',
  'Phases and gates',
  'Schedule and policy',
  'Preview',
];

/** The step whose inputs a field the server named belongs to. */
export function stepOf(field: string): number {
  const f = field.replace(/^plan\./, '');
  if (f.startsWith('update')) return 0;
  if (f.startsWith('group')) return 1;
  if (f.startsWith('phases') || f.startsWith('gate') || f.startsWith('soak')) return 2;
  if (field.startsWith('plan')) return 3;
  return 3;
}

/** Problems by the input they belong to: `phases.0.percent`, `deadline`, … (no `plan.`). */
export function problemsByField(problems: FieldProblem[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of problems) {
    const key = p.field.replace(/^plan\./, '');
    map.set(key, map.has(key) ? `${map.get(key)}; ${p.message}` : p.message);
  }
  return map;
}

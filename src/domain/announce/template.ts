import { escapeHtml } from '../html.js';

/**
 * The e-mail templates admins edit: plain text and HTML with `{{placeholder}}`s. A tiny,
 * safe substitution: no code runs in a template; in HTML every value is escaped (and its
 * line breaks become `<br>`), so a hostname or title can never inject markup.
 */

export const notificationKinds = ['approved', 'reminder'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export const placeholders = [
  'deployment',
  'updates',
  'phase',
  'when',
  'timezone',
  'schedule',
  'restart',
  'action',
  'reminder',
] as const;
export type Placeholder = (typeof placeholders)[number];
export type TemplateValues = Record<Placeholder, string>;

export type Template = { subject: string; text: string; html: string };

const pattern = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** The placeholders a template names that this server does not fill, e.g. `{{hostname}}`. */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(placeholders);
  return [...template.matchAll(pattern)].map((m) => m[1] ?? '').filter((name) => !known.has(name));
}

function fill(template: string, value: (name: Placeholder) => string): string {
  return template.replace(pattern, (whole, name: string) =>
    (placeholders as readonly string[]).includes(name) ? value(name as Placeholder) : whole,
  );
}

/** The subject (one line), the text and the HTML, each with the values filled in. */
export function renderTemplate(template: Template, values: TemplateValues): Template {
  return {
    subject: fill(template.subject, (n) => values[n]).replace(/\s*\n\s*/g, ' '),
    text: fill(template.text, (n) => values[n]),
    html: fill(template.html, (n) => escapeHtml(values[n]).replace(/\n/g, '<br>\n')),
  };
}

export const defaultTemplates: Record<NotificationKind, Template> = {
  approved: {
    subject: 'Planned: {{updates}} from {{when}}',
    text: [
      'Hello,',
      '',
      'Ringmaster will install {{updates}} (deployment {{deployment}}).',
      '',
      'When ({{timezone}}):',
      '{{schedule}}',
      '',
      '{{restart}}',
      'What to do: {{action}}',
      '',
      'The attached calendar event reminds you {{reminder}} before.',
      '',
    ].join('\n'),
    html: [
      '<p>Hello,</p>',
      '<p>Ringmaster will install <strong>{{updates}}</strong> (deployment {{deployment}}).</p>',
      '<p>When ({{timezone}}):<br>',
      '{{schedule}}</p>',
      '<p>{{restart}}</p>',
      '<p><strong>What to do:</strong> {{action}}</p>',
      '<p>The attached calendar event reminds you {{reminder}} before.</p>',
      '',
    ].join('\n'),
  },
  reminder: {
    subject: 'Reminder: {{updates}} from {{when}}',
    text: [
      'Hello,',
      '',
      'A reminder: Ringmaster installs {{updates}} (deployment {{deployment}}, phase {{phase}}).',
      '',
      'When ({{timezone}}):',
      '{{schedule}}',
      '',
      '{{restart}}',
      'What to do: {{action}}',
      '',
    ].join('\n'),
    html: [
      '<p>Hello,</p>',
      '<p>A reminder: Ringmaster installs <strong>{{updates}}</strong> (deployment {{deployment}}, phase {{phase}}).</p>',
      '<p>When ({{timezone}}):<br>',
      '{{schedule}}</p>',
      '<p>{{restart}}</p>',
      '<p><strong>What to do:</strong> {{action}}</p>',
      '',
    ].join('\n'),
  },
};

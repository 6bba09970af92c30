import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import {
  announceSorts,
  notificationKinds,
  notificationStates,
  type SetTemplateRequest,
  type TemplateView,
} from '../contracts/announce-routes.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import {
  CliError,
  formatFields,
  formatTime,
  orDash,
  print,
  printJson,
  printTable,
} from './output.js';
import { fetchPages, printPageFooter, withPageOptions, type PageOptions } from './paging.js';

type ListOptions = PageOptions & { deployment?: string; state?: string; kind?: string };
type SetOptions = {
  subject?: string;
  textFile?: string;
  htmlFile?: string;
  reset?: boolean;
};

async function readText(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${flag}: cannot read ${file}: ${(error as Error).message}`, 2);
  }
}

function printTemplate(t: TemplateView): void {
  print(
    formatFields([
      ['Kind', t.kind],
      [
        'Custom',
        t.custom ? `yes (by ${orDash(t.updatedBy)}, ${formatTime(t.updatedAt)})` : 'no (built in)',
      ],
      ['Subject', t.subject],
      ['Placeholders', t.placeholders.map((p) => `{{${p}}}`).join(' ')],
    ]),
  );
  print();
  print('--- text ---');
  print(t.text.trimEnd());
  print('--- html ---');
  print(t.html.trimEnd());
}

export function registerNotificationCommand(program: Command): void {
  const notification = program
    .command('notification')
    .description('e-mails telling people the rollout schedule: what was sent or failed, templates');

  withPageOptions(
    adminCommand(
      notification,
      'list',
      'the e-mails queued, sent, failed or cancelled, newest first',
    ),
    announceSorts,
  )
    .option('--deployment <id>', 'only those about this deployment')
    .addOption(new Option('--state <state>', 'only in this state').choices(notificationStates))
    .addOption(new Option('--kind <kind>', 'approved or reminder').choices(notificationKinds))
    .action(async (opts: ListOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const list = await fetchPages(opts, (page) =>
        client.listNotifications({
          ...page,
          ...(opts.deployment !== undefined && { deployment: opts.deployment }),
          ...(opts.state !== undefined && { state: opts.state as never }),
          ...(opts.kind !== undefined && { kind: opts.kind as never }),
        }),
      );
      if (json) return printJson(asSent(list));
      printTable(
        ['ID', 'DEPLOYMENT', 'KIND', 'TO', 'STATE', 'SEND AT', 'ATTEMPTS', 'LAST ERROR'],
        list.items.map((n) => [
          n.id,
          n.deploymentId,
          n.phase === null ? n.kind : `${n.kind} (${n.phase})`,
          `${n.recipient} (${n.audience})`,
          n.state,
          formatTime(n.sentAt ?? n.sendAt),
          String(n.attempts),
          orDash(n.lastError),
        ]),
        'No notifications.',
      );
      printPageFooter(list);
    });

  adminCommand(notification, 'show <id>', 'one e-mail: its text, and the calendar event attached')
    .option('--ics', 'print only the calendar event (iCalendar)')
    .action(async (id: string, opts: { ics?: boolean }, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const n = await client.getNotification(id);
      if (json) return printJson(asSent(n));
      if (opts.ics === true) return print((n.ics ?? '').trimEnd());
      print(
        formatFields([
          ['ID', n.id],
          ['Deployment', n.deploymentId],
          ['Kind', n.phase === null ? n.kind : `${n.kind} (${n.phase})`],
          ['To', `${n.recipient} (${n.audience})`],
          ['Subject', n.subject],
          ['State', n.state],
          ['Send at', formatTime(n.sendAt)],
          ['Sent', formatTime(n.sentAt)],
          ['Attempts', String(n.attempts)],
          ['Last error', orDash(n.lastError)],
        ]),
      );
      print();
      print(n.text.trimEnd());
    });

  const template = notification
    .command('template')
    .description('the e-mail templates (approved, reminder): plain text and HTML');

  adminCommand(
    template,
    'show <kind>',
    'a template: subject, text, HTML and its placeholders',
  ).action(async (kind: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const t = await client.getNotificationTemplate(kind);
    if (json) return printJson(asSent(t));
    printTemplate(t);
  });

  adminCommand(template, 'set <kind>', 'change a template (only what is given), or reset it')
    .option('--subject <text>', 'the subject line, e.g. "Planned: {{updates}} from {{when}}"')
    .option('--text-file <file>', 'the plain-text body')
    .option('--html-file <file>', 'the HTML body (values are HTML-escaped when filled in)')
    .option('--reset', 'back to the built-in template')
    .action(async (kind: string, opts: SetOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const body: SetTemplateRequest = {
        ...(opts.subject !== undefined && { subject: opts.subject }),
        ...(opts.textFile !== undefined && { text: await readText('--text-file', opts.textFile) }),
        ...(opts.htmlFile !== undefined && { html: await readText('--html-file', opts.htmlFile) }),
        ...(opts.reset === true && { reset: true }),
      };
      if (Object.keys(body).length === 0) {
        throw new CliError('give --subject, --text-file, --html-file or --reset', 2);
      }
      const t = await client.setNotificationTemplate(kind, body);
      if (json) return printJson(asSent(t));
      printTemplate(t);
    });
}

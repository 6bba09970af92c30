import { Option, type Command } from 'commander';
import { announceSorts, deliveryStates, type WebhookView } from '../contracts/announce-routes.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { formatFields, formatTime, orDash, print, printJson, printTable } from './output.js';
import { fetchPages, printPageFooter, withPageOptions, type PageOptions } from './paging.js';

const deliveryWords = (w: WebhookView): string =>
  Object.entries(w.deliveries)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ') || '-';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerWebhookCommand(program: Command): void {
  const webhook = program
    .command('webhook')
    .description('deployment events POSTed as signed JSON to chat tools and ticketing');

  // The URL is an argument: --url is the Ringmaster server's, as in every admin command.
  adminCommand(
    webhook,
    'create <url>',
    'a webhook: each deployment event is POSTed to <url> (http:// or https://), signed',
  )
    .requiredOption(
      '--secret <secret>',
      'the HMAC-SHA256 key (at least 16 characters) the receiver checks the signature with',
    )
    .option(
      '--event <type>',
      'only this event type (created, phase-opened, halted, completed, …); repeat for more; default: all',
      collect,
    )
    .action(async (url: string, opts: { secret: string; event?: string[] }, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const created = await client.createWebhook({
        url,
        secret: opts.secret,
        events: opts.event ?? [],
      });
      if (json) return printJson(asSent(created));
      print(
        formatFields([
          ['ID', created.id],
          ['URL', created.url],
          ['Events', created.events.length === 0 ? 'all' : created.events.join(', ')],
        ]),
      );
    });

  withPageOptions(
    adminCommand(webhook, 'list', 'the webhooks, with their deliveries'),
    announceSorts,
  ).action(async (opts: PageOptions, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const list = await fetchPages(opts, (page) => client.listWebhooks(page));
    if (json) return printJson(asSent(list));
    printTable(
      ['ID', 'URL', 'EVENTS', 'DELIVERIES', 'LAST ERROR', 'CREATED'],
      list.items.map((w) => [
        w.id,
        w.url,
        w.events.length === 0 ? 'all' : w.events.join(','),
        deliveryWords(w),
        orDash(w.lastError),
        formatTime(w.createdAt),
      ]),
      'No webhooks.',
    );
    printPageFooter(list);
  });

  adminCommand(webhook, 'remove <id>', 'remove a webhook: nothing more is sent to it').action(
    async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const removed = await client.removeWebhook(id);
      if (json) return printJson(asSent(removed));
      print(`Webhook ${removed.id} removed (${removed.url}).`);
    },
  );

  withPageOptions(
    adminCommand(webhook, 'deliveries <id>', "a webhook's deliveries: state, attempts, last error"),
    announceSorts,
  )
    .addOption(new Option('--state <state>', 'only in this state').choices(deliveryStates))
    .action(async (id: string, opts: PageOptions & { state?: string }, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const list = await fetchPages(opts, (page) =>
        client.listWebhookDeliveries(id, {
          ...page,
          ...(opts.state !== undefined && { state: opts.state as never }),
        }),
      );
      if (json) return printJson(asSent(list));
      printTable(
        [
          'ID',
          'EVENT',
          'DEPLOYMENT',
          'STATE',
          'ATTEMPTS',
          'LAST STATUS',
          'NEXT ATTEMPT',
          'LAST ERROR',
        ],
        list.items.map((d) => [
          d.id,
          d.eventType,
          d.deploymentId,
          d.state,
          String(d.attempts),
          orDash(d.lastStatus),
          d.state === 'queued' ? formatTime(d.nextAttemptAt) : '-',
          orDash(d.lastError),
        ]),
        'No deliveries.',
      );
      printPageFooter(list);
    });
}

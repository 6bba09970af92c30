import { InvalidArgumentError, Option, type Command } from 'commander';
import { asSent } from '../client/sent.js';
import { readCaFile } from '../client/tls.js';
import type { ContentStatusView, PointView } from '../contracts/distribution.js';
import { adminCommand, connect } from './connection.js';
import { fetchPages, printPageFooter, withPageOptions, type PageOptions } from './paging.js';
import {
  CliError,
  formatFields,
  formatTime,
  orDash,
  print,
  printJson,
  printTable,
} from './output.js';
import { serverUrl } from './server-url.js';
import { wholeNumber } from './option-parsers.js';
import { registerSiteRuleCommands } from './site-rule.command.js';

function pointRow(p: PointView): string[] {
  return [
    p.id,
    p.site,
    String(p.order),
    p.kind,
    p.url,
    `${p.files.staged} staged, ${p.files.missing} missing, ${p.files.corrupt} corrupt`,
    formatTime(p.lastSeenAt),
  ];
}

type RunOptions = {
  server?: string;
  token?: string;
  site?: string;
  data?: string;
  port: number;
  host: string;
  poll?: number;
  rateLimit?: number;
  ca?: string;
  parent?: string[];
};

/** A parent point's URL: http(s), checked before anything starts. */
function collectParent(value: string, previous: string[] = []): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('not a URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('only http:// or https:// URLs.');
  }
  return [...previous, value];
}

export function registerDistributionPointCommand(program: Command): void {
  const point = program
    .command('distribution-point')
    .description('places near a site where its computers download update files');

  adminCommand(
    point,
    'register <point-url>',
    'register a distribution point for a site at <point-url>, where agents reach it (its token is shown once)',
  )
    .requiredOption('--site <name>', 'the site whose computers download from it')
    .option(
      '--order <n>',
      'agents try lower first (default: after the last)',
      wholeNumber('--order'),
    )
    .option(
      '--static',
      'a plain HTTP server or bucket with the content-addressed layout: read-only, reports nothing, holds up no phase',
    )
    .action(
      async (
        pointUrl: string,
        opts: { site: string; order?: number; static?: boolean },
        cmd: Command,
      ) => {
        const { client, json } = await connect(cmd);
        const created = await client.registerPoint({
          site: opts.site,
          url: pointUrl,
          ...(opts.order !== undefined && { order: opts.order }),
          kind: opts.static ? 'static' : 'managed',
        });
        if (json) return printJson(asSent(created));
        if (created.kind === 'managed') {
          print(
            'Distribution point token (shown only this once; give it to `distribution-point run`):',
          );
          print();
          print(`    ${created.token ?? '(the server did not return a token)'}`);
          print();
        }
        print(
          formatFields([
            ['ID', created.id],
            ['Site', created.site],
            ['URL', created.url],
            ['Order', String(created.order)],
            ['Kind', created.kind],
          ]),
        );
      },
    );

  withPageOptions(
    adminCommand(point, 'list', 'list distribution points by site and order').option(
      '--site <name>',
      'only this site',
    ),
    ['site', 'id'],
  ).action(async (opts: PageOptions & { site?: string }, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const list = await fetchPages(opts, (page) =>
      client.listPoints({ ...page, ...(opts.site !== undefined && { site: opts.site }) }),
    );
    if (json) return printJson(asSent(list));
    printTable(
      ['ID', 'SITE', 'ORDER', 'KIND', 'URL', 'FILES', 'LAST SEEN'],
      list.items.map(pointRow),
      'No distribution points.',
    );
    printPageFooter(list);
  });

  adminCommand(point, 'remove <id>', 'remove a distribution point: agents stop using it').action(
    async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const removed = await client.removePoint(id);
      if (json) return printJson(asSent(removed));
      print(`Distribution point ${removed.id} (${removed.site}, ${removed.url}) removed.`);
    },
  );

  point
    .command('run')
    .description(
      'run a distribution point: replicate what its site needs from the server, verify it, serve it',
    )
    .option('--server <url>', 'server URL (default: $RINGMASTER_URL)')
    .addOption(
      new Option('--token <token>', 'the token `distribution-point register` printed').env(
        'RINGMASTER_POINT_TOKEN',
      ),
    )
    .option('--site <name>', 'the site it serves (must be the one it was registered for)')
    .option('--data <dir>', 'where it keeps the files')
    .option('--port <port>', 'port to serve on (0: any free one)', wholeNumber('--port'), 8081)
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option(
      '--poll <seconds>',
      'seconds between asks (default: what the server says)',
      wholeNumber('--poll'),
    )
    .option(
      '--rate-limit <bytes>',
      'at most this many bytes a second per download to agents',
      wholeNumber('--rate-limit', 1e12),
    )
    .option(
      '--parent <url>',
      'another distribution point to fetch from before the server (repeat: tried in order)',
      collectParent,
    )
    .addOption(
      new Option('--ca <file>', "trust only this CA (PEM) for the server's certificate").env(
        'RINGMASTER_CA',
      ),
    )
    .action(async (opts: RunOptions) => {
      const url = serverUrl(opts.server);
      if (!opts.token) throw new CliError('--token is required (or RINGMASTER_POINT_TOKEN)', 2);
      if (!opts.site) throw new CliError('--site is required', 2);
      if (!opts.data) throw new CliError('--data is required', 2);
      if (opts.port > 65_535) throw new CliError('--port: at most 65535', 2);
      const { DistributionPoint } = await import('../point/distribution-point.js');
      const running = new DistributionPoint({
        serverUrl: url,
        token: opts.token,
        site: opts.site,
        dataDir: opts.data,
        port: opts.port,
        host: opts.host,
        ...(opts.poll !== undefined && { pollSeconds: Math.max(1, opts.poll) }),
        ...(opts.rateLimit !== undefined && opts.rateLimit > 0 && { rateLimit: opts.rateLimit }),
        ...(opts.parent !== undefined && { parents: opts.parent }),
        ...(opts.ca !== undefined && { ca: readCaFile('--ca', opts.ca) }),
        log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
      });
      const address = await running.start();
      const port = new URL(address).port;
      print(
        `distribution point for site ${opts.site} serving on port ${port}, files in ${opts.data}`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await running.stop();
    });
}

export function registerSiteCommand(program: Command): void {
  const site = program
    .command('site')
    .description(
      'sites: where computers are (their --site, or a subnet rule) and distribution points serve',
    );
  withPageOptions(adminCommand(site, 'list', 'list sites with their computers and points'), [
    'name',
  ]).action(async (opts: PageOptions, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const list = await fetchPages(opts, (page) => client.listSites(page));
    if (json) return printJson(asSent(list));
    printTable(
      ['SITE', 'COMPUTERS', 'POINTS'],
      list.items.map((s) => [s.name, String(s.computers), String(s.points)]),
      'No sites.',
    );
    printPageFooter(list);
  });
  registerSiteRuleCommands(site);
}

function printContentStatus(status: ContentStatusView): void {
  if (status.deployments.length === 0) print('No live deployments.');
  for (const d of status.deployments) {
    print(
      `Deployment ${d.id} (${d.state}): ${d.files} files, ${d.ready ? 'staged on every point' : 'waiting for content'}`,
    );
    if (d.waitingFor) print(`  waiting for: ${d.waitingFor}`);
    printTable(
      ['SITE', 'COMPUTERS', 'SERVED BY', 'POINTS (STAGED)', 'MISSING'],
      d.sites.map((s) => [
        orDash(s.site),
        String(s.computers),
        s.servedBy,
        s.points.map((p) => `${p.id} ${p.kind} (${p.staged}/${d.files})`).join(', ') || '-',
        s.gaps.map((g) => `${g.pointId}: ${g.path} ${g.state}`).join('; ') || '-',
      ]),
      '(no computers placed yet)',
    );
    print();
  }
}

export function registerContentCommand(program: Command): void {
  const content = program
    .command('content')
    .description("whether deployments' files are staged on the distribution points of their sites");
  adminCommand(
    content,
    'status [deployment]',
    'per site: which points hold which files, verified, and what a phase waits for',
  ).action(async (deployment: string | undefined, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const status = await client.contentStatus(deployment === undefined ? {} : { deployment });
    if (json) return printJson(asSent(status));
    printContentStatus(status);
  });
}

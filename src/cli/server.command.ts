import { Option, type Command } from 'commander';
import { scaledClock } from '../clock.js';
import {
  DEFAULT_SHEDDING,
  withLagLimit,
  withRateLimits,
  type SheddingLimits,
} from '../server/shedding/admission.js';
import { durationOption } from './enrollment.command.js';
import { announceSettings, type AnnounceFlags } from './announce-flags.js';
import { oidcSettings, type OidcFlags } from './oidc-flags.js';
import { CliError } from './output.js';
import { DEFAULT_SIGNIN_LIMITS } from '../server/services/signin-limiter.js';

type ServerFlags = OidcFlags &
  AnnounceFlags & {
    port: string;
    host: string;
    data: string;
    database?: string;
    checkinInterval: string;
    timeScale: string;
    clockOrigin?: string;
    reimageAutoApproveAfter?: number;
    tlsCert?: string;
    tlsKey?: string;
    checkinsInFlight: string;
    reportsInFlight: string;
    adminInFlight: string;
    queueWait: string;
    retryAfter: string;
    maxLag?: string;
    signinFailuresPerName: string;
    signinFailuresPerAddress: string;
    signinWindow: number;
    checkinRate?: string;
    reportRate?: string;
    adminRate?: string;
    rateTargetLag?: string;
    upstream?: string;
    upstreamToken?: string;
    upstreamInterval: string;
    upstreamCa?: string;
  };

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`--${name} must be a positive whole number, not "${value}"`);
  return n;
}

/** Each class may queue twice as many as it runs; beyond that it is shed at once. */
function sheddingLimits(flags: ServerFlags): SheddingLimits {
  const limit = (name: string, value: string) => {
    const inFlight = positiveInt(name, value);
    return { inFlight, queued: 2 * inFlight, maxLagMs: null };
  };
  const limits = {
    checkin: limit('checkins-in-flight', flags.checkinsInFlight),
    report: limit('reports-in-flight', flags.reportsInFlight),
    admin: limit('admin-in-flight', flags.adminInFlight),
    queueWaitMs: positiveInt('queue-wait', flags.queueWait),
    retryAfterSeconds: positiveInt('retry-after', flags.retryAfter),
  };
  const rate = (name: string, value: string | undefined) =>
    value === undefined ? {} : { [name]: positiveInt(`${name}-rate`, value) };
  const rated = withRateLimits(
    limits,
    {
      ...rate('checkin', flags.checkinRate),
      ...rate('report', flags.reportRate),
      ...rate('admin', flags.adminRate),
    },
    flags.rateTargetLag === undefined
      ? undefined
      : positiveInt('rate-target-lag', flags.rateTargetLag),
  );
  return flags.maxLag === undefined
    ? rated
    : withLagLimit(rated, positiveInt('max-lag', flags.maxLag));
}

/** The parent, for a child server; null without --upstream. */
async function upstreamSettings(flags: ServerFlags) {
  const token = flags.upstreamToken ?? process.env.RINGMASTER_UPSTREAM_TOKEN;
  if (flags.upstream === undefined) {
    if (token !== undefined && flags.upstreamToken !== undefined)
      throw new CliError('--upstream-token needs --upstream (the parent server URL)', 2);
    return null;
  }
  let url: URL;
  try {
    url = new URL(flags.upstream);
  } catch {
    throw new CliError(
      `--upstream must be the parent's http(s):// URL, not "${flags.upstream}"`,
      2,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(
      `--upstream must be the parent's http(s):// URL, not "${flags.upstream}"`,
      2,
    );
  if (token === undefined)
    throw new CliError('--upstream needs --upstream-token (or RINGMASTER_UPSTREAM_TOKEN)', 2);
  const seconds = positiveInt('upstream-interval', flags.upstreamInterval);
  const { readCaFile } = await import('../client/tls.js');
  return {
    url: url.toString().replace(/\/+$/, ''),
    token,
    ca: flags.upstreamCa === undefined ? undefined : readCaFile('--upstream-ca', flags.upstreamCa),
    intervalMs: seconds * 1000,
    maxBackoffMs: Math.max(seconds * 1000, 300_000),
  };
}

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the Ringmaster server (admin API, agent API, content store)')
    .option('--port <port>', 'TCP port to listen on', process.env.RINGMASTER_PORT ?? '8080')
    .option('--host <address>', 'address to listen on', process.env.RINGMASTER_HOST ?? '0.0.0.0')
    .option(
      '--data <dir>',
      'data directory (SQLite file, content store, admin token)',
      process.env.RINGMASTER_DATA ?? './ringmaster-data',
    )
    .option(
      '--database <url>',
      'postgres://… to use PostgreSQL instead of the embedded SQLite',
      process.env.RINGMASTER_DATABASE_URL,
    )
    .option('--checkin-interval <seconds>', 'how often agents check in', '300')
    .option(
      '--time-scale <factor>',
      'run on a virtual clock this many times faster than real time (rehearsals, simulator)',
      '1',
    )
    .option('--clock-origin <iso>', 'with --time-scale: the moment the virtual clock starts from')
    .option(
      '--reimage-auto-approve-after <duration>',
      'approve a claimed re-image without an admin when its token enrolls into a group the ' +
        'computer is in and the computer has been silent this long (default: never)',
      durationOption,
    )
    .option(
      '--tls-cert <file>',
      'serve HTTPS with this certificate (PEM, intermediates after it; default: plain HTTP)',
      process.env.RINGMASTER_TLS_CERT,
    )
    .option(
      '--tls-key <file>',
      "the TLS certificate's private key (PEM)",
      process.env.RINGMASTER_TLS_KEY,
    )
    .option(
      '--checkins-in-flight <n>',
      'check-ins served at once; twice as many may wait briefly, the rest are shed (503)',
      String(DEFAULT_SHEDDING.checkin.inFlight),
    )
    .option(
      '--reports-in-flight <n>',
      'report batches served at once, queued and shed like check-ins',
      String(DEFAULT_SHEDDING.report.inFlight),
    )
    .option(
      '--admin-in-flight <n>',
      'admin calls (and enrollments) served at once, queued and shed like check-ins',
      String(DEFAULT_SHEDDING.admin.inFlight),
    )
    .option(
      '--queue-wait <ms>',
      'the longest a request waits for a slot before it is shed',
      String(DEFAULT_SHEDDING.queueWaitMs),
    )
    .option(
      '--max-lag <ms>',
      'also shed check-ins while the event loop lags more than this; reports at 2.5×, admin at 10× (default: off)',
    )
    .option(
      '--checkin-rate <per-second>',
      'also shed at once the check-ins beyond this many per second (bursts of a tenth of a second; default: off)',
    )
    .option('--report-rate <per-second>', 'the same for report batches (default: off)')
    .option('--admin-rate <per-second>', 'the same for admin calls and enrollments (default: off)')
    .option(
      '--rate-target-lag <ms>',
      'make those rates ceilings: lower a rate while the event loop lags past this, raise it back while not (default: fixed rates)',
    )
    .option(
      '--retry-after <seconds>',
      'the Retry-After a shed answer advises',
      String(DEFAULT_SHEDDING.retryAfterSeconds),
    )
    .option(
      '--signin-failures-per-name <n>',
      'failed sign-ins for one user name within --signin-window before it is refused (429)',
      String(DEFAULT_SIGNIN_LIMITS.perName),
    )
    .option(
      '--signin-failures-per-address <n>',
      'failed sign-ins from one address within --signin-window before it is refused (429)',
      String(DEFAULT_SIGNIN_LIMITS.perAddress),
    )
    .addOption(
      new Option('--signin-window <duration>', 'the window failed sign-ins are counted over')
        .argParser(durationOption)
        .default(DEFAULT_SIGNIN_LIMITS.windowSeconds, '15m'),
    )
    .option('--oidc-issuer <url>', 'offer sign-in through this OpenID Connect provider')
    .option('--oidc-client-id <id>', "this server's client id at the provider")
    .option(
      '--oidc-client-secret <secret>',
      "this server's client secret (or RINGMASTER_OIDC_CLIENT_SECRET)",
    )
    .option(
      '--oidc-redirect-url <url>',
      'the callback URL the provider knows (default: this server, /api/v1/auth/oidc/callback)',
    )
    .option(
      '--oidc-default-role <role>',
      'create a user unknown here at their first OIDC sign-in, with this role (default: only existing users)',
    )
    .option(
      '--smtp-host <host>',
      'send e-mail about deployments through this SMTP server (or RINGMASTER_SMTP_HOST; default: no e-mail)',
    )
    .option('--smtp-port <port>', 'its port (default: 465 with --smtp-tls, else 587)')
    .option('--smtp-tls', 'TLS from the first byte (port 465); otherwise STARTTLS when offered')
    .option('--smtp-require-starttls', 'send nothing unless the connection upgrades with STARTTLS')
    .option('--smtp-user <name>', 'sign in to the SMTP server as (or RINGMASTER_SMTP_USER)')
    .option('--smtp-password <password>', 'its password (or RINGMASTER_SMTP_PASSWORD)')
    .option('--mail-from <address>', 'the From: of every e-mail (needed with --smtp-host)')
    .option(
      '--notify-admins <addresses>',
      'comma-separated addresses told every deployment and its reminders',
    )
    .option(
      '--notify-timezone <tz>',
      "the admins' time zone, and the owners' whose groups have no window",
      'UTC',
    )
    .option(
      '--reminder-before <duration>',
      'remind (and set the calendar alarm) this long before a phase or window',
      durationOption,
      86_400,
    )
    .option(
      '--upstream <url>',
      'make this server a child of the parent server at <url>: pull the deployments it enables for this child, push statuses up',
      process.env.RINGMASTER_UPSTREAM,
    )
    .option(
      '--upstream-token <token>',
      'the token the parent gave this child (`ringmaster child add`; or RINGMASTER_UPSTREAM_TOKEN)',
    )
    .option(
      '--upstream-interval <seconds>',
      'how often to sync with the parent while it answers (while it does not, the wait doubles up to 5 minutes)',
      '60',
    )
    .option('--upstream-ca <file>', 'trust only this CA (PEM) for an https:// parent')
    .action(async (flags: ServerFlags) => {
      const port = positiveInt('port', flags.port);
      const timeScale = Number(flags.timeScale);
      if (!(timeScale > 0))
        throw new Error(`--time-scale must be a positive number, not "${flags.timeScale}"`);
      const origin = flags.clockOrigin ? Date.parse(flags.clockOrigin) : Date.now();
      if (Number.isNaN(origin))
        throw new Error(`--clock-origin must be an ISO date-time, not "${flags.clockOrigin}"`);
      // Loaded here, not at the top: other commands need not pay for the server's modules.
      const { readTlsFiles } = await import('../server/tls.js');
      let tls;
      try {
        tls = await readTlsFiles(flags.tlsCert, flags.tlsKey);
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const scheme = tls ? 'https' : 'http';
      const localHost = flags.host === '0.0.0.0' || flags.host === '::' ? '127.0.0.1' : flags.host;
      const oidc = oidcSettings(flags, `${scheme}://${localHost}:${port}`);
      const announce = announceSettings(flags);
      const upstream = await upstreamSettings(flags);
      const { createServer } = await import('../server/server.js');
      const { smtpMailer } = await import('../server/announce/mailer.js');
      const server = await createServer({
        dataDir: flags.data,
        databaseUrl: flags.database,
        checkinIntervalSeconds: positiveInt('checkin-interval', flags.checkinInterval),
        adminTokenFromEnv: process.env.RINGMASTER_ADMIN_TOKEN,
        clock: scaledClock(timeScale, origin),
        reimageAutoApproveAfterSeconds: flags.reimageAutoApproveAfter ?? null,
        shedding: sheddingLimits(flags),
        signInLimits: {
          perName: positiveInt('signin-failures-per-name', flags.signinFailuresPerName),
          perAddress: positiveInt('signin-failures-per-address', flags.signinFailuresPerAddress),
          windowSeconds: flags.signinWindow,
        },
        logger: true,
        tls,
        oidc,
        upstream,
        announce: {
          mailer: announce.smtp === null ? null : smtpMailer(announce.smtp),
          admins: announce.admins,
          defaultTimeZone: announce.defaultTimeZone,
          reminderBeforeSeconds: announce.reminderBeforeSeconds,
          intervalMs: 1000,
        },
      });
      const log = server.app.log;
      if (server.firstAdminToken?.generated) {
        // Printed once, on the first start only; the file keeps it (mode 0600).
        process.stdout.write(
          `\nFirst admin token (also in ${server.firstAdminToken.file}):\n\n  ${server.firstAdminToken.token}\n\n` +
            `  export RINGMASTER_URL=${scheme}://127.0.0.1:${port}\n  export RINGMASTER_TOKEN=${server.firstAdminToken.token}\n\n`,
        );
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            log.error({ err: error }, 'error during shutdown');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      await server.app.listen({ port, host: flags.host });
      log.info(
        { database: server.store.describe, data: flags.data, scheme },
        'ringmaster server ready',
      );
    });
}

import type { Command } from 'commander';
import { parseFaults } from '../sim/faults.js';
import type { FleetStats } from '../sim/fleet.js';
import { CliError } from './output.js';
import { serverUrl } from './server-url.js';

interface SimFlags {
  server?: string;
  enrollmentToken?: string;
  agents: string;
  seed: string;
  sites: string;
  faults?: string;
  installSeconds: string;
  approvalSeconds: string;
  timeScale: string;
  duration?: string;
  horizon?: string;
  ramp: string;
  concurrency: string;
  connections: string;
  truth?: string;
  hostnamePrefix: string;
  every: string;
  json?: boolean;
  push?: boolean;
  pushLimit?: string;
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description(
      'simulate a fleet: N virtual computers, each the real agent logic on a simulated host, ' +
        'over real HTTP to a server, with injected faults',
    )
    .option('--server <url>', 'server URL (default: $RINGMASTER_URL)')
    .option(
      '--enrollment-token <token>',
      'token the computers enroll with (default: $RINGMASTER_ENROLLMENT_TOKEN)',
    )
    .option('--agents <n>', 'how many computers', '100')
    .option('--seed <n>', 'seed of every random choice (same seed, same fleet)', '1')
    .option('--sites <list>', 'sites, given to the computers round-robin', 'tokyo,osaka')
    .option(
      '--faults <spec>',
      'kind=rate[:param],… — kinds: offline[:intermittent|nights|laptop], reimage[:atSeconds], ' +
        'disk-space[:MB], agent-stopped[:never|restart], server-unreachable[:from[+length]], ' +
        'prerequisite-missing[:updateId], install-error[:exitCode], ' +
        'reboot-required[:restartAfterSeconds], slow-download[:seconds]',
    )
    .option('--install-seconds <s>', 'mean virtual seconds an install takes (±50%)', '30')
    .option(
      '--approval-seconds <s>',
      'mean virtual seconds the person at a computer takes to approve a download or install ' +
        'the client policy asks about (±50%)',
      '600',
    )
    .option(
      '--time-scale <x>',
      'virtual seconds per real second; start the server with the same --time-scale',
      '1',
    )
    .option('--duration <s>', 'stop after this many virtual seconds (default: run until Ctrl-C)')
    .option(
      '--horizon <s>',
      'virtual seconds the fault schedules cover (default: --duration, or a week)',
    )
    .option('--ramp <s>', 'spread the first check-ins over this many virtual seconds', '60')
    .option('--concurrency <n>', 'agent cycles running at once, at most', '512')
    .option('--connections <n>', 'HTTP connections to the server, at most', '128')
    .option('--truth <file>', 'write what was injected into each computer (JSON)')
    .option('--hostname-prefix <p>', 'hostnames are <p>-00001, <p>-00002, …', 'sim')
    .option('--every <s>', 'real seconds between summary lines (0: none)', '5')
    .option('--json', 'print summaries as one JSON object per line')
    .option(
      '--push',
      'each online computer holds the push channel after its first check-in, and checks ' +
        'in at once when the server wakes it (one socket each: at most 18,000 per process ' +
        'unless --push-limit is given; run several sim processes for more)',
    )
    .option('--push-limit <n>', 'with --push: only this many computers hold the channel')
    .action(async (flags: SimFlags) => {
      await runSim(flags);
    });
}

async function runSim(flags: SimFlags): Promise<void> {
  // The simulator (the agent core, undici, the contracts) loads only when it runs.
  const { describeStats, startSim } = await import('../sim/run.js');
  const server = serverUrl(flags.server);
  const token = flags.enrollmentToken ?? process.env.RINGMASTER_ENROLLMENT_TOKEN;
  if (!token) throw new CliError('no enrollment token: give --enrollment-token', 2);
  let faults;
  try {
    faults = parseFaults(flags.faults);
  } catch (error) {
    throw new CliError(`--faults: ${(error as Error).message}`, 2);
  }
  const print = (stats: FleetStats, final = false): void => {
    const line = flags.json
      ? JSON.stringify(final ? { final: true, ...stats } : stats)
      : `${final ? 'final: ' : ''}${describeStats(stats)}`;
    process.stdout.write(`${line}\n`);
  };
  const run = await startSim({
    serverUrl: server,
    enrollmentToken: token,
    agents: whole('agents', flags.agents, 0),
    seed: whole('seed', flags.seed, 0),
    sites: flags.sites
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    faults,
    installSeconds: positive('install-seconds', flags.installSeconds, true),
    approvalSeconds: positive('approval-seconds', flags.approvalSeconds, true),
    timeScale: positive('time-scale', flags.timeScale),
    durationSeconds:
      flags.duration === undefined ? undefined : positive('duration', flags.duration),
    horizonSeconds: flags.horizon === undefined ? undefined : positive('horizon', flags.horizon),
    rampSeconds: positive('ramp', flags.ramp, true),
    concurrency: whole('concurrency', flags.concurrency, 1),
    connections: whole('connections', flags.connections, 1),
    truthFile: flags.truth,
    hostnamePrefix: flags.hostnamePrefix,
    summaryEverySeconds: positive('every', flags.every, true),
    onSummary: (stats) => print(stats),
    push: flags.push === true || flags.pushLimit !== undefined,
    pushLimit: flags.pushLimit === undefined ? undefined : whole('push-limit', flags.pushLimit, 0),
  });
  const onSignal = (): void => void run.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stats = await run.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  print(stats, true);
}

function whole(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`--${name} must be a whole number ≥ ${min}, not "${value}"`, 2);
  return n;
}

function positive(name: string, value: string, zeroOk = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!zeroOk && n === 0))
    throw new CliError(`--${name} must be a ${zeroOk ? 'non-negative' : 'positive'} number`, 2);
  return n;
}

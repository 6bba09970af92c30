/** The benchmark's command line: `npm run bench -- [flags]` (see bench/run.ts). */
export type Engine = 'sqlite' | 'postgres';

/** The measurements `--only` can pick: 1 capacity, 2 emergency reach, 3 compliance, 5 CLI start-up. */
export const measurements = ['capacity', 'emergency', 'compliance', 'startup'] as const;
export type Measurement = (typeof measurements)[number];

export type Options = {
  quick: boolean;
  engines: Engine[];
  sizes: number[];
  loadProcesses: number;
  stepSeconds: number;
  connectionsPerProcess: number;
  profile: boolean;
  pgUrl: string;
  ladder: number[];
  write: boolean;
  /** --priority N: run the server and load processes at nice N (e.g. -10) on a shared machine. */
  priority: number | null;
  /** --generator wrk|node: the load generator; default wrk when it is installed, else node. */
  generator: 'wrk' | 'node' | null;
  /** --wrk-threads N: wrk's threads (each can use one core). */
  wrkThreads: number;
  /** --repeats N: every capacity measurement N times, the median kept (default 3). */
  repeats: number;
  /** --pin: the server on CPU 0, the load generator on CPU 1 (taskset). */
  pin: boolean;
  /** --only a,b: run only these measurements (default: all). */
  only: ReadonlySet<Measurement>;
  /** --compliance-time-scale N: measurement 3's virtual seconds per real second (null: its default). */
  complianceTimeScale: number | null;
};

export function parseArgs(argv: string[]): Options {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`--${name}=`));
    return eq?.slice(name.length + 3);
  };
  const quick = argv.includes('--quick');
  const engine = flag('engine') ?? 'both';
  if (!['sqlite', 'postgres', 'both'].includes(engine))
    throw new Error(`--engine must be sqlite, postgres or both, not ${engine}`);
  const sizes = (flag('sizes') ?? (quick ? '10000' : '10000,100000')).split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 100 || n > 2_000_000))
    throw new Error('--sizes: whole numbers between 100 and 2,000,000');
  const generator = flag('generator') ?? null;
  if (generator !== null && generator !== 'wrk' && generator !== 'node')
    throw new Error(`--generator must be wrk or node, not ${generator}`);
  const count = (name: string, fallback: number, max: number): number => {
    const value = Number(flag(name) ?? fallback);
    if (!Number.isInteger(value) || value < 1 || value > max)
      throw new Error(`--${name}: a whole number between 1 and ${max}`);
    return value;
  };
  const only = (flag('only') ?? measurements.join(',')).split(',');
  const unknown = only.filter((m) => !(measurements as readonly string[]).includes(m));
  if (unknown.length > 0)
    throw new Error(`--only: ${unknown.join(', ')}: pick from ${measurements.join(', ')}`);
  return {
    quick,
    engines: engine === 'both' ? ['sqlite', 'postgres'] : [engine as Engine],
    sizes,
    loadProcesses: Number(flag('load-processes') ?? 2),
    stepSeconds: Number(flag('step-seconds') ?? (quick ? 2 : 5)),
    connectionsPerProcess: Number(flag('connections') ?? 64),
    profile: argv.includes('--profile'),
    pgUrl:
      flag('pg-url') ??
      process.env.RINGMASTER_BENCH_PG_URL ??
      'postgres://postgres@127.0.0.1:5432/test',
    ladder: quick
      ? [100, 250, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 12000]
      : [100, 250, 500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10000, 12000, 16000],
    write: !argv.includes('--no-write'),
    priority: flag('priority') === undefined ? null : Number(flag('priority')),
    generator,
    wrkThreads: count('wrk-threads', 1, 16),
    repeats: count('repeats', 3, 15),
    pin: argv.includes('--pin'),
    only: new Set(only as Measurement[]),
    complianceTimeScale:
      flag('compliance-time-scale') === undefined ? null : count('compliance-time-scale', 1, 1000),
  };
}

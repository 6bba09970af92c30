import type { Command } from 'commander';
import { DEMO_FAULTS } from '../sim/faults.js';
import { CliError } from './output.js';

interface DemoFlags {
  agents: string;
  port: string;
  host: string;
  data?: string;
  timeScale: string;
  seed: string;
  faults: string;
  checkinInterval: string;
  every: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run a live demo: a server, a sample catalog, site groups and a simulated fleet ' +
        'with a realistic fault mix and a phased deployment running (Ctrl-C ends it)',
    )
    .option('--agents <n>', 'simulated computers', '300')
    // Any free port by default: a quick-start server may hold 8080; the URL is printed.
    .option('--port <port>', 'TCP port of the server (default: any free one)', '0')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'keep the server data here (default: a temp dir, removed at the end)')
    .option('--time-scale <x>', 'virtual seconds per real second', '60')
    .option('--seed <n>', 'seed of the fleet and its faults', '1')
    .option('--faults <spec>', 'fault mix, as for `ringmaster sim`', DEMO_FAULTS)
    .option('--checkin-interval <s>', 'virtual seconds between check-ins', '300')
    .option('--every <s>', 'real seconds between summary lines (0: none)', '15')
    .action(async (flags: DemoFlags) => {
      const number = (name: string, value: string, min: number): number => {
        const n = Number(value);
        if (!Number.isFinite(n) || n < min)
          throw new CliError(`--${name} must be a number ≥ ${min}, not "${value}"`, 2);
        return n;
      };
      const say = (line: string): void => void process.stdout.write(`${line}\n`);
      // The server, the simulator and their dependencies load only when the demo runs.
      const { startDemo } = await import('../sim/demo.js');
      const { describeStats } = await import('../sim/run.js');
      const demo = await startDemo({
        agents: Math.floor(number('agents', flags.agents, 1)),
        port: Math.floor(number('port', flags.port, 0)),
        host: flags.host,
        dataDir: flags.data,
        timeScale: number('time-scale', flags.timeScale, 0.001),
        seed: Math.floor(number('seed', flags.seed, 0)),
        faults: flags.faults,
        checkinIntervalSeconds: Math.floor(number('checkin-interval', flags.checkinInterval, 1)),
        summaryEverySeconds: number('every', flags.every, 0),
        onSummary: (stats) => say(describeStats(stats)),
        log: say,
      });
      say(
        [
          '',
          `Ringmaster demo running: ${demo.url}`,
          `Admin token: ${demo.adminToken}`,
          '',
          `  export RINGMASTER_URL=${demo.url}`,
          `  export RINGMASTER_TOKEN=${demo.adminToken}`,
          '  ringmaster deployment list',
          `  ringmaster deployment show ${demo.deployments[0]?.id ?? '<id>'}`,
          '  ringmaster computer list',
          '',
          `Virtual time runs ${flags.timeScale}× real time. Ctrl-C stops the demo.`,
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          say('stopping the demo…');
          demo.stop().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

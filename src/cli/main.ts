import { addCommands } from './commands.js';
import { rootProgram, runCli } from './root.js';
import { version } from '../version.js';

// `ringmaster … | head -1`: once the reader has gone, the rest of the output has nowhere
// to go; stop quietly, as other command-line tools do, instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

const program = rootProgram(version);
await addCommands(program, process.argv.slice(2));
const code = await runCli(program, process.argv);
// Set, not exit: a long-running command (server, agent) keeps the process alive on its own.
if (code !== 0) process.exitCode = code;

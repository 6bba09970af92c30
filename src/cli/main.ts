import { registerAgentCommand } from './agent.command.js';
import { registerDemoCommand } from './demo.command.js';
import { createProgram, runCli } from './program.js';
import { registerServerCommand } from './server.command.js';
import { registerSimCommand } from './sim.command.js';
import { version } from '../version.js';

const program = createProgram(version, [
  registerServerCommand,
  registerAgentCommand,
  registerSimCommand,
  registerDemoCommand,
]);
const code = await runCli(program, process.argv);
// Set, not exit: a long-running command (server, agent) keeps the process alive on its own.
if (code !== 0) process.exitCode = code;

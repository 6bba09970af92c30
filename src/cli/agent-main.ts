import { registerAgentCommand } from './agent.command.js';
import { rootProgram, runCli } from './root.js';
import { version } from '../version.js';

/**
 * The agent's own entry point: `ringmaster agent …` and nothing else. The agent package
 * (`npm run package`) bundles this file alone, so a managed computer carries neither the
 * server, its database drivers nor the admin commands.
 */
const program = rootProgram(version);
registerAgentCommand(program);
const code = await runCli(program, process.argv);
// Set, not exit: the running agent keeps the process alive on its own.
if (code !== 0) process.exitCode = code;

import { readFileSync } from 'node:fs';
import { registerAgentCommand } from './agent.command.js';
import { createProgram, runCli } from './program.js';
import { registerServerCommand } from './server.command.js';

// src/cli/main.ts and dist/cli/main.js both sit two levels below package.json.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = createProgram(pkg.version, [registerServerCommand, registerAgentCommand]);
const code = await runCli(program, process.argv);
// Set, not exit: a long-running command (server, agent) keeps the process alive on its own.
if (code !== 0) process.exitCode = code;

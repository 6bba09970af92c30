import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerAgentCommand } from './agent.command.js';
import { addCommands, commands } from './commands.js';
import { registerDemoCommand } from './demo.command.js';
import { createProgram } from './program.js';
import { rootProgram } from './root.js';
import { registerServerCommand } from './server.command.js';
import { registerSimCommand } from './sim.command.js';

const subcommands = (program: Command, name: string): string[] =>
  program.commands.find((c) => c.name() === name)?.commands.map((c) => c.name()) ?? [];

describe('the CLI loads only the command it runs', () => {
  it('lists every command the full program has, each with the description its module gives', () => {
    const full = createProgram('9.9.9', [
      registerServerCommand,
      registerAgentCommand,
      registerSimCommand,
      registerDemoCommand,
    ]);
    expect(commands.map((c) => c.name)).toEqual(full.commands.map((c) => c.name()));
    for (const command of commands) {
      expect(command.summary).toBe(
        full.commands.find((c) => c.name() === command.name)?.description(),
      );
    }
  });

  it('loads each command from its own module', async () => {
    for (const command of commands) {
      const program = new Command();
      (await command.load())(program);
      expect(program.commands.map((c) => c.name())).toEqual([command.name]);
    }
  });

  it('registers the named command in full and the others by name and summary only', async () => {
    const program = rootProgram('9.9.9');
    await addCommands(program, ['deployment', 'list', '--help']);
    expect(subcommands(program, 'deployment')).toContain('list');
    expect(subcommands(program, 'update')).toEqual([]);
    expect(program.commands.map((c) => c.name())).toEqual(commands.map((c) => c.name));
  });

  it('loads the command `help <command>` asks about, and none for --version', async () => {
    const help = rootProgram('9.9.9');
    await addCommands(help, ['help', 'group']);
    expect(subcommands(help, 'group')).toContain('create');

    const version = rootProgram('9.9.9');
    await addCommands(version, ['--version']);
    expect(version.commands.every((c) => c.commands.length === 0)).toBe(true);
  });
});

import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDemoCommand } from './demo.command.js';

describe('ringmaster demo', () => {
  it('listens on any free port by default, not on the quick-start server’s 8080', () => {
    const program = new Command();
    registerDemoCommand(program);
    const port = program.commands[0]?.options.find((o) => o.long === '--port');
    expect(port?.defaultValue).toBe('0');
  });
});

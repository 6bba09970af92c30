import { Command, CommanderError } from 'commander';
import { ApiError, ConnectionError, UpdateFolderError } from '../client/errors.js';
import { CliError } from './output.js';

/** A command group's registration: adds the command and its subcommands to `program`. */
export type Register = (program: Command) => void;

/** The bare `ringmaster` program: name, description, version; no commands yet. */
export function rootProgram(version: string): Command {
  return (
    new Command('ringmaster')
      .description(
        'Deploy approved software updates to a fleet of computers in safe phases, with every failure visible and explained.',
      )
      .version(version, '-V, --version')
      .showSuggestionAfterError()
      // Throw instead of exiting, so runCli decides the exit code; subcommands inherit this.
      .exitOverride()
      .addHelpText(
        'after',
        '\nAdmin commands connect with --url (or RINGMASTER_URL, default http://127.0.0.1:8080)\nand --token (or RINGMASTER_TOKEN); each takes --json for machine-readable output.',
      )
  );
}

/**
 * Runs the program and returns the exit code: 0, 2 for bad usage, 1 for a failure.
 * Expected failures print one `error: …` line to stderr, never a stack trace.
 */
export async function runCli(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  // Commander has already printed its message (or the help / version it was asked for).
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof CliError) {
    fail(error.message);
    return error.exitCode;
  }
  if (
    error instanceof ApiError ||
    error instanceof ConnectionError ||
    error instanceof UpdateFolderError
  ) {
    fail(error.message);
    return 1;
  }
  const debug = Boolean(process.env.RINGMASTER_DEBUG);
  if (debug && error instanceof Error && error.stack) fail(error.stack);
  else
    fail(
      `${error instanceof Error ? error.message : String(error)} (RINGMASTER_DEBUG=1 shows more)`,
    );
  return 1;
}

function fail(message: string): void {
  process.stderr.write(`error: ${message}\n`);
}

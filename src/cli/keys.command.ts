import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { KeysView } from '../contracts/key-routes.js';
import { adminCommand, connect } from './connection.js';
import { CliError, formatFields, print, printJson, printTable } from './output.js';

function printKeys(view: KeysView): void {
  print(
    formatFields([
      ['Root version', String(view.rootVersion)],
      ['Root expires', view.rootExpires],
    ]),
  );
  print();
  printTable(
    ['ROLE', 'THRESHOLD', 'KEY ID', 'PRIVATE KEY'],
    view.roles.flatMap((r) =>
      r.keys.map((k) => [
        r.role,
        String(r.threshold),
        k.keyid,
        k.onServer ? 'on the server' : 'offline',
      ]),
    ),
    '(none)',
  );
}

export function registerKeysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .description('the keys that sign what agents are told to install');

  adminCommand(keys, 'show', 'show the root version and each role’s keys and threshold').action(
    async (_opts: object, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const view = await client.showKeys();
      if (json) return printJson(view);
      printKeys(view);
    },
  );

  adminCommand(keys, 'export-root', 'write the root private key to a file (mode 0600)')
    .requiredOption('--out <file>', 'where to write the key (must not exist)')
    .option('--remove', 'delete the root key from the server once written: keep it offline')
    .action(async (opts: { out: string; remove?: boolean }, cmd: Command) => {
      const { client, json } = await connect(cmd);
      // Write first without removing: a key is never removed before it is safe on disk.
      const exported = await client.exportRoot({ remove: false });
      try {
        await writeFile(opts.out, exported.privateKey, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        throw new CliError(`cannot write ${opts.out}: ${(error as Error).message}`);
      }
      if (opts.remove) await client.exportRoot({ remove: true });
      const result = { keyid: exported.keyid, file: opts.out, removed: opts.remove === true };
      if (json) return printJson(result);
      print(`root key ${exported.keyid} written to ${opts.out}`);
      if (opts.remove)
        print('removed from the server: keep the file offline; rotate-root needs it');
    });

  adminCommand(keys, 'rotate-root', 'sign a new root with the current root key and a new one')
    .option('--root-key <file>', 'the current root key (PEM), when it is kept offline')
    .option('--replace-online-keys', 'also give targets, snapshot and timestamp new keys')
    .action(async (opts: { rootKey?: string; replaceOnlineKeys?: boolean }, cmd: Command) => {
      const { client, json } = await connect(cmd);
      let rootKey: string | undefined;
      if (opts.rootKey !== undefined) {
        try {
          rootKey = await readFile(opts.rootKey, 'utf8');
        } catch (error) {
          throw new CliError(`cannot read ${opts.rootKey}: ${(error as Error).message}`);
        }
      }
      const view = await client.rotateRoot({
        ...(rootKey !== undefined && { rootKey }),
        replaceOnlineKeys: opts.replaceOnlineKeys === true,
      });
      if (json) return printJson(view);
      print(`root ${view.rootVersion} signed; agents walk to it at their next check-in`);
      print();
      printKeys(view);
    });
}

import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ImportBundleView } from '../contracts/bundle.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { CliError, formatBytes, print, printJson, printTable } from './output.js';

export function registerExportCommand(program: Command): void {
  adminCommand(
    program,
    'export <deployment>',
    'write a deployment (its updates, their files and its plan) to a signed bundle for another server',
  )
    .option('--out <file>', 'where to write the bundle (default: DEPLOYMENT.bundle.tar)')
    .action(async (deployment: string, opts: { out?: string }, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const out = opts.out ?? `${deployment}.bundle.tar`;
      const bytes = await client.exportDeployment(deployment);
      // Written beside, then renamed: a failed export leaves no half bundle behind.
      const partial = `${out}.partial`;
      try {
        await pipeline(Readable.from(bytes), createWriteStream(partial, { mode: 0o600 }));
        await rename(partial, out);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      const { size } = await stat(out);
      if (json) return printJson({ deployment, file: out, size });
      print(
        `Wrote ${out} (${formatBytes(size)}): deployment ${deployment}, signed by this server.`,
      );
      print('Import it on another server with `ringmaster import FILE` (try --dry-run first).');
    });
}

type ImportOptions = { dryRun?: boolean; mapGroup: string[]; expectSigner?: string };

export function registerImportCommand(program: Command): void {
  adminCommand(
    program,
    'import <file>',
    'check a bundle from `ringmaster export` and recreate its updates and deployment here',
  )
    .option('--dry-run', 'check the bundle and report what it would do; store nothing')
    .option(
      '--map-group <from=to>',
      'target a group of another name here (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--expect-signer <keyid>', 'refuse the bundle unless this key signed it')
    .action(async (file: string, opts: ImportOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const size = await stat(file).then(
        (s) => s.size,
        () => {
          throw new CliError(`cannot read ${file}`, 2);
        },
      );
      const report = await client.importBundle(
        { stream: createReadStream(file), size },
        {
          ...(opts.dryRun ? { dryRun: 'true' } : {}),
          ...(opts.mapGroup.length > 0 ? { mapGroups: opts.mapGroup.join(',') } : {}),
          ...(opts.expectSigner ? { expectSigner: opts.expectSigner } : {}),
        },
      );
      if (json) return printJson(asSent(report));
      printImport(report);
    });
}

function printImport(report: ImportBundleView): void {
  print(
    `Bundle of deployment ${report.source.deploymentId}, exported ${report.source.exportedAt} ` +
      `by Ringmaster ${report.source.version}, signed by key ${report.signer.keyid}.`,
  );
  print();
  printTable(
    ['UPDATE', 'FILES', 'HERE'],
    report.updates.map((u) => [u.id, String(u.files), u.outcome]),
    'No updates.',
  );
  print();
  printTable(
    ['GROUP IN BUNDLE', 'GROUP HERE', 'EXISTS'],
    report.groups.map((g) => [g.name, g.mappedTo, g.exists ? 'yes' : 'NO']),
    'No groups.',
  );
  const bytes = report.files.reduce((sum, f) => sum + f.size, 0);
  print();
  print(`${report.files.length} file(s), ${formatBytes(bytes)}, each checked against its SHA-256.`);
  if (report.missingGroups.length > 0) {
    print(
      `Missing here: ${report.missingGroups.join(', ')}. Create them, or map them with --map-group FROM=TO.`,
    );
  }
  if (report.deploymentId !== null) {
    print(`Approved as deployment ${report.deploymentId}, with the same plan.`);
  } else if (report.missingGroups.length === 0) {
    print('Dry run: nothing was stored. Run again without --dry-run to import and approve it.');
  }
}

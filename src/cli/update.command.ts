import { describeInstall } from '../contracts/manifest-text.js';
import { Option, type Command } from 'commander';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { UpdateView } from '../contracts/api.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { fetchPages, printPageFooter, withPageOptions, type PageOptions } from './paging.js';
import { updateSorts } from '../contracts/list-sorts.js';
import { classifications, severities } from '../contracts/update-kinds.js';
import {
  formatBytes,
  formatFields,
  formatTable,
  formatTime,
  print,
  printJson,
  printTable,
} from './output.js';

type UpdateListOptions = PageOptions & {
  severity?: (typeof severities)[number];
  classification?: (typeof classifications)[number];
  q?: string;
};

export function registerUpdateCommand(program: Command): void {
  const update = program.command('update').description('the catalog of approved updates');

  adminCommand(
    update,
    'import <dir-or-archive>',
    'check DIR/update.json and its files, then upload them; or upload the update folder packed as .tar.gz or .zip, which the server unpacks and checks the same way',
  ).action(async (dir: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const info = await stat(dir).catch(() => null);
    let result;
    if (info?.isFile()) {
      process.stderr.write(`uploading ${dir} (${formatBytes(info.size)})\n`);
      const answer = await client.call('importUpdateArchive', {
        stream: createReadStream(dir),
        size: info.size,
      });
      result = { created: answer.status === 201, update: answer.body };
    } else {
      const { importUpdate, prepareUpdate } = await import('../client/update-import.js');
      const prepared = await prepareUpdate(dir);
      result = await importUpdate(client, prepared, (file) => {
        // Progress goes to stderr so `--json` output stays parseable.
        process.stderr.write(`uploading ${file.path} (${formatBytes(file.size)})\n`);
      });
    }
    if (json) return printJson(asSent(result.update));
    print(
      result.created
        ? `Imported update ${result.update.id}.`
        : `Update ${result.update.id} is already in the catalog with the same content.`,
    );
    print();
    printUpdate(result.update);
  });

  withPageOptions(
    adminCommand(update, 'list', 'list the updates in the catalog, newest first'),
    updateSorts,
  )
    .addOption(
      new Option('--severity <severity>', 'only updates of this severity').choices(severities),
    )
    .addOption(
      new Option(
        '--classification <classification>',
        'only updates of this classification',
      ).choices(classifications),
    )
    .option('--q <text>', 'only updates whose id or title holds this text')
    .action(async (opts: UpdateListOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const { severity, classification, q } = opts;
      const updates = await fetchPages(opts, (page) =>
        client.listUpdates({ ...page, severity, classification, q }),
      );
      if (json) return printJson(asSent(updates));
      printTable(
        ['ID', 'SEVERITY', 'CLASSIFICATION', 'FILES', 'CREATED', 'TITLE'],
        updates.items.map((u) => [
          u.id,
          u.severity,
          u.classification,
          String(u.files.length),
          formatTime(u.createdAt),
          u.title,
        ]),
        'No updates in the catalog.',
      );
      printPageFooter(updates);
    });

  adminCommand(update, 'show <id>', 'show one update').action(
    async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const found = await client.getUpdate(id);
      if (json) return printJson(asSent(found));
      printUpdate(found);
    },
  );
}

function printUpdate(u: UpdateView): void {
  const m = u.manifest;
  print(
    formatFields([
      ['ID', u.id],
      ['Title', u.title],
      ['Severity', u.severity],
      ['Classification', u.classification],
      [
        'Platforms',
        m.platforms.map((p) => [p.os, p.arch, p.osVersion].filter(Boolean).join(' ')).join(', '),
      ],
      ['Install', describeInstall(m.install)],
      ['Uninstallable', u.uninstallable ? 'yes' : 'no'],
      ['Supersedes', m.supersedes.length > 0 ? m.supersedes.join(', ') : '-'],
      ['Created', formatTime(u.createdAt)],
    ]),
  );
  if (m.description) {
    print();
    print(m.description);
  }
  print();
  print(
    u.files.length === 0
      ? 'Files: none'
      : formatTable(
          ['FILE', 'SIZE', 'SHA-256'],
          u.files.map((f) => [f.path, formatBytes(f.size), f.sha256]),
        ),
  );
}

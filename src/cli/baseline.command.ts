import type { Command } from 'commander';
import { asSent } from '../client/sent.js';
import type { BaselineView } from '../contracts/baseline.js';
import { baselineSorts } from '../contracts/list-sorts.js';
import { adminCommand, connect } from './connection.js';
import { collectGroups, collectUpdates } from './deployment-plan.js';
import { CliError, formatFields, formatTime, print, printJson, printTable } from './output.js';
import { fetchPages, printPageFooter, withPageOptions, type PageOptions } from './paging.js';

/** Baselines: the updates every computer of some groups must have (compliance: `report compliance --baseline`). */

type UpdateOptions = { update?: string[]; fromDeployment?: string };
type SetOptions = { rename?: string; description?: string; group?: string[]; update?: string[] };

export function registerBaselineCommand(program: Command): void {
  const baseline = program
    .command('baseline')
    .description('named sets of updates every computer of some groups must have');

  adminCommand(baseline, 'create <name>', 'create a baseline for one or more groups')
    .requiredOption(
      '--group <name>',
      'a group whose computers must have the updates (repeat, or separate with commas)',
      collectGroups,
    )
    .option('--update <id>', 'an update of the baseline (repeat for several)', collectUpdates)
    .option('--description <text>', 'what the baseline is for')
    .action(
      async (
        name: string,
        opts: { group: string[]; update?: string[]; description?: string },
        cmd: Command,
      ) => {
        const { client, json } = await connect(cmd);
        const created = await client.createBaseline({
          name,
          groups: opts.group,
          updates: opts.update ?? [],
          ...(opts.description !== undefined && { description: opts.description }),
        });
        if (json) return printJson(asSent(created));
        print(`Created baseline ${created.name} (${created.updates.length} update(s)).`);
        print();
        printBaseline(created);
      },
    );

  adminCommand(
    baseline,
    'add <name>',
    'add updates to a baseline: by id, and/or every update of a deployment',
  )
    .option('--update <id>', 'an update to add (repeat for several)', collectUpdates)
    .option('--from-deployment <id>', 'add every update this deployment carries')
    .action(async (name: string, opts: UpdateOptions, cmd: Command) => {
      if ((opts.update ?? []).length === 0 && opts.fromDeployment === undefined) {
        throw new CliError(
          'nothing to add: give --update ID (repeatable) or --from-deployment ID',
          2,
        );
      }
      const { client, json } = await connect(cmd);
      const saved = await client.addBaselineUpdates(name, {
        updates: opts.update ?? [],
        ...(opts.fromDeployment !== undefined && { fromDeployment: opts.fromDeployment }),
      });
      if (json) return printJson(asSent(saved));
      print(`Baseline ${saved.name} now holds ${saved.updates.length} update(s).`);
    });

  adminCommand(baseline, 'remove <name>', 'remove updates from a baseline')
    .requiredOption('--update <id>', 'an update to remove (repeat for several)', collectUpdates)
    .action(async (name: string, opts: { update: string[] }, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const saved = await client.removeBaselineUpdates(name, { updates: opts.update });
      if (json) return printJson(asSent(saved));
      print(`Baseline ${saved.name} now holds ${saved.updates.length} update(s).`);
    });

  adminCommand(
    baseline,
    'set <name>',
    'change a baseline: rename it, its description, or replace its groups or its updates',
  )
    .option('--rename <new-name>', 'the new name of the baseline')
    .option('--description <text>', 'what the baseline is for ("" clears it)')
    .option(
      '--group <name>',
      'replace its groups with these (repeat, or separate with commas)',
      collectGroups,
    )
    .option('--update <id>', 'replace its updates with these (repeat for several)', collectUpdates)
    .action(async (name: string, opts: SetOptions, cmd: Command) => {
      const change = {
        ...(opts.rename !== undefined && { name: opts.rename }),
        ...(opts.description !== undefined && {
          description: opts.description === '' ? null : opts.description,
        }),
        ...(opts.group !== undefined && { groups: opts.group }),
        ...(opts.update !== undefined && { updates: opts.update }),
      };
      if (Object.keys(change).length === 0) {
        throw new CliError(
          'nothing to change: give --rename, --description, --group or --update',
          2,
        );
      }
      const { client, json } = await connect(cmd);
      const saved = await client.setBaseline(name, change);
      if (json) return printJson(asSent(saved));
      print(`Changed baseline ${saved.name}.`);
      print();
      printBaseline(saved);
    });

  adminCommand(
    baseline,
    'delete <name>',
    'delete a baseline (its groups, updates and computers stay as they are)',
  ).action(async (name: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const removed = await client.removeBaseline(name);
    if (json) return printJson(asSent(removed));
    print(`Deleted baseline ${removed.name} (it held ${removed.updates.length} update(s)).`);
  });

  adminCommand(baseline, 'show <name>', 'show a baseline: its groups and updates').action(
    async (name: string, _opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const found = await client.getBaseline(name);
      if (json) return printJson(asSent(found));
      printBaseline(found);
      print();
      print('Updates:');
      printTable(
        ['UPDATE'],
        found.updates.map((u) => [u]),
        '(no updates yet: add some with `baseline add`)',
      );
    },
  );

  withPageOptions(adminCommand(baseline, 'list', 'list baselines'), baselineSorts).action(
    async (opts: PageOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const page = await fetchPages(opts, (args) => client.listBaselines(args));
      if (json) return printJson(asSent(page));
      printTable(
        ['NAME', 'GROUPS', 'UPDATES', 'CREATED', 'BY'],
        page.items.map((b) => [
          b.name,
          b.groups.join(','),
          String(b.updates.length),
          formatTime(b.createdAt),
          b.createdBy,
        ]),
        'No baselines.',
      );
      printPageFooter(page);
    },
  );
}

function printBaseline(b: BaselineView): void {
  print(
    formatFields([
      ['Name', b.name],
      ...(b.description !== null ? [['Description', b.description] as const] : []),
      ['Groups', b.groups.join(', ')],
      ['Updates', String(b.updates.length)],
      ['Created', `${formatTime(b.createdAt)} by ${b.createdBy}`],
      ['ID', b.id],
    ]),
  );
}

import type { Command } from 'commander';
import { asSent } from '../client/sent.js';
import type { SiteRuleChange } from '../contracts/site-rules.js';
import { parseCidr } from '../domain/site/cidr.js';
import { adminCommand, connect } from './connection.js';
import { CliError, formatTime, print, printJson, printTable } from './output.js';

function moved(change: SiteRuleChange): string {
  return change.moved === 1 ? '1 computer moved' : `${change.moved} computers moved`;
}

/** `site rule add|list|remove`: subnet rules placing computers whose agent tells no site. */
export function registerSiteRuleCommands(site: Command): void {
  const rule = site
    .command('rule')
    .description(
      'subnet rules: a computer whose agent tells no --site is at the site of the rule ' +
        'holding the address it checks in from (the longest prefix wins)',
    );

  adminCommand(
    rule,
    'add <cidr> <site>',
    'computers seen from an address in <cidr> are at <site>',
  ).action(async (cidr: string, siteName: string, _opts: unknown, cmd: Command) => {
    const parsed = parseCidr(cidr.trim());
    if (!parsed.ok) throw new CliError(`CIDR ${cidr}: ${parsed.message}`, 2);
    const { client, json } = await connect(cmd);
    const added = await client.addSiteRule({ cidr, site: siteName });
    if (json) return printJson(asSent(added));
    print(`Rule ${added.id}: ${added.cidr} → ${added.site} (${moved(added)})`);
  });

  adminCommand(rule, 'list', 'list the subnet rules, by site').action(
    async (_opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const list = await client.listSiteRules();
      if (json) return printJson(asSent(list));
      printTable(
        ['ID', 'SUBNET', 'SITE', 'COMPUTERS', 'ADDED', 'BY'],
        list.items.map((r) => [
          r.id,
          r.cidr,
          r.site,
          String(r.computers),
          formatTime(r.createdAt),
          r.createdBy,
        ]),
        'No subnet rules.',
      );
    },
  );

  adminCommand(
    rule,
    'remove <id>',
    'remove a subnet rule: the computers it placed move to their next match, or no site',
  ).action(async (id: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const removed = await client.removeSiteRule(id);
    if (json) return printJson(asSent(removed));
    print(`Removed rule ${removed.id}: ${removed.cidr} → ${removed.site} (${moved(removed)})`);
  });
}

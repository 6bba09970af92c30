import {
  CompiledQuery,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type RootOperationNode,
  type QueryId,
} from 'kysely';
import type { ComputerFilter } from '../../src/store/computer-list.queries.js';
import type { ComputerSort } from '../../src/contracts/list-queries.js';
import type { PageRequest } from '../../src/contracts/paging.js';
import { openStore } from '../../src/store/db.js';
import { createRepositories } from '../../src/store/repositories.js';

/** Records every query the store runs, to ask the engine how it would run them. */
class Recorder implements KyselyPlugin {
  readonly seen: { node: RootOperationNode; queryId: QueryId }[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.seen.push({ node: args.node, queryId: args.queryId });
    return args.node;
  }
  transformResult<T>(args: { result: T }): Promise<T> {
    return Promise.resolve(args.result);
  }
}

export type ExplainCase = {
  name: string;
  filter: ComputerFilter;
  page: PageRequest<ComputerSort>;
};

/**
 * The plan of each query of a computers page (the page and its count), as the engine
 * gives it: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL.
 */
export async function explainComputerPages(
  url: string,
  cases: readonly ExplainCase[],
): Promise<string[]> {
  const store = openStore({ url });
  const lines: string[] = [];
  try {
    const recorder = new Recorder();
    const db = store.db.withPlugin(recorder);
    const repos = createRepositories(db);
    const explain = store.engine === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
    for (const c of cases) {
      recorder.seen.length = 0;
      await repos.computers.page(c.filter, c.page);
      const queries = [...recorder.seen];
      for (const [i, q] of queries.entries()) {
        const compiled = db.getExecutor().compileQuery(q.node, q.queryId);
        const plan = await store.db.executeQuery<Record<string, unknown>>(
          CompiledQuery.raw(`${explain}${compiled.sql}`, [...compiled.parameters]),
        );
        lines.push(`-- ${c.name} (${i === 0 ? 'page' : 'count'})`);
        for (const row of plan.rows) {
          const text = row.detail ?? row['QUERY PLAN'];
          lines.push(`   ${typeof text === 'string' ? text : JSON.stringify(row)}`);
        }
      }
    }
  } finally {
    await store.close();
  }
  return lines;
}

import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { asSent } from '../client/sent.js';
import { checklistItems } from '../domain/review/checklist.js';
import { adminCommand, connect } from './connection.js';
import { CliError, printJson, printTable } from './output.js';
import { parseFigure } from './review-flags.js';

type ReviewOptions = {
  format: 'md' | 'html' | 'pdf';
  out?: string;
  downtimeCostPerHour?: string;
  recoveryCostPerHour?: string;
  minutesPerRestart?: string;
  recoveryMinutesPerFailure?: string;
};

/** The cost figures as the review's query. */
function costQuery(opts: ReviewOptions) {
  const figure = (flag: string, text: string | undefined) =>
    text === undefined ? undefined : parseFigure(flag, text);
  return {
    downtimeCostPerHour: figure('--downtime-cost-per-hour', opts.downtimeCostPerHour),
    recoveryCostPerHour: figure('--recovery-cost-per-hour', opts.recoveryCostPerHour),
    minutesPerRestart: figure('--minutes-per-restart', opts.minutesPerRestart),
    recoveryMinutesPerFailure: figure(
      '--recovery-minutes-per-failure',
      opts.recoveryMinutesPerFailure,
    ),
  };
}

function printChecklist(view: {
  checklist: { item: string; done: boolean; doneBy: string | null; note: string | null }[];
}): void {
  printTable(
    ['ITEM', 'DONE', 'BY', 'NOTE'],
    view.checklist.map((c) => [c.item, c.done ? 'yes' : 'no', c.doneBy ?? '-', c.note ?? '']),
  );
}

export const reviewSummary =
  "a deployment's post-implementation review: plan beside what happened, SLA, failures, cost, follow-up checklist";

export function registerReviewCommand(program: Command): void {
  const review = adminCommand(program, 'review', reviewSummary)
    .argument('[deployment]', 'the deployment to review')
    .addOption(
      new Option('--format <format>', 'md (default), html or pdf')
        .choices(['md', 'html', 'pdf'])
        .default('md'),
    )
    .option('--out <file>', 'write the review to this file instead of stdout')
    .option('--downtime-cost-per-hour <n>', "cost of one hour of a computer's downtime")
    .option('--recovery-cost-per-hour <n>', 'cost of one hour of recovery work')
    .option('--minutes-per-restart <n>', 'estimated minutes a computer is down per restart (10)')
    .option(
      '--recovery-minutes-per-failure <n>',
      'estimated minutes of work to recover one failed computer (30)',
    )
    .action(async (id: string | undefined, opts: ReviewOptions, cmd: Command) => {
      if (id === undefined) throw new CliError('give the deployment to review: review ID', 2);
      const query = costQuery(opts);
      if (opts.format === 'pdf' && opts.out === undefined && process.stdout.isTTY) {
        throw new CliError('--format pdf writes binary: give --out FILE or redirect stdout', 2);
      }
      const { client, json } = await connect(cmd);
      const answer = await client.getDeploymentReview(id, query);
      if (json) return printJson(asSent(answer));
      // Rendered here from the JSON, by the same code as the server's review.md/.html/.pdf.
      const { reviewHtml, reviewMarkdown } = await import('../domain/review/render.js');
      let output: string | Buffer;
      if (opts.format === 'pdf') {
        const { reviewPdf } = await import('../render/review-pdf.js');
        output = await reviewPdf(answer);
      } else output = opts.format === 'html' ? reviewHtml(answer) : reviewMarkdown(answer);
      if (opts.out === undefined) {
        process.stdout.write(output);
        return;
      }
      try {
        await writeFile(opts.out, output);
      } catch (e) {
        throw new CliError(`--out: cannot write ${opts.out}: ${(e as Error).message}`);
      }
      process.stderr.write(`Wrote the review of ${id} to ${opts.out}.\n`);
    });

  const itemHelp = `one of ${checklistItems.join(', ')}`;
  // The connection flags (--url, --token, --json) are the review command's: commander gives
  // them to it wherever they stand, so the subcommands connect through it.
  review
    .command('check <deployment> <item>')
    .description(`mark a follow-up checklist item done (${itemHelp})`)
    .option('--note <text>', 'what was done')
    .action(async (id: string, item: string, opts: { note?: string }) => {
      if (!(checklistItems as readonly string[]).includes(item)) {
        throw new CliError(`item: "${item}" must be ${itemHelp}`, 2);
      }
      const { client, json } = await connect(review);
      const view = await client.checkReviewItem(
        id,
        item,
        opts.note === undefined ? {} : { note: opts.note },
      );
      if (json) return printJson(asSent(view));
      printChecklist(view);
    });
  review
    .command('uncheck <deployment> <item>')
    .description('mark a follow-up checklist item not done')
    .action(async (id: string, item: string) => {
      if (!(checklistItems as readonly string[]).includes(item)) {
        throw new CliError(`item: "${item}" must be ${itemHelp}`, 2);
      }
      const { client, json } = await connect(review);
      const view = await client.uncheckReviewItem(id, item);
      if (json) return printJson(asSent(view));
      printChecklist(view);
    });
}

import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar, { type Extract } from 'tar-stream';
import {
  BUNDLE_FORMAT,
  BUNDLE_INDEX,
  BUNDLE_VERSION,
  MAX_BUNDLE_INDEX_BYTES,
  bundleBody,
  bundleEnvelope,
  type BundleBody,
  type ImportBundleQuery,
  type ImportBundleView,
} from '../../contracts/bundle.js';
import { describeIssues, fieldIssues } from '../../contracts/parse.js';
import { validatePlan } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import { ConflictError, ValidationError } from '../../domain/errors.js';
import { mapTargets, missingFiles, parseGroupMap } from '../../domain/bundle/targets.js';
import { version } from '../../version.js';
import type { ContentStore } from '../content/content-store.js';
import { keyIdOf, signEnvelope, signedBy } from '../signing/ed25519.js';
import type { CatalogService } from './catalog.service.js';
import type { DeploymentService } from './deployment.service.js';
import type { GroupService } from './group.service.js';
import type { SigningService } from './signing.service.js';

const CONTENT_ENTRY = /^content\/([a-f0-9]{64})$/;

/** Why a bundle is refused: always a 400 naming the body, never half an import. */
function refused(message: string): ValidationError {
  return new ValidationError(`bundle: ${message}`, [{ field: '(body)', message }]);
}

/**
 * Bundles: a tested deployment carried to another server unchanged. Export writes the
 * deployment's updates (manifests and files) and plan into a signed bundle; import checks
 * the signature and every file's hash, maps the target groups by name, then imports the
 * updates and approves the same plan.
 */
export class BundleService {
  constructor(
    private readonly deployments: DeploymentService,
    private readonly catalog: CatalogService,
    private readonly content: ContentStore,
    private readonly groups: GroupService,
    private readonly signing: SigningService,
    private readonly clock: Clock,
  ) {}

  /** The bundle of a deployment, as a tar stream: the signed index, then each file once. */
  async exportBundle(deploymentId: string): Promise<Readable> {
    const deployment = await this.deployments.show(deploymentId);
    const updateIds = deployment.updates ?? [deployment.updateId];
    const updates = await Promise.all(updateIds.map((id) => this.catalog.show(id)));
    const key = await this.signing.targetsKey();
    const body: BundleBody = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      exportedAt: new Date(this.clock.now()).toISOString(),
      source: { version },
      signer: key.publicKey,
      deployment: {
        id: deployment.id,
        updates: updateIds,
        groups: deployment.groups,
        plan: deployment.plan,
      },
      updates: updates.map((u) => ({ manifest: u.manifest, files: u.files })),
    };
    const index = Buffer.from(JSON.stringify(signEnvelope(body, [key])), 'utf8');
    const files = new Map(updates.flatMap((u) => u.files.map((f) => [f.sha256, f.size] as const)));
    for (const [sha256, size] of files) {
      if ((await this.content.size(sha256)) !== size) {
        throw new ConflictError(
          `file ${sha256} of the deployment's updates is not in the content store`,
          {
            sha256,
          },
        );
      }
    }
    const pack = tar.pack();
    const out = new PassThrough();
    void (async () => {
      pack.entry({ name: BUNDLE_INDEX, size: index.length }, index);
      for (const [sha256, size] of files) {
        const entry = pack.entry({ name: `content/${sha256}`, size });
        await pipeline(this.content.open(sha256), entry);
      }
      pack.finalize();
    })().catch((error: unknown) => pack.destroy(error as Error));
    pack.pipe(out);
    pack.on('error', (error) => out.destroy(error));
    return out;
  }

  /** Reads a bundle, checks it whole, and (unless a dry run) imports it. */
  async importBundle(
    archive: Readable,
    query: ImportBundleQuery,
    actor: string,
  ): Promise<ImportBundleView> {
    const dryRun = query.dryRun === true;
    const map = parseGroupMap(query.mapGroups);
    const extract = tar.extract();
    const reading = pipeline(archive, extract).catch((error: unknown) => {
      extract.destroy(error as Error);
    });
    let body: BundleBody | null = null;
    let keyid = '';
    let listed = new Map<string, number>();
    const received = new Map<string, number>();
    let targets: ReturnType<typeof mapTargets> | null = null;
    try {
      for await (const entry of entriesOf(extract)) {
        const { name, size = 0, type } = entry.header;
        if (type !== 'file') throw refused(`"${name}" is not a plain file`);
        if (body === null) {
          if (name !== BUNDLE_INDEX)
            throw refused(`the first entry must be ${BUNDLE_INDEX}, not "${name}"`);
          if (size > MAX_BUNDLE_INDEX_BYTES)
            throw refused(`${BUNDLE_INDEX} is larger than a bundle index can be`);
          ({ body, keyid } = this.readIndex(
            await readAll(Readable.from(entry)),
            query.expectSigner,
          ));
          listed = filesOf(body);
          targets = await this.targetsOf(body, map);
          if (!dryRun && targets.missing.length > 0) {
            throw new ConflictError(
              `the bundle's deployment targets ${targets.missing.map((g) => `"${g}"`).join(', ')}, which do not exist here; create them, or map them with mapGroups (FROM=TO)`,
              { missingGroups: targets.missing, groups: targets.report },
              'missing-groups',
            );
          }
          continue;
        }
        const sha256 = CONTENT_ENTRY.exec(name)?.[1];
        if (!sha256 || !listed.has(sha256))
          throw refused(`"${name}" is not a file the bundle lists`);
        if (received.has(sha256)) throw refused(`"${name}" is in the bundle twice`);
        if (size !== listed.get(sha256)) {
          throw refused(
            `${name} holds ${size} bytes, listed as ${listed.get(sha256)}: altered after export?`,
          );
        }
        await this.receive(sha256, Readable.from(entry), dryRun);
        received.set(sha256, size);
      }
      await reading;
    } finally {
      archive.resume();
    }
    if (body === null || targets === null) throw refused(`no ${BUNDLE_INDEX}: not a bundle`);
    const gaps = missingFiles(listed, received);
    if (gaps.length > 0) throw refused(gaps.join('; '));
    return this.apply(body, keyid, targets, received, dryRun, actor);
  }

  /** The index, if its signature holds (and is by the expected key, when one is given). */
  private readIndex(
    text: string,
    expectSigner: string | undefined,
  ): { body: BundleBody; keyid: string } {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw refused(`${BUNDLE_INDEX} is not JSON`);
    }
    const envelope = bundleEnvelope.safeParse(json);
    if (!envelope.success) throw refused(`${BUNDLE_INDEX} is not a signed envelope`);
    const parsed = bundleBody.safeParse(envelope.data.signed);
    if (!parsed.success) {
      throw refused(`${BUNDLE_INDEX}: ${describeIssues(fieldIssues(parsed.error))}`);
    }
    const body = parsed.data;
    const keyid = keyIdOf(body.signer);
    if (!signedBy(envelope.data, body.signer)) {
      throw refused('the signature does not match its content: altered after export');
    }
    if (expectSigner !== undefined && keyid !== expectSigner) {
      throw refused(`signed by key ${keyid}, not by the expected ${expectSigner}`);
    }
    return { body, keyid };
  }

  private async targetsOf(body: BundleBody, map: ReadonlyMap<string, string>) {
    const plan = validatePlan(body.deployment.plan);
    if (!plan.ok) throw refused(`its plan: ${describeIssues(plan.issues)}`);
    const names = [
      ...new Set([
        ...body.deployment.groups,
        ...plan.plan.phases.flatMap((p) => p.groups ?? []),
        ...Object.keys(plan.plan.recurrenceByGroup),
      ]),
    ].map((g) => map.get(g) ?? g);
    const existing = new Set<string>();
    for (const name of names) if (await this.groups.exists(name)) existing.add(name);
    return mapTargets(body.deployment.groups, plan.plan, map, existing);
  }

  /** One file: stored (verified by hash as it is written), or on a dry run hashed only. */
  private async receive(sha256: string, entry: Readable, dryRun: boolean): Promise<void> {
    if (!dryRun) {
      try {
        const { size } = await this.content.put(sha256, entry);
        await this.catalog.recordContent(sha256, size);
      } catch (error) {
        if (error instanceof ValidationError) {
          throw refused(`content/${sha256} does not hash to its name: altered after export`);
        }
        throw error;
      }
      return;
    }
    const hash = createHash('sha256');
    for await (const chunk of entry) hash.update(chunk as Buffer);
    if (hash.digest('hex') !== sha256) {
      throw refused(`content/${sha256} does not hash to its name: altered after export`);
    }
  }

  private async apply(
    body: BundleBody,
    keyid: string,
    targets: ReturnType<typeof mapTargets>,
    received: ReadonlyMap<string, number>,
    dryRun: boolean,
    actor: string,
  ): Promise<ImportBundleView> {
    const updates: ImportBundleView['updates'] = [];
    for (const update of body.updates) {
      const files = update.files.length;
      if (dryRun) {
        const isNew = await this.catalog.isNew(update);
        updates.push({
          id: update.manifest.id,
          outcome: isNew ? 'would-create' : 'existing',
          files,
        });
      } else {
        const { created } = await this.catalog.import(update);
        updates.push({ id: update.manifest.id, outcome: created ? 'created' : 'existing', files });
      }
    }
    const deploymentId = dryRun
      ? null
      : (
          await this.deployments.create(
            { updates: body.deployment.updates, groups: targets.groups, plan: targets.plan },
            actor,
          )
        ).id;
    return {
      dryRun,
      signer: { keyid, publicKey: body.signer.public },
      source: {
        deploymentId: body.deployment.id,
        version: body.source.version,
        exportedAt: body.exportedAt,
      },
      updates,
      files: [...received].map(([sha256, size]) => ({ sha256, size })),
      groups: targets.report,
      missingGroups: targets.missing,
      deploymentId,
    };
  }
}

/** The sizes of every file the bundle's updates name; one hash, one size. */
function filesOf(body: BundleBody): Map<string, number> {
  const files = new Map<string, number>();
  for (const update of body.updates) {
    for (const file of update.files) {
      const size = files.get(file.sha256);
      if (size !== undefined && size !== file.size) {
        throw refused(`${file.sha256} is listed with two sizes`);
      }
      files.set(file.sha256, file.size);
    }
  }
  const named = new Set(body.updates.map((u) => u.manifest.id));
  const unnamed = body.deployment.updates.filter((id) => !named.has(id));
  if (unnamed.length > 0)
    throw refused(`the deployment names updates it does not carry: ${unnamed.join(', ')}`);
  return files;
}

/** One file of the archive as it is read. */
type Entry = Extract extends AsyncIterable<infer E> ? E : never;

/** The archive's entries; an archive that cannot be read is a 400, not a 500. */
async function* entriesOf(extract: Extract): AsyncGenerator<Entry> {
  const iterator = extract[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Entry>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw refused(`not a readable tar archive (${(error as Error).message})`);
    }
    if (next.done) return;
    yield next.value;
  }
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import yazl from 'yazl';

/** One entry of a test archive: a file with its content, a folder, or a symbolic link. */
export type ArchiveEntry =
  | { name: string; content: string | Buffer }
  | { name: string; folder: true }
  | { name: string; linkTo: string };

/** A .tar.gz holding the entries, in order. */
export async function tarGz(entries: ArchiveEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const callback = (error?: Error | null) => (error ? reject(error) : resolve());
      if ('content' in e) pack.entry({ name: e.name }, e.content, callback);
      else if ('folder' in e) pack.entry({ name: e.name, type: 'directory' }, callback);
      else pack.entry({ name: e.name, type: 'symlink', linkname: e.linkTo }, callback);
    });
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/**
 * A .zip holding the entries, in order (a link is stored with the Unix symlink mode). yazl
 * refuses to write a `..` name, as a good archiver should; such a name is written as `__`
 * and patched in afterwards (a name is not under the CRC, so the archive stays valid).
 */
export async function zip(given: ArchiveEntry[]): Promise<Buffer> {
  const file = new yazl.ZipFile();
  const patches = given
    .filter((e) => e.name.includes('..'))
    .map((e) => ({ real: e.name, stand: e.name.replaceAll('..', '__') }));
  const entries = given.map((e) =>
    e.name.includes('..') ? { ...e, name: e.name.replaceAll('..', '__') } : e,
  );
  for (const e of entries) {
    if ('content' in e) file.addBuffer(Buffer.from(e.content), e.name);
    else if ('folder' in e) file.addEmptyDirectory(e.name);
    else file.addBuffer(Buffer.from(e.linkTo), e.name, { mode: 0o120777 });
  }
  file.end();
  const chunks: Buffer[] = [];
  for await (const chunk of file.outputStream) chunks.push(chunk as Buffer);
  let out = Buffer.concat(chunks);
  for (const { real, stand } of patches) {
    out = Buffer.from(out.toString('latin1').replaceAll(stand, real), 'latin1');
  }
  return out;
}

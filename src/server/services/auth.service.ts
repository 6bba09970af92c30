import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../../domain/clock.js';
import { UnauthorizedError } from '../../domain/errors.js';
import type { ComputerRecord, ComputerRepository } from '../../store/computer.repository.js';
import type { TokenRepository } from '../../store/token.repository.js';
import type { Actor, Authenticator } from '../http/auth.js';
import { generateSecret, hashSecret, newId } from './secrets.js';

export type BootstrapResult = { token: string; generated: boolean; file: string | null } | null;

/** Admin tokens and computer credentials; only hashes are stored. */
export class AuthService implements Authenticator {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly computers: ComputerRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * At first start, creates the first admin token: from RINGMASTER_ADMIN_TOKEN when
   * given, else generated and written to `<data>/admin-token` (mode 0600).
   */
  async bootstrapAdmin(dataDir: string, fromEnv: string | undefined): Promise<BootstrapResult> {
    if ((await this.tokens.count()) > 0) return null;
    const token = fromEnv && fromEnv.length > 0 ? fromEnv : generateSecret('rm_admin');
    await this.tokens.insert({
      id: newId('tok'),
      name: 'first admin',
      tokenHash: hashSecret(token),
      role: 'admin',
      createdAt: this.clock.now(),
    });
    if (fromEnv) return { token, generated: false, file: null };
    await mkdir(dataDir, { recursive: true });
    const file = path.join(dataDir, 'admin-token');
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    return { token, generated: true, file };
  }

  async admin(token: string, from: string): Promise<Actor> {
    const row = await this.tokens.findByHash(hashSecret(token));
    if (!row || row.role !== 'admin') throw new UnauthorizedError('the admin token is not valid');
    return { tokenId: row.id, name: row.name, role: row.role, from };
  }

  async computer(token: string): Promise<ComputerRecord> {
    const row = await this.computers.findByCredentialHash(hashSecret(token));
    if (!row) throw new UnauthorizedError('the computer credential is not valid');
    if (row.revokedAt !== null) {
      throw new UnauthorizedError(
        `the credential of computer ${row.id} was revoked at ` +
          `${new Date(row.revokedAt).toISOString()} by ${row.revokedBy ?? 'an admin'}`,
      );
    }
    return row;
  }
}

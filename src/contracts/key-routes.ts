import { z } from 'zod';
import { metadataRoles } from './metadata.js';
import { route } from './route.js';

/** The signing keys of the newest root: per role its keys and threshold. */
export const keysView = z.object({
  rootVersion: z.number(),
  rootExpires: z.string(),
  roles: z.array(
    z.object({
      role: z.enum(metadataRoles),
      threshold: z.number(),
      keys: z.array(
        z.object({
          keyid: z.string(),
          public: z.string(),
          /** Whether the server holds the private key (false: offline). */
          onServer: z.boolean(),
        }),
      ),
    }),
  ),
});
export type KeysView = z.infer<typeof keysView>;

export const exportRootRequest = z
  .object({
    /** Delete the root key from the server once exported: it is kept offline. */
    remove: z.boolean().default(false),
  })
  .prefault({});

export const exportRootResponse = z.object({
  keyid: z.string(),
  /** PKCS #8 PEM. */
  privateKey: z.string(),
  removed: z.boolean(),
});

export const rotateRootRequest = z
  .object({
    /** Root N's private key (PKCS #8 PEM), when it is not on the server. */
    rootKey: z.string().min(1).max(10_000).optional(),
    /** Also replace the targets, snapshot and timestamp keys. */
    replaceOnlineKeys: z.boolean().default(false),
  })
  .prefault({});

export const keyRoutes = {
  showKeys: route({
    method: 'GET',
    path: '/api/v1/keys',
    summary: 'The signing keys: per role its keys, threshold and whether the server holds them',
    auth: 'admin',
    response: keysView,
  }),
  exportRoot: route({
    method: 'POST',
    path: '/api/v1/keys/root/export',
    summary: 'Export the root key (PEM); with remove, delete it from the server to keep offline',
    auth: 'admin',
    body: exportRootRequest,
    response: exportRootResponse,
    otherResponses: { 409: 'root-key-offline: the root key is not on the server' },
  }),
  rotateRoot: route({
    method: 'POST',
    path: '/api/v1/keys/root/rotate',
    summary: 'Rotate the root: root N+1, signed by root N and by its own new key',
    auth: 'admin',
    body: rotateRootRequest,
    response: keysView,
    otherResponses: { 409: "root-key-offline: give root N's key (rootKey)" },
  }),
};

import { describe, expect, it } from 'vitest';
import { endpointsOf, type Resolver } from './endpoints.js';

const resolver =
  (table: Record<string, string[]>): Resolver =>
  (hostname) => {
    const addresses = table[hostname];
    if (!addresses) return Promise.reject(new Error(`ENOTFOUND ${hostname}`));
    return Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };

describe('endpointsOf', () => {
  it('makes one endpoint per address of a name with several, in the order resolved', async () => {
    const resolve = resolver({ 'rm.example': ['127.0.0.1', '127.0.0.2', '127.0.0.1'] });
    expect(await endpointsOf(['https://rm.example:8443'], resolve)).toEqual([
      {
        id: 'https://rm.example:8443 at 127.0.0.1',
        url: 'https://rm.example:8443',
        address: { address: '127.0.0.1', family: 4 },
      },
      {
        id: 'https://rm.example:8443 at 127.0.0.2',
        url: 'https://rm.example:8443',
        address: { address: '127.0.0.2', family: 4 },
      },
    ]);
  });

  it('leaves addresses, names with one address and names that do not resolve as they are', async () => {
    const resolve = resolver({ 'one.example': ['192.0.2.1'] });
    const urls = [
      'http://127.0.0.1:8080',
      'http://[::1]:8080',
      'https://one.example',
      'https://nowhere.example',
    ];
    expect(await endpointsOf(urls, resolve)).toEqual(
      urls.map((url) => ({ id: url, url, address: null })),
    );
  });
});

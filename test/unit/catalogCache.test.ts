/** The catalog cache: a memory read between checks, one head read per interval (shared), a new version loaded once. Clock injected. */
import { CatalogCache, CatalogSource } from '../../shared/catalog/cache';
import { CatalogContent } from '../../shared/domain/catalog';
import { CatalogChunkMissing } from '../../shared/storage/catalog';

const content = (name: string): CatalogContent => ({
  products: [
    {
      skuId: '00000000-0000-4000-8000-000000000001',
      skuPartNumber: 'P1',
      displayName: name,
      appliesTo: 'User',
      isSellable: true,
      clouds: ['AzureCloud'],
      source: 'operator',
      servicePlans: [
        { servicePlanId: '00000000-0000-4000-8000-0000000000a1', servicePlanName: 'A1', displayName: 'A one', appliesTo: 'User', addedDateTime: null },
      ],
    },
  ],
  planRules: {},
});

function fakeStore() {
  const state = {
    head: undefined as { version: number; publishId: string; chunkCount: number } | undefined,
    contents: new Map<number, CatalogContent>(),
    headReads: 0,
    contentReads: 0,
    failHead: false,
    missingOnce: new Set<number>(),
  };
  const source: CatalogSource = {
    async head() {
      state.headReads++;
      if (state.failHead) throw Object.assign(new Error('store away'), { code: 'ECONNREFUSED' });
      return state.head;
    },
    async content(head) {
      state.contentReads++;
      if (state.missingOnce.delete(head.version)) throw new CatalogChunkMissing('gone');
      return state.contents.get(head.version)!;
    },
  };
  const publish = (version: number, name: string) => {
    state.contents.set(version, content(name));
    state.head = { version, publishId: `p${version}`, chunkCount: 1 };
  };
  return { state, source, publish };
}

describe('CatalogCache', () => {
  test('an empty store is version 0 with no products; the first version is seen at the next check', async () => {
    let now = 1000;
    const { state, source, publish } = fakeStore();
    const cache = new CatalogCache(5000, source, () => now);
    expect((await cache.current()).version).toBe(0);
    expect((await cache.current()).all()).toEqual([]);
    expect(state.headReads).toBe(1);
    publish(1, 'First');
    now += 4999;
    expect((await cache.current()).version).toBe(0); // within the interval: memory
    expect(state.headReads).toBe(1);
    now += 1;
    const c = await cache.current();
    expect(c.version).toBe(1);
    expect(c.productName('00000000-0000-4000-8000-000000000001')).toBe('First');
    expect(state.headReads).toBe(2);
  });

  test('between checks every read is a memory read; a check that finds the same version loads nothing', async () => {
    let now = 0;
    const { state, source, publish } = fakeStore();
    publish(1, 'One');
    const cache = new CatalogCache(5000, source, () => now);
    for (let i = 0; i < 1000; i++) await cache.current();
    expect(state.headReads).toBe(1);
    expect(state.contentReads).toBe(1);
    now = 5000;
    await cache.current();
    expect(state.headReads).toBe(2);
    expect(state.contentReads).toBe(1);
    expect(cache.stats).toMatchObject({ checks: 2, loads: 1 });
  });

  test('requests arriving while a check runs share it: one head read, one load', async () => {
    const { state, source, publish } = fakeStore();
    publish(3, 'Three');
    const cache = new CatalogCache(5000, source, () => 0);
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.current()));
    expect(new Set(all).size).toBe(1);
    expect(all[0].version).toBe(3);
    expect(state.headReads).toBe(1);
    expect(state.contentReads).toBe(1);
  });

  test("a head that cannot be read: the version loaded goes on; with none loaded the error is the caller's", async () => {
    let now = 0;
    const { state, source, publish } = fakeStore();
    const cold = new CatalogCache(5000, source, () => now);
    state.failHead = true;
    await expect(cold.current()).rejects.toThrow('store away');
    state.failHead = false;
    publish(1, 'One');
    const warm = new CatalogCache(5000, source, () => now);
    expect((await warm.current()).version).toBe(1);
    state.failHead = true;
    now = 6000;
    expect((await warm.current()).version).toBe(1);
    const reads = state.headReads;
    await warm.current(); // checked at 6000: the next check waits for the interval again
    expect(state.headReads).toBe(reads);
  });

  test('a version whose chunks are gone while being read (superseded): the head is read again', async () => {
    const { state, source, publish } = fakeStore();
    publish(1, 'One');
    state.missingOnce.add(1);
    const cache = new CatalogCache(5000, source, () => 0);
    expect((await cache.current()).version).toBe(1);
    expect(state.headReads).toBe(2);
  });

  test('a version this instance published is used at once; an older one never replaces a newer one', async () => {
    const { source, publish } = fakeStore();
    publish(2, 'Two');
    const cache = new CatalogCache(5000, source, () => 0);
    expect((await cache.current()).version).toBe(2);
    const { Catalog } = await import('../../shared/domain/catalog');
    cache.install(new Catalog(content('Three'), 3));
    expect((await cache.current()).version).toBe(3);
    cache.install(new Catalog(content('Old'), 1));
    expect((await cache.current()).productName('00000000-0000-4000-8000-000000000001')).toBe('Three');
  });
});

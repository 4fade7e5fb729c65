import { getHeapSpaceStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { releaseStartupGarbage } from './startup-memory';

const MiB = 1024 * 1024;

/** The young generation's size: what its semi-spaces hold in memory, used or not. */
function youngGeneration(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_size;
}

describe('releaseStartupGarbage', () => {
  it('shrinks the young generation that a start-up grew, on V8 12 and later (Node 22, 24)', () => {
    // What start-up does: allocate fast and keep much of it. V8 answers by growing the young
    // generation, collected less often, towards its largest size.
    const kept: { i: number }[] = [];
    for (let i = 0; i < 3_000_000; i++) kept.push({ i });
    const grown = youngGeneration();
    kept.length = 0;

    releaseStartupGarbage();

    expect(grown).toBeGreaterThanOrEqual(8 * MiB);
    // Node 20's V8 (11.3) has no "last resort" collection behind `gc()`; see startup-memory.ts.
    const lastResort = Number(process.versions.v8.split('.')[0]) >= 12;
    expect({ shrunk: youngGeneration() <= 2 * MiB }).toEqual({ shrunk: lastResort });
  });

  it('leaves no `gc` behind for the application or a dependency', () => {
    releaseStartupGarbage();

    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});

import { ThrottlerStorageService } from '@nestjs/throttler';
import { SlidingWindowStorage, type ThrottlerStorageRecord } from './sliding-window-storage';

/** A small deterministic generator, so that a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * The library's answer as callers read it: while not blocked, its `timeToBlockExpire` is the
 * (negative) time since its last block ended, which nobody reads; ours is 0 then.
 */
function asRead(answer: ThrottlerStorageRecord): ThrottlerStorageRecord {
  return { ...answer, timeToBlockExpire: answer.isBlocked ? answer.timeToBlockExpire : 0 };
}

describe('SlidingWindowStorage', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('answers every request as @nestjs/throttler’s own storage does', async () => {
    // The library's storage reads Date.now(), which the fake timers move; ours reads the same.
    const seen = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const rand = random(seed);
      const library = new ThrottlerStorageService();
      const ours = new SlidingWindowStorage(() => Date.now());
      const ttl = 200 + Math.floor(rand() * 3000);
      const limit = seed <= 2 ? 0 : 1 + Math.floor(rand() * 4);
      // Odd seeds block for a while once over the limit (the guard's default blocks for the
      // window), even ones never block: a request over the limit is refused, not counted.
      const blockDuration = seed % 2 ? 100 + Math.floor(rand() * 4000) : 0;
      const differing: unknown[] = [];
      for (let i = 0; i < 400; i++) {
        const key = `k${Math.floor(rand() * 3)}`;
        const name = rand() < 0.5 ? 'default' : 'create';
        const expected = asRead(await library.increment(key, ttl, limit, blockDuration, name));
        const actual = await ours.increment(key, ttl, limit, blockDuration, name);
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          differing.push({ i, expected, actual });
        seen.add(`${blockDuration > 0}:${expected.isBlocked}`);
        jest.advanceTimersByTime(Math.floor(rand() * rand() * 600));
      }
      library.onApplicationShutdown();
      ours.onApplicationShutdown();
      expect({ seed, differing: differing.slice(0, 3) }).toEqual({ seed, differing: [] });
    }
    // Both kinds of limit answered both ways, so the comparison covered them.
    expect([...seen].sort()).toEqual(['false:false', 'false:true', 'true:false', 'true:true']);
  });

  it('counts every hit of a long, busy window', async () => {
    const library = new ThrottlerStorageService();
    const ours = new SlidingWindowStorage(() => Date.now());
    const both = async () => {
      const expected = asRead(await library.increment('k', 60_000, 20_000, 60_000, 'default'));
      expect(await ours.increment('k', 60_000, 20_000, 60_000, 'default')).toEqual(expected);
      return expected;
    };
    // 10,000 requests 5 ms apart (t = 0 … 49,995 ms): a minute's window holds all of them.
    for (let i = 0; i < 10_000; i++) {
      if (i > 0) jest.advanceTimersByTime(5);
      await both();
    }
    jest.advanceTimersByTime(15_000); // t = 64,995: the hits of t ≤ 4,995 ms (1,000) have left
    expect(await both()).toEqual({
      totalHits: 9_001,
      timeToExpire: 60, // the record's window (t = 0 … 60,000) was over: a new one began
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    library.onApplicationShutdown();
    ours.onApplicationShutdown();
  });

  it('never says to wait longer than the block, whatever the clock’s fraction of a millisecond', async () => {
    // performance.now() has fractions; at 5,544.49 ms, 5,544.49 + 60,000 − 5,544.49 is a hair
    // over 60,000 in floating point, which rounded up to 61 s.
    let now = 5_544.49;
    const ours = new SlidingWindowStorage(() => now);
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(await ours.increment('k', 60_000, 1, 60_000, 'default'));
    expect(answers.map((a) => [a.isBlocked, a.timeToExpire, a.timeToBlockExpire])).toEqual([
      [false, 60, 0],
      [true, 60, 60],
      [true, 60, 60],
    ]);
    now += 30_000.25;
    expect(await ours.increment('k', 60_000, 1, 60_000, 'default')).toMatchObject({
      isBlocked: true,
      timeToBlockExpire: 30,
    });
    ours.onApplicationShutdown();
  });

  it('forgets callers with no hit left in the window, and keeps blocked ones until the block ends', async () => {
    const ours = new SlidingWindowStorage(() => Date.now());
    await ours.increment('idle', 1_000, 5, 1_000, 'default');
    for (let i = 0; i < 3; i++) await ours.increment('blocked', 1_000, 1, 10_000, 'default');
    expect(ours.keys).toBe(2);
    jest.advanceTimersByTime(60_000); // the sweep's interval: the block (10 s) is over too
    expect(ours.keys).toBe(0);

    await ours.increment('blocked', 1_000, 1, 120_000, 'default');
    await ours.increment('blocked', 1_000, 1, 120_000, 'default');
    jest.advanceTimersByTime(60_000); // hits gone, block still on
    expect(ours.keys).toBe(1);
    ours.onApplicationShutdown();
  });
});

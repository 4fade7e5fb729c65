import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc()` (its gc extension), given options. */
type GcFunction = (options: {
  type: 'major';
  execution: 'sync';
  /** `last-resort`: collect repeatedly, compact, and shrink every space to what it holds. */
  flavor: 'last-resort';
}) => void;

/**
 * Gives back the memory that loading the application used and no longer needs, once, before
 * its modules start (main.ts).
 *
 * Loading and wiring the application allocates fast, and much of it lives on. So V8 grows
 * its young generation to the largest size allowed during start-up: two semi-spaces of 16 MiB
 * under the image's `--max-semi-space-size=16`. An idle service then holds that 32 MiB, plus
 * the old generation's fragments, until V8's memory reducer notices that nothing is being
 * allocated: 20 to 30 s after start, about a quarter of the idle process's RSS.
 *
 * A "last resort" collection shrinks both at once: on Node 22 and 24, the idle service's RSS
 * 2 s after ready fell from about 150 MiB to 116 MiB, for about 80 ms of start-up. Under load
 * the young generation grows back to the size that the image's setting allows; that is what
 * the setting is for.
 *
 * Node 20's V8 (11.3) does not know the flavor: there the call is an ordinary full collection,
 * which leaves the young generation's size alone, and the reducer gives it back later.
 */
export function releaseStartupGarbage(): void {
  // `gc` exists only in a context created while --expose-gc is on. The flag goes off again at
  // once, so that neither the application's context nor a dependency ever sees a `gc`. (Jest's
  // leak detector fetches its `gc` the same way.)
  setFlagsFromString('--expose-gc');
  let gc: GcFunction | undefined;
  try {
    gc = runInNewContext('typeof gc === "function" ? gc : undefined') as GcFunction | undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  // A runtime that ignores flags set at run time gives no `gc`: memory is then given back as
  // before, by V8's memory reducer, and start-up goes on.
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

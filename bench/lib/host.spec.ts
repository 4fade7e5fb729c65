import { cpuMsOf, threadSched } from './host';
import { eventLoopShares } from './measure';

/** Keeps this thread busy until the process has used `ms` more of CPU; returns what it used. */
function spin(ms: number): number {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return (used.user + used.system) / 1000;
  }
}

// No process has a pid above the kernel's pid_max (at most 2^22).
const GONE = 2 ** 22 + 1;

describe('the bench reads the scheduler and the CPU clock from /proc', () => {
  it("counts a thread's running time, wait and preemptions, and grows them as it runs", () => {
    const before = threadSched(process.pid)!;
    expect(before).toBeDefined();
    expect(before.runMs).toBeGreaterThan(0);
    expect(before.waitMs).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(before.preempted)).toBe(true);
    const processMs = spin(200);
    const after = threadSched(process.pid)!;
    // The main thread did the spinning; the process's other threads (jest's, V8's compilers and
    // collectors) account for the rest of the process's CPU, never for more than half of it.
    expect(after.runMs - before.runMs).toBeGreaterThan(100);
    expect(after.runMs - before.runMs).toBeLessThanOrEqual(processMs + 1);
    expect(after.waitMs).toBeGreaterThanOrEqual(before.waitMs);
    expect(after.preempted).toBeGreaterThanOrEqual(before.preempted);
  });

  it("counts a process's CPU in ms", () => {
    const before = cpuMsOf(process.pid);
    spin(100);
    // /proc/<pid>/stat counts in ticks of 10 ms.
    expect(cpuMsOf(process.pid) - before).toBeGreaterThanOrEqual(90);
  });

  it('gives nothing for a process that is gone', () => {
    expect(threadSched(GONE)).toBeUndefined();
    expect(cpuMsOf(GONE)).toBe(0);
  });
});

describe("the event loop's shares of a run", () => {
  const at = (runMs: number, waitMs: number, preempted: number) => ({ runMs, waitMs, preempted });

  it('splits the run into running, waiting for a CPU and asleep', () => {
    const shares = eventLoopShares(at(1000, 500, 10), at(1600, 800, 110), 1000, 400, 250);
    expect(shares).toEqual({
      running: 0.6,
      waiting: 0.3,
      asleep: expect.closeTo(0.1, 10),
      preemptedPerReq: 0.25,
      backendsWaiting: 0.25,
    });
  });

  it('never reports a negative sleep when the readings straddle the run', () => {
    expect(eventLoopShares(at(0, 0, 0), at(700, 400, 0), 1000, 1, 0)?.asleep).toBe(0);
  });

  it('has nothing to say without both readings', () => {
    expect(eventLoopShares(undefined, at(1, 1, 1), 1000, 1, 0)).toBeUndefined();
  });
});

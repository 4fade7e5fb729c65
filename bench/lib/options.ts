import { parseArgs } from 'node:util';
import { deployedMemoryLimitMiB } from './memory-limit';

/** The command line of bench/run.ts (its header comment documents each option). */
export function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '16,64' },
      only: { type: 'string' },
      'no-pgbench': { type: 'boolean', default: false },
      env: { type: 'string', multiple: true, default: [] },
      service: { type: 'string' },
      'node-arg': { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      'keep-db': { type: 'boolean', default: false },
      'memory-limit': { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick;
  const only = values.only?.split(',').map((s) => s.trim());
  // Publishing on is measured against publishing off, run beside it: one brings the other.
  if (only?.includes('create-1-events') && !only.includes('create-1')) only.push('create-1');
  return {
    quick,
    durationS: Number(values.duration ?? (quick ? 3 : 20)),
    warmupS: Number(values.warmup ?? (quick ? 1 : 5)),
    connections: values.connections.split(',').map(Number),
    only,
    pgbench: !values['no-pgbench'],
    settings: settingsOf(values.env),
    main: values.service,
    nodeArgs: values['node-arg'],
    out: values.out,
    keepDb: values['keep-db'],
    /** MiB, or undefined for none; by default the Deployment's limit (memory-limit.ts). */
    memoryLimitMiB: memoryLimit(values['memory-limit']),
  };
}

/** The service settings of --env KEY=VALUE options. */
export function settingsOf(pairs: string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--env takes KEY=VALUE, got ${pair}`);
    settings[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return settings;
}

/** --memory-limit: MiB, or undefined for none; by default the Deployment's limit. */
export function memoryLimit(value: string | undefined): number | undefined {
  if (value === 'none') return undefined;
  if (value === undefined) return deployedMemoryLimitMiB();
  if (!/^\d+$/.test(value)) throw new Error(`--memory-limit takes MiB or none, got ${value}`);
  return Number(value);
}

export type BenchOptions = ReturnType<typeof options>;

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/*
 * The service runs in a container with the Deployment's memory limit, and Node sizes V8's heap
 * from that limit (the cgroup's), not from the host's memory: in 512 MiB it lets the heap reach
 * 259 MiB, on this 24 GiB host 4 GiB. How far V8 lets the old generation grow between full
 * collections follows from that size: up to 4 times what is live on a big heap, about 1.3 times
 * on a small one. Measured without the limit, the service's memory is that of a machine it never
 * runs on; so the bench puts it in a memory cgroup of the same limit, as the container runtime
 * does.
 */

const ROOT = resolve(__dirname, '..', '..');
const DEPLOYMENT = join(ROOT, 'deploy', 'k8s', 'deployment.yaml');
const DOCKERFILE = join(ROOT, 'Dockerfile');

/**
 * The node options of the image's CMD (`["node", <options>, "dist/main.js"]`) that the node
 * running the bench (and the service) accepts. The image runs Node 22; an option that Node 20
 * does not know (`--experimental-async-context-frame`) would stop the service there, so it is
 * left out, and said so.
 */
export function imageNodeOptions(): string[] {
  const cmds = [...readFileSync(DOCKERFILE, 'utf8').matchAll(/^CMD\s+(\[.*\])\s*$/gm)];
  const cmd = JSON.parse(cmds[cmds.length - 1]?.[1] ?? '[]') as string[];
  if (cmd[0] !== 'node' || cmd[cmd.length - 1] !== 'dist/main.js') {
    throw new Error(`${DOCKERFILE}: the last CMD is not ["node", …, "dist/main.js"]`);
  }
  return cmd.slice(1, -1).filter((option) => {
    const accepted = spawnSync(process.execPath, [option, '-e', '']).status === 0;
    if (!accepted) {
      console.log(`[bench] Node ${process.version} does not take the image's ${option}: left out`);
    }
    return accepted;
  });
}

/** resources.limits.memory of the order-service container, in MiB ("512Mi", "1Gi"). */
export function deployedMemoryLimitMiB(): number {
  const [doc] = parseAllDocuments(readFileSync(DEPLOYMENT, 'utf8'));
  const containers = doc.getIn(['spec', 'template', 'spec', 'containers']) as {
    toJSON(): { name: string; resources?: { limits?: { memory?: string } } }[];
  };
  const limit = containers.toJSON().find((c) => c.name === 'order-service')?.resources
    ?.limits?.memory;
  const match = /^(\d+)(Mi|Gi)$/.exec(limit ?? '');
  if (!match) throw new Error(`${DEPLOYMENT}: no memory limit in Mi or Gi (found ${limit})`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

export interface MemoryCgroup {
  limitMiB: number;
  /** The heap limit Node chooses inside it (v8.getHeapStatistics().heap_size_limit). */
  heapLimitMiB: number;
  /** Write a pid here to move that process (and the children it starts) into the cgroup. */
  procs: string;
  remove(): void;
}

/** cgroup v1's memory controller, or v2's where it is enabled at the root. */
function controller(): { dir: string; limitFile: string } | undefined {
  if (existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) {
    return { dir: '/sys/fs/cgroup/memory', limitFile: 'memory.limit_in_bytes' };
  }
  const v2 = '/sys/fs/cgroup/cgroup.subtree_control';
  if (existsSync(v2) && readFileSync(v2, 'utf8').split(/\s+/).includes('memory')) {
    return { dir: '/sys/fs/cgroup', limitFile: 'memory.max' };
  }
  return undefined;
}

/**
 * A new memory cgroup capped at `limitMiB`, or the reason there is none (creating one takes
 * root, or a delegated cgroup tree).
 */
export function createMemoryCgroup(name: string, limitMiB: number): MemoryCgroup | string {
  const found = controller();
  if (!found) return 'no writable memory cgroup controller on this host';
  const dir = join(found.dir, name);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, found.limitFile), String(limitMiB * 1024 * 1024));
  } catch (error) {
    return `cannot create a memory cgroup (${(error as Error).message})`;
  }
  const procs = join(dir, 'cgroup.procs');
  const probe = spawnSync(
    '/bin/sh',
    [
      ...inCgroup(procs),
      process.execPath,
      '-p',
      'require("v8").getHeapStatistics().heap_size_limit',
    ],
    { encoding: 'utf8' },
  );
  return {
    limitMiB,
    heapLimitMiB: Number(probe.stdout.trim()) / 1024 / 1024,
    procs,
    remove: () => rmdirSync(dir),
  };
}

/** `/bin/sh` arguments that move the shell into the cgroup, then exec the command after them. */
export function inCgroup(procs: string): string[] {
  return ['-c', 'echo $$ > "$0" && exec "$@"', procs];
}

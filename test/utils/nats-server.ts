import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { OrderCloudEvent } from '../../src/events/cloud-event';
import { freePort } from './service';

// A real nats-server with JetStream for the event tests. No npm package ships the server, so
// the binary comes from the machine: NATS_SERVER_BIN, else `nats-server` on PATH, else the
// Debian package's /usr/sbin/nats-server (not on a non-root user's PATH).

const INSTALL_HINT =
  'install it (`apt-get install -y nats-server`) or set NATS_SERVER_BIN to its path';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The nats-server binary to run; throws one line saying how to get it when there is none. */
export function natsServerBinary(): string {
  const explicit = process.env.NATS_SERVER_BIN;
  if (explicit) {
    if (!executable(explicit)) {
      throw new Error(`nats-server not found at NATS_SERVER_BIN=${explicit}: ${INSTALL_HINT}`);
    }
    return explicit;
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  const found = dirs.filter(Boolean).find((dir) => executable(join(dir, 'nats-server')));
  if (!found) throw new Error(`nats-server not found: ${INSTALL_HINT}`);
  return join(found, 'nats-server');
}

/** A message of a stream: the parsed CloudEvent, its headers, subject and stream sequence. */
export interface StreamMessage {
  subject: string;
  streamSequence: number;
  headers: Record<string, string>;
  event: OrderCloudEvent;
}

export interface NatsServer {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Starts it again on the same port and store (after stop()); resolves once it accepts. */
  start(): Promise<void>;
  /**
   * Stops it, the store kept: SIGTERM (then SIGKILL after 5 s) by default, or SIGKILL at once
   * to simulate a crash.
   */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops it for good and deletes the store. */
  dispose(): Promise<void>;
  /** A client connection of the test's own (closed by dispose()). */
  client(): Promise<NatsConnection>;
  /** Every message of `stream` now, in stream order (read with an ordered consumer). */
  readStream(stream: string): Promise<StreamMessage[]>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
}

/** Starts `nats-server -js` on a free port with a temporary store directory. */
export async function startNatsServer(): Promise<NatsServer> {
  const binary = natsServerBinary();
  const check = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`${binary} --version failed: ${check.stderr}`);
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'nats-js-'));
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';
  let own: NatsConnection | undefined;

  const start = async (): Promise<void> => {
    if (child) throw new Error('nats-server is already running');
    const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
    const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child = started;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (started.exitCode !== null) break;
      // JetStream is ready once the server says so; the port alone opens a little earlier.
      if (/Server is ready/.test(output) && (await portOpen(port))) return;
      await sleep(25);
    }
    child = undefined;
    started.kill('SIGKILL');
    throw new Error(`nats-server did not start on port ${port}:\n${output}`);
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    // The test's own client starts afresh after a restart rather than reconnecting at its pace.
    await own?.close().catch(() => undefined);
    own = undefined;
    const running = child;
    if (!running) return;
    child = undefined;
    output = '';
    if (running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((ok) => running.once('exit', () => ok()));
    running.kill(signal);
    const killed = await Promise.race([
      exited.then(() => true),
      sleep(5000, false, { ref: false }),
    ]);
    if (!killed) {
      running.kill('SIGKILL');
      await exited;
    }
  };

  const client = async (): Promise<NatsConnection> => {
    if (!own || own.isClosed()) own = await connect({ servers: url, name: 'test-helper' });
    return own;
  };

  const readStream = async (stream: string): Promise<StreamMessage[]> => {
    const nc = await client();
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(stream);
    if (state.messages === 0) return [];
    // An ordered consumer reads the stream once from the start, without leaving state behind.
    const consumer = await jetstream(nc).consumers.get(stream, {
      deliver_policy: DeliverPolicy.All,
    });
    const messages: StreamMessage[] = [];
    const iterator = await consumer.consume();
    for await (const m of iterator) {
      const headers: Record<string, string> = {};
      for (const [key, values] of m.headers ?? []) headers[key] = values.join(',');
      messages.push({
        subject: m.subject,
        streamSequence: m.info.streamSequence,
        headers,
        event: m.json<OrderCloudEvent>(),
      });
      if (m.info.streamSequence >= state.last_seq || m.info.pending === 0) break;
    }
    await iterator.close();
    return messages;
  };

  // A test process that dies must not leave its broker behind.
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const dispose = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await stop();
    rmSync(storeDir, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (error) {
    process.off('exit', killOnExit);
    rmSync(storeDir, { recursive: true, force: true });
    throw error;
  }
  return { url, port, storeDir, start, stop, dispose, client, readStream };
}

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  ms = 10_000,
  what = 'the condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(
    `${what} did not happen within ${ms} ms${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

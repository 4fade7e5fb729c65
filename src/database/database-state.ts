import { Injectable } from '@nestjs/common';

export type DatabasePhase = 'connecting' | 'migrations-pending' | 'ready' | 'broken';

/**
 * Where the service stands with its database. Start-up never waits for it: until it is `ready`
 * the process answers probes (live 200, ready 503) and order routes answer 503.
 */
@Injectable()
export class DatabaseState {
  phase: DatabasePhase = 'connecting';
  /** Why it is not ready, for /health/ready and the 503s; undefined when ready. */
  detail?: string = 'Connecting to the database.';
  /** Migrations known to the build and not applied, while `migrations-pending`. */
  pending = 0;

  get ready(): boolean {
    return this.phase === 'ready';
  }

  set(phase: DatabasePhase, detail?: string, pending = 0): void {
    this.phase = phase;
    this.detail = phase === 'ready' ? undefined : detail;
    this.pending = pending;
  }
}

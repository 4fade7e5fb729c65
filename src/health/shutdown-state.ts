import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

/** Set as soon as shutdown begins, so readiness fails while in-flight requests still finish. */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  shuttingDown = false;

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}

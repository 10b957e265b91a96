import { Injectable } from '@nestjs/common';

/**
 * Where this instance is in its life, owned by the app instance (one per Nest application, not per
 * process): main.ts marks the start of a shutdown, readiness reports it, so load balancers move away
 * while the server still answers.
 */
@Injectable()
export class LifecycleService {
  private drainingSince: number | undefined;

  /** SIGTERM arrived: readiness fails from now on; requests are still served. */
  startDraining(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }
}

import type { ChildProcess } from 'node:child_process';

/** deploy/haproxy.cfg with the frontend on 127.0.0.1:frontPort and one server line per port (see haproxy.js). */
export declare function haproxyConfig(frontPort: number, serverPorts: number[]): string;

export interface RunningHaproxy {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Debian's haproxy in the foreground with that configuration, once its frontend answers /health/ready. */
export declare function startHaproxy(frontPort: number, serverPorts: number[], options?: { timeoutMs?: number }): Promise<RunningHaproxy>;

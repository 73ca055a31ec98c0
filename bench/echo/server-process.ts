// A benchmarked server: spawned on core 0 with the bench hooks preloaded, ready once it
// prints "listening on http://HOST:PORT"; its RSS is read from /proc.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, Tail, exited, onLines, spawnPinnedNode, stopChild, withTimeout } from './children.js';
import { GC_ACK, LOOP_DELAY_REPORT } from './config.js';

export const SERVER_CPU = 0;
const LISTENING = /^listening on http:\/\/([^\s/]+):(\d+)\s*$/;
const START_TIMEOUT_MS = 15_000;
const MAX_FORWARDED_LINES = 10;

export interface ServerSpec {
  name: string;
  /** Script (relative to the project root) and its flags. */
  args: string[];
  /** Flags for node itself, before the script. */
  nodeFlags?: string[];
}

export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
  /** GC pauses in the same window. */
  gc: { count: number; totalMs: number; maxMs: number };
}

export class RunningServer {
  host = '';
  port = 0;
  private readonly tail = new Tail();
  private gcWaiters: (() => void)[] = [];
  private loopWaiters: ((delay: LoopDelay) => void)[] = [];
  private forwarded = 0;

  private constructor(
    readonly spec: ServerSpec,
    private readonly child: ChildProcess,
  ) {}

  static async start(spec: ServerSpec): Promise<RunningServer> {
    const hooks = pathToFileURL(join(ROOT, 'build/bench/echo/server-hooks.js')).href;
    const child = spawnPinnedNode(SERVER_CPU, ['--expose-gc', ...(spec.nodeFlags ?? []), '--import', hooks, ...spec.args]);
    const server = new RunningServer(spec, child);
    const listening = new Promise<void>((resolve, reject) => {
      onLines(child.stdout!, (line) => {
        const match = LISTENING.exec(line);
        if (match && server.port === 0) {
          server.host = match[1]!;
          server.port = Number(match[2]);
          resolve();
        } else server.log(line);
      });
      onLines(child.stderr!, (line) => {
        if (line.startsWith(GC_ACK)) server.gcWaiters.splice(0).forEach((wake) => wake());
        else if (line.startsWith(LOOP_DELAY_REPORT)) {
          const delay = JSON.parse(line.slice(LOOP_DELAY_REPORT.length)) as { p99Ms: number | null; maxMs: number | null; gc: LoopDelay['gc'] };
          server.loopWaiters.splice(0).forEach((wake) => wake({ p99Ms: delay.p99Ms ?? NaN, maxMs: delay.maxMs ?? NaN, gc: delay.gc }));
        }
        else server.log(line);
      });
      void exited(child).then(({ code, signal }) =>
        reject(new Error(`${spec.name} exited (${signal ?? code}) before listening:\n${server.tail}`)),
      );
    });
    try {
      await withTimeout(listening, START_TIMEOUT_MS, `${spec.name} start`);
    } catch (err) {
      await stopChild(child);
      throw err;
    }
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Full GC in the server (through the preloaded hook), acknowledged. */
  async gc(): Promise<void> {
    const done = new Promise<void>((resolve) => this.gcWaiters.push(resolve));
    this.child.kill('SIGUSR2');
    await withTimeout(done, 5000, `${this.spec.name} gc`);
  }

  /** Starts a window of the server's event-loop delay (measured by the preloaded hook). */
  resetLoopDelay(): void {
    this.child.stdin!.write('loop-reset\n');
  }

  /** The server's event-loop delay since resetLoopDelay: how long it could not answer anything. */
  async loopDelay(): Promise<LoopDelay> {
    const report = new Promise<LoopDelay>((resolve) => this.loopWaiters.push(resolve));
    this.child.stdin!.write('loop-delay\n');
    return withTimeout(report, 5000, `${this.spec.name} loop delay`);
  }

  /** Starts V8's CPU profiler in the server (through the preloaded hook). */
  startProfile(): void {
    this.child.stdin!.write('profile-start\n');
  }

  /** Stops it and has the server write the profile to `file` (.cpuprofile). */
  stopProfile(file: string): void {
    this.child.stdin!.write(`profile-stop ${file}\n`);
  }

  /** Resident set size (VmRSS) in KiB. */
  rssKiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  }

  recentOutput(): string {
    return this.tail.toString();
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
  }

  private log(line: string): void {
    this.tail.push(line);
    if (this.forwarded < MAX_FORWARDED_LINES) console.error(`  [${this.spec.name}] ${line}`);
    else if (this.forwarded === MAX_FORWARDED_LINES) console.error(`  [${this.spec.name}] (further output not shown)`);
    this.forwarded++;
  }
}

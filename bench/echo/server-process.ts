// A benchmarked server: spawned on core 0 with the bench hooks preloaded, ready once it
// prints "listening on http://HOST:PORT"; its RSS is read from /proc. A server that forks
// workers (`--workers N`, node:cluster) is its process and its children: CPU, RSS and GC cover all.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, Tail, exited, onLines, spawnPinnedNode, stopChild, withTimeout } from './children.js';
import { processCpuSeconds } from './cpu-window.js';
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
  /** taskset's CPU list; default SERVER_CPU. Forked workers inherit it. */
  cpus?: string;
  /** "listening" lines to wait for: one per worker of a `--workers N` server (they share the port). */
  listeners?: number;
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
  private gcAcks = 0;
  private gcWaiters: { acks: number; wake: () => void }[] = [];
  private loopWaiters: ((delay: LoopDelay) => void)[] = [];
  private forwarded = 0;

  private constructor(
    readonly spec: ServerSpec,
    private readonly child: ChildProcess,
  ) {}

  static async start(spec: ServerSpec): Promise<RunningServer> {
    const hooks = pathToFileURL(join(ROOT, 'build/bench/echo/server-hooks.js')).href;
    const child = spawnPinnedNode(spec.cpus ?? SERVER_CPU, ['--expose-gc', ...(spec.nodeFlags ?? []), '--import', hooks, ...spec.args]);
    const server = new RunningServer(spec, child);
    let listeners = 0;
    const listening = new Promise<void>((resolve, reject) => {
      onLines(child.stdout!, (line) => {
        const match = LISTENING.exec(line);
        if (match && listeners < (spec.listeners ?? 1)) {
          if (server.port !== 0 && (match[1] !== server.host || Number(match[2]) !== server.port)) {
            reject(new Error(`${spec.name}: workers listen on different addresses (${server.host}:${server.port}, ${match[1]}:${match[2]})`));
          }
          server.host = match[1]!;
          server.port = Number(match[2]);
          if (++listeners === (spec.listeners ?? 1)) resolve();
        } else server.log(line);
      });
      onLines(child.stderr!, (line) => {
        if (line.startsWith(GC_ACK)) {
          server.gcAcks++;
          server.gcWaiters = server.gcWaiters.filter((w) => (server.gcAcks >= w.acks ? (w.wake(), false) : true));
        } else if (line.startsWith(LOOP_DELAY_REPORT)) {
          const delay = JSON.parse(line.slice(LOOP_DELAY_REPORT.length)) as { p99Ms: number | null; maxMs: number | null; gc: LoopDelay['gc'] };
          server.loopWaiters.splice(0).forEach((wake) => wake({ p99Ms: delay.p99Ms ?? NaN, maxMs: delay.maxMs ?? NaN, gc: delay.gc }));
        } else server.log(line);
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

  /** The server's process and its child processes (the workers of `--workers N`). */
  processIds(): number[] {
    const ids = [this.pid];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === this.pid) ids.push(Number(name)); // field 4: ppid
      } catch {
        // gone meanwhile
      }
    }
    return ids;
  }

  /** CPU seconds (user + system) used so far by the server's processes, all of them. */
  cpuSeconds(ids = this.processIds()): number {
    return ids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  }

  /** Full GC in every process of the server (through the preloaded hook), each acknowledged. */
  async gc(): Promise<void> {
    const ids = this.processIds();
    const done = new Promise<void>((resolve) => this.gcWaiters.push({ acks: this.gcAcks + ids.length, wake: resolve }));
    for (const pid of ids) process.kill(pid, 'SIGUSR2');
    await withTimeout(done, 5000, `${this.spec.name} gc`);
  }

  /** Starts a window of the server's event-loop delay (measured by the preloaded hook). */
  resetLoopDelay(): void {
    this.child.stdin!.write('loop-reset\n');
  }

  /**
   * The server's event-loop delay since resetLoopDelay: how long it could not answer anything.
   * One process's: the workers of `--workers N` share its stdin, so whichever reads the line answers.
   */
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

  /** Resident set size (VmRSS) in KiB, summed over the server's processes. */
  rssKiB(): number {
    return this.processIds().reduce((sum, pid) => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return sum + Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
    }, 0);
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

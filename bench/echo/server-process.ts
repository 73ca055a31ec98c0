// A benchmarked server: spawned on core 0 with the bench hooks preloaded, ready once it
// prints "listening on http://HOST:PORT"; its RSS and CPU time are read from /proc.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, Tail, exited, onLines, spawnPinnedNode, stopChild, withTimeout } from './children.js';
import { GC_ACK } from './config.js';

export const SERVER_CPU = 0;
const LISTENING = /^listening on http:\/\/([^\s/]+):(\d+)\s*$/;
const START_TIMEOUT_MS = 15_000;
const MAX_FORWARDED_LINES = 10;
const USER_HZ = 100; // /proc/PID/stat clock ticks per second on Linux

export interface ServerSpec {
  name: string;
  /** Script (relative to the project root) and its flags. */
  args: string[];
}

export class RunningServer {
  host = '';
  port = 0;
  private readonly tail = new Tail();
  private gcWaiters: (() => void)[] = [];
  private forwarded = 0;

  private constructor(
    readonly spec: ServerSpec,
    private readonly child: ChildProcess,
  ) {}

  static async start(spec: ServerSpec): Promise<RunningServer> {
    const hooks = pathToFileURL(join(ROOT, 'build/bench/echo/server-hooks.js')).href;
    const child = spawnPinnedNode(SERVER_CPU, ['--expose-gc', '--import', hooks, ...spec.args]);
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

  /** Resident set size (VmRSS) in KiB. */
  rssKiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  }

  /** CPU time (user + system, all threads) used so far, in seconds. */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ; // utime, stime (fields 14, 15)
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

/** Busy CPU time of the whole machine (all cores) so far, in seconds, from /proc/stat. */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / USER_HZ;
}

/**
 * CPU use between a generator's measure-start and measure-end events: the server's,
 * and the whole machine's (to spot other processes disturbing the measurement).
 */
export class ServerCpuWindow {
  private cpu0 = 0;
  private busy0 = 0;
  private wall0 = 0;
  percent = NaN;
  machinePercent = NaN;

  constructor(private readonly server: RunningServer) {}

  onEvent(event: string): void {
    if (event === 'measure-start') {
      this.cpu0 = this.server.cpuSeconds();
      this.busy0 = machineBusySeconds();
      this.wall0 = performance.now();
    } else if (event === 'measure-end' && this.wall0 > 0) {
      const wallS = (performance.now() - this.wall0) / 1000;
      this.percent = ((this.server.cpuSeconds() - this.cpu0) / wallS) * 100;
      this.machinePercent = ((machineBusySeconds() - this.busy0) / wallS) * 100;
    }
  }

  /** Machine CPU % not explained by the server and the generator (other processes, kernel). */
  otherPercent(generatorPercent: number): number {
    return this.machinePercent - this.percent - generatorPercent;
  }
}

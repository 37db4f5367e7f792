import { performance } from 'node:perf_hooks';
import { TrialError } from '../errors.js';
import { ConsoleLines, parseAgentLine, type AgentEvent } from './agent-protocol.js';
import type { TrialObserver } from './backend.js';

/** What the console showed by the time the guest finished. */
export interface ConsoleResult {
  readyAtMs: number;
  readyUptimeSeconds: number;
  initramfsUptimeSeconds?: number;
  exitStatus: number;
}

/**
 * Follows a guest's console: forwards agent events to the observer in order, and resolves once the
 * agent printed EXIT. Rejects with a TrialError (console tail attached) when READY or EXIT does not
 * come in time, the console ends early, or the run is aborted.
 */
export class ConsoleWatch {
  readonly lines = new ConsoleLines();
  readonly done: Promise<ConsoleResult>;
  #resolve!: (result: ConsoleResult) => void;
  #reject!: (error: unknown) => void;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #ready: { atMs: number; uptime: number } | undefined;
  #initramfsUptime: number | undefined;
  #settled = false;
  /** The guest's last ERROR line: why a console that ends early ended, when the guest said. */
  #lastError: string | undefined;
  readonly #workloadTimeoutMs: number;
  readonly #readyTimeoutMs: number;
  readonly #observer: TrialObserver;
  readonly #onAbort: () => void;
  readonly #signal: AbortSignal;

  /**
   * The READY budget runs from construction, or with `readyClock: 'on-start'` from `guestStarted()`:
   * a runtime whose own tooling starts the guest (Vagrant) must not spend the guest's budget.
   */
  constructor(
    observer: TrialObserver,
    options: {
      readyTimeoutMs: number;
      workloadTimeoutMs: number;
      signal: AbortSignal;
      readyClock?: 'now' | 'on-start';
    },
  ) {
    this.#observer = observer;
    this.#workloadTimeoutMs = options.workloadTimeoutMs;
    this.#readyTimeoutMs = options.readyTimeoutMs;
    this.#signal = options.signal;
    this.done = new Promise<ConsoleResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done.catch(() => undefined);
    if (options.readyClock !== 'on-start') this.guestStarted();
    // Events the host itself observes (a user's image is READY when the host reaches it) join the same order.
    observer.bindHostEvents?.((event, atMs) => this.#handle(event, atMs));
    this.#onAbort = () => this.fail('aborted', options.signal.reason);
    options.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Start the READY budget now (once; a READY already seen or a settled watch ignores it). */
  guestStarted(): void {
    if (this.#timer !== undefined || this.#ready || this.#settled) return;
    const seconds = this.#readyTimeoutMs / 1000;
    const what = this.#observer.notReady ?? 'guest never printed READY';
    this.#timer = setTimeout(() => this.fail(`${what} within ${seconds} s of starting`), this.#readyTimeoutMs);
  }

  /** Whether the trial already ended (EXIT seen, or failed). */
  get settled(): boolean {
    return this.#settled;
  }

  /** Feed console output. */
  feed(chunk: string): void {
    const at = performance.now();
    for (const line of this.lines.push(chunk)) {
      this.#observer.consoleLine?.(line, at);
      const event = parseAgentLine(line);
      if (event && (this.#observer.consoleEvents?.includes(event.type) ?? true)) this.#handle(event, at);
    }
  }

  #handle(event: AgentEvent, atMs: number): void {
    if (this.#settled) return;
    if (event.type === 'error') this.#lastError = event.message;
    if (event.type === 'initramfs') this.#initramfsUptime = event.uptimeSeconds;
    if (event.type === 'ready' && !this.#ready) {
      this.#ready = { atMs, uptime: event.uptimeSeconds };
      clearTimeout(this.#timer);
      this.#timer = setTimeout(
        () => this.fail(`workload did not finish within ${this.#workloadTimeoutMs / 1000} s after READY`),
        this.#workloadTimeoutMs,
      );
    }
    this.#chain = this.#chain.then(() => this.#observer.agentEvent(event, atMs));
    if (event.type === 'exit') {
      const ready = this.#ready;
      if (!ready) {
        this.fail('guest printed EXIT without READY');
        return;
      }
      void this.#chain.then(() =>
        this.#settle(() =>
          this.#resolve({
            readyAtMs: ready.atMs,
            readyUptimeSeconds: ready.uptime,
            initramfsUptimeSeconds: this.#initramfsUptime,
            exitStatus: event.status,
          }),
        ),
      );
    }
  }

  /** The console ended (process exited, stream closed) — fails the trial unless EXIT was seen. */
  ended(why: string): void {
    void this.#chain.then(() => this.fail(this.#lastError ? `${this.#lastError} (${why})` : why));
  }

  /** Fail the trial now with a reason. */
  fail(reason: string, cause?: unknown): void {
    this.#settle(() => {
      const readyAtMs = this.#ready?.atMs;
      const error = this.#signal.aborted
        ? this.#signal.reason
        : new TrialError(reason, {
            cause,
            consoleTail: this.lines.tail(),
            ...(readyAtMs === undefined ? {} : { readyAtMs }),
          });
      this.#reject(error);
    });
  }

  #settle(action: () => void): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#signal.removeEventListener('abort', this.#onAbort);
    action();
  }
}

// When the server dies, restart it a few times with back-off, then give up (no crash loop).

export interface RestartPolicyOptions {
  /** Restarts allowed within `windowMs` before giving up. */
  maxRestarts: number;
  /** Crashes older than this are forgotten (a server that ran this long was healthy). */
  windowMs: number;
  /** Delay before the first restart; doubled each time, capped by `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  maxRestarts: 3,
  windowMs: 3 * 60 * 1000,
  baseDelayMs: 1000,
  maxDelayMs: 16000,
};

export type RestartDecision =
  | { restart: true; delayMs: number; attempt: number; maxRestarts: number }
  | { restart: false; crashes: number; maxRestarts: number };

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash and says whether (and after how long) to restart. */
  onCrash(): RestartDecision {
    const t = this.now();
    this.crashes = this.crashes.filter((c) => t - c < this.options.windowMs);
    this.crashes.push(t);
    const attempt = this.crashes.length;
    if (attempt > this.options.maxRestarts) {
      return { restart: false, crashes: attempt, maxRestarts: this.options.maxRestarts };
    }
    const delayMs = Math.min(this.options.baseDelayMs * 2 ** (attempt - 1), this.options.maxDelayMs);
    return { restart: true, delayMs, attempt, maxRestarts: this.options.maxRestarts };
  }

  /** A restart asked for by the user (or a settings change) starts with a clean slate. */
  reset(): void {
    this.crashes = [];
  }

  get recentCrashes(): number {
    const t = this.now();
    return this.crashes.filter((c) => t - c < this.options.windowMs).length;
  }
}

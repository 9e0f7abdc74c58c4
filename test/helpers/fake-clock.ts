import { Clock } from '../../src/hal/types';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every: number; // 0 for a one-shot timer
}

/** A manual clock: time moves only through advance(), which fires due timers in time order. */
export class FakeClock implements Clock {
  private t: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(startMs = 0) {
    this.t = startMs;
  }
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    return this.add(fn, ms, 0);
  }
  setInterval(fn: () => void, ms: number) {
    return this.add(fn, ms, Math.max(1, ms));
  }
  clearTimeout(id: any) {
    this.timers = this.timers.filter((t) => t.id !== id);
  }
  clearInterval(id: any) {
    this.clearTimeout(id);
  }
  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      let next: Timer | null = null;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.t = next.at;
      if (next.every) next.at += next.every;
      else this.timers = this.timers.filter((t) => t !== next);
      next.fn();
    }
    this.t = end;
  }
  /** Timers still pending. */
  pending() {
    return this.timers.length;
  }
  private add(fn: () => void, ms: number, every: number) {
    const id = this.nextId++;
    this.timers.push({ id, at: this.t + Math.max(0, ms || 0), fn, every });
    return id;
  }
}

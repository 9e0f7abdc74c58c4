// A manual Clock for tests: time moves only when the test calls advance(), and due timers fire in
// time order (same due time: in the order they were set), each seeing now() equal to its due time.

import { Clock } from '../../src/hal/types';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
  /** Repeat period for setInterval; 0 for a one-shot timer. */
  every: number;
  seq: number;
}

export class FakeClock implements Clock {
  private time: number;
  private timers = new Map<number, Timer>();
  private nextId = 1;
  private nextSeq = 0;

  /** `start`: the initial now(), ms since the epoch. */
  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): any {
    return this.add(fn, ms, 0);
  }

  clearTimeout(handle: any): void {
    this.timers.delete(handle);
  }

  setInterval(fn: () => void, ms: number): any {
    return this.add(fn, ms, Math.max(1, ms || 0));
  }

  clearInterval(handle: any): void {
    this.timers.delete(handle);
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.time + Math.max(0, ms);
    for (;;) {
      const t = this.nextDue(end);
      if (!t) break;
      this.time = t.due;
      if (t.every) {
        t.due += t.every;
        t.seq = this.nextSeq++;
      } else {
        this.timers.delete(t.id);
      }
      t.fn();
    }
    this.time = end;
  }

  /** Moves time to the absolute `when` (no-op if already past). */
  advanceTo(when: number): void {
    this.advance(when - this.time);
  }

  /** Number of pending timers. */
  pending(): number {
    return this.timers.size;
  }

  private add(fn: () => void, ms: number, every: number): number {
    const id = this.nextId++;
    const delay = Math.max(0, Number(ms) || 0);
    this.timers.set(id, { id, due: this.time + delay, fn, every, seq: this.nextSeq++ });
    return id;
  }

  private nextDue(end: number): Timer | null {
    let best: Timer | null = null;
    for (const t of this.timers.values()) {
      if (t.due > end) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

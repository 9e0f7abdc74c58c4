import { Storage } from '../../../src/hal/types';

/** A Storage in memory; `tearNext` makes the next write store only its first half and throw. */
export class MemStorage implements Storage {
  files: { [name: string]: string } = {};
  writes = 0;
  tearNext = false;
  read(name: string): string | undefined {
    return this.files[name];
  }
  write(name: string, data: string): void {
    this.writes++;
    if (this.tearNext) {
      this.tearNext = false;
      this.files[name] = data.substr(0, data.length >> 1);
      throw new Error('power cut');
    }
    this.files[name] = data;
  }
  erase(name: string): void {
    delete this.files[name];
  }
}

/** Records the claims made, like ClaimsArbiter.claim/release. */
export class FakeClaims {
  claims: { [client: number]: any } = {};
  log: string[] = [];
  /** When set, log lines carry the time: "2026-01-14T12:00:00 disabled". */
  now: (() => number) | null = null;
  private put(what: string) {
    this.log.push(this.now ? new Date(this.now()).toISOString().substr(0, 19) + ' ' + what : what);
  }
  claim(client: number, priority: number, props: any): string | null {
    const prev = this.claims[client];
    this.claims[client] = { priority, ...props };
    if (!prev || prev.state !== props.state) this.put(props.state);
    return null;
  }
  release(client: number): boolean {
    const had = client in this.claims;
    delete this.claims[client];
    if (had) this.put('released');
    return had;
  }
}

import { Storage } from '../../../src/hal/types';

/** A Storage in memory; `tearNext` makes the next write store only its first half and throw. */
export class MemStorage implements Storage {
  files: { [name: string]: string } = {};
  writes = 0;
  tearNext = false;
  read(name: string): string | undefined {
    return this.files[name];
  }
  /**
   * With `offset`, as Espruino's Storage: offset 0 makes the file `total` bytes long (erased: 0xFF
   * after the data), a later offset writes into the file's erased bytes only. A torn write keeps
   * the first half of `data`.
   */
  write(name: string, data: string, offset?: number, total?: number): void {
    this.writes++;
    const tear = this.tearNext;
    this.tearNext = false;
    const put = tear ? data.substr(0, data.length >> 1) : data;
    if (!offset) {
      this.files[name] = offset === 0 && total ? put + '\xFF'.repeat(Math.max(0, total - put.length)) : put;
    } else {
      const f = this.files[name];
      if (f === undefined || offset + data.length > f.length) throw new Error('write outside ' + name);
      if (!/^\xFF*$/.test(f.substr(offset, data.length))) throw new Error('write over written bytes of ' + name);
      this.files[name] = f.substr(0, offset) + put + f.substr(offset + put.length);
    }
    if (tear) throw new Error('power cut');
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

// SNTP client (RFC 4330) over the HAL's UDP: while `sntp_enabled`, asks `sntp_hostname` for the
// time at start, then every hour, and on `sync_now`; a good answer sets the gateway's clock and
// the controller's RTC (core/time/time-set.ts). No good answer: retry after 10 s, 30 s, 90 s,
// 5 min, then every 30 min (the reference's back-off).
// The reference polls every 8 h; this gateway every hour, since the Node host's and the ESP32's
// oscillators both drift by seconds a day.
//
// This is the part that stays alive: the schedule, the retry count and the /time fields. The
// request itself (packets, socket, timeout, checks) is services/sntp-exchange.ts, which the
// service gets from `opts.loadExchange` for each request and does not keep: on the ESP32 that is a
// `lazy:` loader, so the exchange's functions exist only during a sync, not all hour (measured with
// scripts/bench-features.js: SNTP 373 JsVars resident before the split, 119 after; a request in
// flight adds ~200 for its time).
import type { Gateway } from '../app';
import type { UdpSocket } from '../hal/types';

/** What a request needs: services/sntp-exchange.ts. */
export interface SntpExchange {
  sntpSync(svc: SntpService): void;
}

export interface SntpOptions {
  /** The exchange module, fetched again for each request (on the ESP32 it is defined anew). */
  loadExchange: () => SntpExchange;
  /** How long to wait for a reply (default 5 s). */
  timeoutMs?: number;
  /** Time between good syncs (default 1 h). */
  intervalMs?: number;
  /** Waits after the 1st, 2nd, ... failure; the last one repeats (default 10 s ... 30 min). */
  retryMs?: number[];
}

// The fields below are read and written by the exchange too (hence not private). The timings stay
// in `opts`, their defaults in the exchange: nothing to copy into RAM here.
export class SntpService {
  /** Unix seconds of the last good sync, 0 before the first (`ntp_last_sync`). */
  lastSync = 0;
  /** Where the last good answer came from (`ntp_server_ip`). */
  serverIp = '';
  /** Failures in a row: the step on the retry ladder; > 0 is status "retry". */
  retries = 0;
  /** The next request's timer, or the running request's timeout. */
  timer: any = null;
  /** now() when the next request is due; 0 when none is planned. */
  nextAt = 0;
  /** The running request's socket, null between requests: a reply or timeout for another is dropped. */
  sock: UdpSocket | null = null;

  /**
   * Starts the client: a request now. The same function as syncNow() (one function object less):
   * every caller starts a stopped client (Gateway.start(), a feature attached later,
   * configChanged() after stop()), so there is never a planned request to keep.
   */
  declare start: () => void;

  constructor(public gw: Gateway, public opts: SntpOptions) {}

  /**
   * Cancels the request under way and the one planned. With `nextMs` (the exchange ending a
   * request), then plans the next request that far ahead: the timer's closure is made here, not
   * in the exchange, so that it does not keep the exchange alive until then.
   */
  stop(nextMs?: number): void {
    var self = this;
    var clock = this.gw.hal.clock;
    if (this.timer) clock.clearTimeout(this.timer);
    if (this.sock) this.sock.close();
    this.timer = this.sock = null;
    this.nextAt = nextMs ? clock.now() + nextMs : 0;
    if (nextMs) {
      this.timer = clock.setTimeout(function () {
        self.timer = null;
        self.opts.loadExchange().sntpSync(self);
      }, nextMs);
    }
  }

  configChanged(changed: string[]): void {
    for (var i = 0; i < changed.length; i++) {
      if (changed[i] === 'sntp_enabled' || changed[i] === 'sntp_hostname') {
        this.stop();
        this.syncNow();
        return;
      }
    }
  }

  /** `{"sync_now":true}`: a request now, unless one is under way (nothing while disabled). */
  syncNow(): void {
    if (!this.gw.config.get('sntp_enabled') || this.sock) return;
    this.stop();
    this.retries = 0;
    this.opts.loadExchange().sntpSync(this);
  }

  /** The reference's /time fields: ntp_status, ntp_last_sync, ntp_next_sync_ms, ntp_server_ip. */
  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    var on = this.gw.config.get('sntp_enabled');
    doc.ntp_status = !on ? 'disabled' : this.sock ? 'connecting' : this.retries > 0 ? 'retry' : this.lastSync ? 'synchronized' : 'waiting';
    doc.ntp_last_sync = this.lastSync;
    if (on && (this.sock || this.nextAt)) doc.ntp_next_sync_ms = this.sock ? 0 : Math.max(0, this.nextAt - this.gw.hal.clock.now());
    if (this.serverIp) doc.ntp_server_ip = this.serverIp;
    return doc;
  }
}
SntpService.prototype.start = SntpService.prototype.syncNow;

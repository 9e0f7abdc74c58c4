// Emoncms input posting (ref/openevse-gateway.md §3): every 30 s, right after an emoncms_*
// setting changes, and on each divert update, a GET of
//   <emoncms_server>/input/post?fulljson=<status JSON>&node=<emoncms_node>&apikey=<emoncms_apikey>
// An answer of `ok` or JSON `{"success":true}` counts as success. `packets_sent` counts requests,
// `packets_success` successes; `emoncms_connected` (0/1) and `emoncms_message` are published when
// they change. One request at a time: a divert update due while a post is out is owed, and one
// post of the divert's fields as they are then follows as soon as that one is answered (a burst
// of feeds becomes one post with the newest values, not a queue); a 30 s post due meanwhile is
// dropped, the next one comes anyway. After a failure the next post waits 30 s, doubling to
// 5 min (an owed update then too). `emoncms_fingerprint` is not used (as in HEAD).
//
// This is the part that stays alive: the 30 s timer, the counters, the back-off and the status
// fields. The request itself (the document, the URL, the GET and reading its answer) is
// services/emoncms-post.ts, which the service gets from `opts.loadRequest` for each post and does
// not keep: on the ESP32 that is a `lazy:` loader, so its functions exist only while a post is
// out, a moment every 30 s (measured with scripts/bench-features.js: emoncms 221 JsVars resident
// before the split, 152 after).
import type { Gateway } from '../app';
import type { HttpClient } from '../hal/types';

var INTERVAL_MS = 30000;
/**
 * The first post after a start waits this long: a settings change that starts several services
 * at once (POST /config, which MQTT also publishes whole as `<base>/config`) would otherwise
 * build all of their requests in the same moment, and ran a 5,800-var device out of memory
 * (npm run bench:memory -- --services).
 */
var FIRST_POST_MS = 3000;

/** What a post needs: services/emoncms-post.ts. */
export interface EmoncmsRequest {
  emoncmsPost(svc: EmoncmsService, data: { [key: string]: any } | null): void;
}

export interface EmoncmsOptions {
  /** The request module, fetched again for each post (on the ESP32 it is defined anew). */
  loadRequest: () => EmoncmsRequest;
  /** Per request (default 10 s; tests use less). */
  timeoutMs?: number;
}

// The fields below are read and written by the request module too (hence not private).
export class EmoncmsService {
  connected = 0;
  message = 'Disabled';
  sent = 0;
  success = 0;
  /** The 30 s interval while running, null while stopped. */
  timer: any = null;
  /** Sequence number of the request out, 0 when none. */
  busy = 0;
  /** A divert update came while a post was out: one post of the divert's fields is owed. */
  pending = false;
  seq = 0;
  /** The wait after the last failure (ms), 0 while all is well; no post before `notBefore`. */
  backoff = 0;
  notBefore = 0;

  /**
   * A divert update (solar / grid_ie feed): post the divert event object itself. The same function
   * as post() (one function object less): post() too sends only while running.
   */
  declare divertUpdate: (event: { [key: string]: any }) => void;

  /** Starts the 30 s posts when enabled (the first one 3 s after): configChanged() without a list. */
  declare start: () => void;

  constructor(public gw: Gateway, public http: HttpClient, public opts: EmoncmsOptions) {}

  /**
   * Restarts the posts when an emoncms_* setting changed. Without a list this is start() (the
   * same function, one function object less): it starts the 30 s posts when enabled and not
   * running yet, and posts once 3 s after.
   */
  configChanged(changed?: string[]): void {
    var c = this.gw.config;
    if (changed) {
      var i = 0;
      while (i < changed.length && changed[i].substr(0, 8) !== 'emoncms_') i++;
      if (i === changed.length) return;
      this.stop();
    }
    if (this.timer || !c.get('emoncms_enabled') || !c.get('emoncms_apikey') || !c.get('emoncms_server')) return;
    // (post() bound, not a closure: that would keep this call's scope, `changed` with it; and made
    // here, in the resident part: one made by the request module would keep that module alive)
    var post = this.post.bind(this, null);
    var clock = this.gw.hal.clock;
    this.timer = clock.setInterval(post, INTERVAL_MS);
    clock.setTimeout(post, FIRST_POST_MS);
  }

  stop(): void {
    var clock = this.gw.hal.clock;
    if (this.timer) clock.clearInterval(this.timer);
    this.timer = null;
    this.busy = 0;
    this.pending = false;
    this.backoff = this.notBefore = 0;
    // published only when it changes, as every state the request module sets
    if (this.connected === 0 && this.message === 'Disabled') return;
    this.connected = 0;
    this.message = 'Disabled';
    this.gw.publish(this.statusFields({}));
  }

  /** Adds the status fields to `doc` (for /status). */
  statusFields(doc: { [key: string]: any }): { [key: string]: any } {
    doc.emoncms_connected = this.connected;
    doc.emoncms_message = this.message;
    doc.packets_sent = this.sent;
    doc.packets_success = this.success;
    return doc;
  }

  /**
   * One GET while running; `data` null means the status document's plain values. Nothing (and
   * the request module is not fetched) while stopped or disabled, or while backing off; while a
   * post is out a divert update (`data`) is owed (emoncms-post.ts sends it after the answer).
   */
  post(data: { [key: string]: any } | null): void {
    var c = this.gw.config;
    if (!this.timer || !c.get('emoncms_enabled') || !c.get('emoncms_apikey') || !c.get('emoncms_server')) return;
    if (this.busy) {
      // a flag, not the object: the follow-up reads the divert's fields when it goes, so it
      // carries the newest values and nothing is held meanwhile
      if (data) this.pending = true;
      return;
    }
    if (this.gw.hal.clock.now() < this.notBefore) return;
    this.opts.loadRequest().emoncmsPost(this, data);
  }
}
EmoncmsService.prototype.divertUpdate = EmoncmsService.prototype.post;
EmoncmsService.prototype.start = EmoncmsService.prototype.configChanged;

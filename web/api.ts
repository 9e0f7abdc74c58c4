// Talking to the gateway: one fetch helper (every answer is {ok, code, data}; 501 means "not built
// yet" and the UI shows the control disabled), and one live status store fed by /ws.
import { useEffect, useState } from 'preact/hooks';

export interface Reply {
  ok: boolean;
  code: number;
  data: any;
}

export function api(path: string, method = 'GET', body?: any): Promise<Reply> {
  var init: RequestInit = { method: method, headers: { 'X-Requested-With': 'OpenEVSE' } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  return fetch(path, init).then(
    function (r) {
      return r.text().then(function (t) {
        var data: any = t;
        try {
          data = JSON.parse(t);
        } catch (e) {}
        return { ok: r.ok, code: r.status, data: data };
      });
    },
    function () {
      return { ok: false, code: 0, data: { msg: 'The gateway did not answer' } };
    }
  );
}

/** The message of a failed reply, for people. A 501 is a feature not built yet, unless it says more. */
export function why(r: Reply): string {
  var m = r.data && r.data.msg;
  if (r.code === 501 && (!m || /^Not /.test(m))) return 'Coming soon';
  return m || (typeof r.data === 'string' && r.data) || 'Error ' + r.code;
}

// ---- live status ----
export var status: any = {};
/**
 * The chart's points [time ms, charging W, solar W, grid W] (null: not known), oldest first, at
 * most HISTORY_MS old: the gateway's /history when the page opens (and after a lost connection),
 * then samples of the live status.
 */
export var points: Array<Array<number | null>> = [];
export var HISTORY_MS = 6 * 3600e3;
/** Points further apart than this are not joined by the chart's lines. */
export var chart = { gap: 300e3 };
var listeners: Array<() => void> = [];
var version = 0;
/** Index of the first live sample in `points` (those before came from /history). */
var live = 0;

function changed() {
  version++;
  for (var i = 0; i < listeners.length; i++) listeners[i]();
}

export function merge(part: any) {
  for (var k in part) status[k] = part[k];
  if ('power' in part || 'amp' in part || 'solar' in part || 'grid_ie' in part) sample();
  changed();
}

function num(v: any): number | null {
  return typeof v === 'number' ? v : null;
}

function sample() {
  var now = Date.now();
  var w = status.power !== undefined ? status.power : ((status.amp || 0) * (status.voltage || 240)) / 1000;
  var p = [now, w, num(status.solar), num(status.grid_ie)];
  var last = points[points.length - 1];
  // one point per 5 s is plenty for hours on a phone-wide chart; the newest value wins
  if (last && points.length - live > 1 && now - (last[0] as number) < 5000) points[points.length - 1] = p;
  else points.push(p);
  trim(now);
}

function trim(now: number) {
  while (points.length && (points[0][0] as number) < now - HISTORY_MS) {
    points.shift();
    if (live > 0) live--;
  }
}

/** The gateway's history before the live samples (which keep the newest word where both exist). */
export function loadHistory() {
  api('/history').then(function (r) {
    var d = r.data;
    if (!r.ok || !d || !(d.power instanceof Array)) return;
    // placed by the gateway's clock (unset for a while after boot) relative to ours
    var iv = d.interval * 1000;
    var end = Date.now() - (d.now - d.end) * 1000;
    var n = d.power.length;
    var h: Array<Array<number | null>> = [];
    for (var i = 0; i < n; i++) h.push([end - (n - i - 0.5) * iv, d.power[i], d.solar[i], d.grid_ie[i]]);
    var rest = points.slice(live).filter(function (p) {
      return (p[0] as number) > end;
    });
    points.length = 0;
    points.push.apply(points, h.concat(rest));
    live = h.length;
    chart.gap = Math.max(chart.gap, 2.5 * iv);
    trim(Date.now());
    changed();
  });
}

/** Re-renders the calling component on every status change; returns the status object. */
export function useStatus(): any {
  var set = useState(0)[1];
  useEffect(function () {
    var f = function () {
      set(version);
    };
    listeners.push(f);
    return function () {
      listeners.splice(listeners.indexOf(f), 1);
    };
  }, []);
  return status;
}

var ws: WebSocket | null = null;
var retry = 1000;
export var online = { ws: false };

export function connect() {
  api('/status').then(function (r) {
    if (r.ok) merge(r.data);
  });
  open();
  // the chart keeps moving while the power is steady (the gateway sends changes only)
  setInterval(function () {
    if (status.state !== undefined) {
      sample();
      changed();
    }
  }, 10000);
}

function open() {
  ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
  ws.onopen = function () {
    retry = 1000;
    online.ws = true;
    changed();
    // (again after a lost connection: it fills the hole in the chart)
    loadHistory();
  };
  ws.onmessage = function (e) {
    try {
      merge(JSON.parse(e.data));
    } catch (x) {}
  };
  ws.onclose = function () {
    online.ws = false;
    changed();
    setTimeout(open, retry);
    retry = Math.min(retry * 2, 30000);
  };
}

/** GET `path` once per `key` change (e.g. a *_version counter from /status); null while loading. */
export function useFetch(path: string, key?: any): Reply | null {
  var s = useState<Reply | null>(null);
  useEffect(
    function () {
      api(path).then(s[1]);
    },
    [path, key]
  );
  return s[0];
}

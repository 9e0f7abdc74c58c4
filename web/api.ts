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

/** The message of a failed reply, for people. */
export function why(r: Reply): string {
  if (r.code === 501) return 'Coming soon';
  return (r.data && r.data.msg) || 'Error ' + r.code;
}

// ---- live status ----
export var status: any = {};
/** Power samples [time ms, W] for the chart, oldest first, at most HISTORY_MS old. */
export var history: number[][] = [];
export var HISTORY_MS = 6 * 3600e3;
var listeners: Array<() => void> = [];
var version = 0;

function changed() {
  version++;
  for (var i = 0; i < listeners.length; i++) listeners[i]();
}

export function merge(part: any) {
  for (var k in part) status[k] = part[k];
  if ('power' in part || 'amp' in part) sample();
  changed();
}

function sample() {
  var now = Date.now();
  var w = status.power !== undefined ? status.power : ((status.amp || 0) * (status.voltage || 240)) / 1000;
  var last = history[history.length - 1];
  // one point per 5 s is plenty for hours on a phone-wide chart; the newest value wins
  if (last && now - last[0] < 5000 && history.length > 1) last[1] = w;
  else history.push([now, w]);
  while (history.length && history[0][0] < now - HISTORY_MS) history.shift();
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

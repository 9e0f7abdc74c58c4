// Every request passes here: a cap on simultaneous requests, authentication, a bounded body,
// then one switch to the handler files (a function per route would cost JsVars on the device
// for every route, all the time); the routes asked for now and then are in routes.ts.
import { HttpRequest, HttpResponse } from '../hal/types';
import { parseQuery, sendJson, dropBody } from './util';
import { Ctx, allow } from './context';
import { find } from '../core/text';
import { handleRapi } from './rapi';
import { handleStatus } from './status';
import { handleConfig } from './config';
import { handleClaims } from './claims';
import { serveStatic } from './static';
import { handleWifi } from './wifi';
import type { Gateway } from '../app';

/** Bodies larger than this are refused with 413 before they are read (the reference: 8196). */
export var MAX_BODY = 8192;
/** Requests being answered at once; more get 503 (sockets and RAM are scarce on the device). */
export var MAX_REQUESTS = 4;

export function createRouter(gw: Gateway) {
  var active = 0;
  return function (req: HttpRequest, res: HttpResponse) {
    var h = req.headers;
    if (active >= (gw.opts.maxRequests || MAX_REQUESTS)) {
      dropBody(req);
      sendJson(res, 503, { msg: 'Too many requests' });
      return;
    }
    // (no auth while provisioning over the access point alone, as the reference: the password
    // cannot be entered on a device that is not set up yet)
    var verdict = gw.wifi && gw.wifi.apOnly ? 'ok' : gw.auth.check(h['authorization'], gw.config.get('www_username'), gw.config.get('www_password'));
    if (verdict !== 'ok') {
      dropBody(req);
      if (verdict === 'locked') sendJson(res, 429, { msg: 'locked' });
      else {
        res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Basic realm="' + gw.config.get('hostname') + '"' });
        res.end(JSON.stringify({ msg: 'auth' }));
      }
      return;
    }
    var url = req.url || '/';
    var q = url.indexOf('?');
    var path = q < 0 ? url : url.substr(0, q);
    // Paths are names, not files: anything that looks like a way around that is simply unknown.
    if (path.charAt(0) !== '/' || find(path, '..') >= 0 || find(path, '//') >= 0 || path.indexOf('%') >= 0 || path.indexOf('\\') >= 0) {
      dropBody(req);
      sendJson(res, 404, { msg: 'Not found' });
      return;
    }
    if (path === '/ws') {
      gw.ws.handle(req, res);
      return;
    }
    // an image is streamed to Storage as it arrives: its own size limit, not MAX_BODY
    if (path === '/update') {
      gw.opts.loadRoutes().handleUpdate(gw, req, res);
      return;
    }
    var length = parseInt(h['content-length'] || '0', 10);
    if (length > MAX_BODY) {
      dropBody(req);
      sendJson(res, 413, { msg: 'Request body too large' });
      return;
    }
    /** The slot is given back once: when the answer is sent, or when the client is gone. */
    var released = false;
    // (a function expression: terser moves nested function declarations below their uses, and
    // Espruino does not hoist)
    var release = function () {
      if (released) return;
      released = true;
      active--;
    };
    active++;
    // Handlers answer through this, so that the slot stays taken while they wait (for the
    // controller, for Storage) and is freed with the answer.
    var out: HttpResponse = {
      writeHead: function (code, headers) {
        res.writeHead(code, headers);
      },
      write: function (data) {
        res.write(data);
      },
      end: function (data) {
        release();
        res.end(data);
      },
      on: function (event, cb) {
        res.on(event, cb);
      },
    };
    var ctx: Ctx = { method: req.method, parts: path.substr(1).split('/'), query: parseQuery(q < 0 ? '' : url.substr(q + 1)), body: '', req: req, res: out };
    // The routes apps poll: one switch, a function of this request (at module level it would cost
    // JsVars all the time). The others are defined only while they answer (routes.ts).
    var route = function (): void {
      var p = ctx.parts;
      switch (p[0]) {
        case 'status':
          if (p.length === 1) return handleStatus(gw, ctx);
          break;
        case 'config':
          if (p.length === 1) return handleConfig(gw, ctx);
          break;
        case 'r':
        case 'rapi':
          if (p.length === 1 && allow(ctx, 'GET,POST')) handleRapi(gw.rapi, ctx.query, ctx.res);
          if (p.length === 1) return;
          break;
        case 'claims':
          return handleClaims(gw, ctx);
        case 'override':
          if (p.length === 1) return handleClaims(gw, ctx);
          break;
        case 'emoncms':
          if (p[1] === 'describe' && p.length === 2) {
            // device discovery by emoncms and apps: the text is the device type; other origins may
            // read it (the reference's one CORS header)
            ctx.res.writeHead(200, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' });
            ctx.res.end('openevse');
            return;
          }
          break;
        case 'scan':
        case 'apoff':
          if (p.length === 1) {
            handleWifi(gw, ctx);
            return;
          }
          break;
        case '':
          break; // the web page: served below, without defining routes.ts for it
        default:
          if (gw.opts.loadRoutes().routeMore(gw, ctx)) return;
      }
      // `/` and any other unknown GET: the web UI (its routes live after the #), or, while
      // provisioning, a redirect to its WiFi setup (the captive portal)
      if (handleWifi(gw, ctx) || serveStatic(gw, ctx)) return;
      sendJson(ctx.res, 404, { msg: 'Not found' });
    };
    var tooLarge = false;
    // `end` fires once the whole body is in (Espruino and Node alike); a body that grows past the
    // limit without a Content-Length (chunked) is refused as soon as it does.
    req.on('data', function (chunk) {
      if (tooLarge) return;
      ctx.body += chunk;
      if (ctx.body.length > MAX_BODY) {
        tooLarge = true;
        ctx.body = '';
        sendJson(out, 413, { msg: 'Request body too large' });
      }
    });
    req.on('end', function () {
      if (tooLarge) return;
      try {
        route();
      } catch (e) {
        gw.hal.log('error', 'HTTP ' + ctx.method + ' ' + path + ': ' + ((e as any).message || e));
        sendJson(out, 500, { msg: 'Internal error' });
      }
    });
    // A client that goes away before its answer never brings 'end' or an answer: without this its
    // slot would stay taken, and four such clients would shut the gateway out for good.
    req.on('close', release);
  };
}

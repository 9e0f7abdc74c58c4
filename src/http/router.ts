// Dispatches requests to the handler files with one switch (a function per route would cost
// JsVars on the device for every route, all the time).
import { HttpRequest, HttpResponse } from '../hal/types';
import { parseQuery, sendJson } from './util';
import { handleRapi } from './rapi';
import type { Gateway } from '../app';

export function createRouter(gw: Gateway) {
  return function (req: HttpRequest, res: HttpResponse) {
    var url = req.url || '/';
    var q = url.indexOf('?');
    var path = q < 0 ? url : url.substr(0, q);
    var query = parseQuery(q < 0 ? '' : url.substr(q + 1));
    var method = req.method;
    switch (path) {
      case '/status':
        if (method !== 'GET') break;
        sendJson(res, 200, gw.statusDocument());
        return;
      case '/config':
        if (method !== 'GET') break;
        sendJson(res, 200, gw.configDocument());
        return;
      case '/r':
      case '/rapi':
        if (method !== 'GET' && method !== 'POST') break;
        handleRapi(gw.rapi, query, res);
        return;
      default:
        sendJson(res, 404, { msg: 'Not found' });
        return;
    }
    sendJson(res, 405, { msg: 'Method not allowed' });
  };
}

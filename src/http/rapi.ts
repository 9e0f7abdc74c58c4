// `/r` and `/rapi`: raw RAPI passthrough, the one documented way around the claims arbiter.
// `json=1` answers {"cmd","ret"} with the raw reply line (checksum included, no CR), as the
// reference gateway does; without it, a small HTML page with a form.
import { HttpResponse } from '../hal/types';
import { RapiClient, RAPI_NK } from '../core/rapi/client';
import { sendJson, sendText } from './util';

export function handleRapi(rapi: RapiClient, query: { [k: string]: string }, res: HttpResponse): void {
  // Memory: the page helpers are created per request (6 JsVars each at module level).
  /** For text echoed into HTML. */
  var escapeHtml = function (s: string): string {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  };
  var page = function (res: HttpResponse, cmd: string, ret: string, code?: number): void {
    sendText(
      res,
      code || 200,
      'text/html',
      '<html><body><h2>RAPI</h2><form method="get" action="/r"><input name="rapi" value="' +
        escapeHtml(cmd) +
        '"><input type="submit" value="send"></form>' +
        (cmd ? '<p>&gt;' + escapeHtml(ret) + '</p>' : '') +
        '</body></html>'
    );
  };
  var cmd = (query.rapi || '').trim();
  var json = query.json === '1' || query.json === 'true';
  if (!cmd) {
    if (json) sendJson(res, 400, { msg: 'Missing rapi parameter' });
    else page(res, '', '');
    return;
  }
  if (cmd.charAt(0) !== '$') cmd = '$' + cmd;
  rapi.send(cmd, function (err, reply) {
    var ok = !err || err === RAPI_NK;
    var code = ok ? 200 : err === 'RAPI_BAD_COMMAND' || err === 'RAPI_COMMAND_TOO_LONG' ? 400 : 500;
    if (json) sendJson(res, code, ok && reply ? { cmd: cmd, ret: reply.raw } : { cmd: cmd, error: err });
    else page(res, cmd, ok && reply ? reply.raw : 'Error: ' + err, code);
  });
}

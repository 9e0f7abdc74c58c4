// Small pieces every handler needs: query strings, JSON and text replies.
import { HttpRequest, HttpResponse } from '../hal/types';

/** `a=1&b=x+y` → {a:'1', b:'x y'}; a malformed escape keeps the raw text rather than throwing. */
export function parseQuery(qs: string): { [key: string]: string } {
  var out: { [key: string]: string } = {};
  if (!qs) return out;
  var parts = qs.split('&');
  for (var i = 0; i < parts.length; i++) {
    if (!parts[i]) continue;
    var eq = parts[i].indexOf('=');
    var k = eq < 0 ? parts[i] : parts[i].substr(0, eq);
    var v = eq < 0 ? '' : parts[i].substr(eq + 1);
    // (the decoding inline, twice: a helper function costs JsVars on the device)
    k = k.replace(/\+/g, ' ');
    v = v.replace(/\+/g, ' ');
    try {
      k = decodeURIComponent(k);
    } catch (e) {}
    try {
      v = decodeURIComponent(v);
    } catch (e) {}
    out[k] = v;
  }
  return out;
}

function dropChunk(): void {}

/**
 * For a request answered without reading its body (a refusal: 401, 404, 409, 413, 503, an update
 * the device cannot take): its bytes are taken and dropped as they come. Espruino keeps a body
 * that nobody reads in RAM for as long as the client sends it (the connection stays open while
 * bytes arrive): measured on the interpreter, a 157 KB upload refused at once ran a 5,800-var pool
 * out of memory. (Node drops an unread body by itself.)
 */
export function dropBody(req: HttpRequest): void {
  req.on('data', dropChunk);
}

export function sendJson(res: HttpResponse, code: number, body: any): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private, no-store, must-revalidate' });
  res.end(JSON.stringify(body));
}

export function sendText(res: HttpResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-cache, private, no-store, must-revalidate' });
  res.end(body);
}

/**
 * Writes the pieces `next` gives, each once the one before has gone to the network, and ends the
 * answer when it gives ''. Espruino keeps everything written to a response in RAM until the
 * network takes it: the 18 KB web page written at once ran a 4,000-var device out of memory.
 */
export function sendPaced(res: HttpResponse, next: () => string): void {
  var done = false;
  var more = function () {
    if (done) return;
    var piece = next();
    if (piece) res.write(piece);
    else {
      done = true;
      res.end();
    }
  };
  res.on('drain', more);
  more();
}

/**
 * The JSON text of one object made of parts, a piece per call ('' after the last): `next()` gives
 * the next object of fields, null at the end. The whole object never exists at once.
 */
export function jsonPieces(next: () => { [key: string]: any } | null): () => string {
  var sep = '{';
  var done = false;
  return function () {
    var out = '';
    while (!out && !done) {
      var part = next();
      if (!part) {
        done = true;
        return sep === '{' ? '{}' : '}';
      }
      for (var k in part) {
        var v = part[k];
        if (v === undefined || typeof v === 'function') continue; // as JSON.stringify leaves them out
        out += sep + JSON.stringify(k) + ':' + JSON.stringify(v);
        sep = ',';
      }
    }
    return out;
  };
}

/**
 * A JSON object answered in parts (jsonPieces), each piece written once the one before has gone
 * (sendPaced). For GET /config (≈ 5 KB), which then never exists in RAM as one object or one
 * string on the device.
 */
export function sendJsonParts(res: HttpResponse, next: () => { [key: string]: any } | null): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private, no-store, must-revalidate' });
  sendPaced(res, jsonPieces(next));
}

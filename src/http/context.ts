// One request as the handlers see it: method, path, query, and the body already read (bounded).
import { HttpRequest, HttpResponse } from '../hal/types';
import { sendJson } from './util';
import { inList } from '../core/text';

export interface Ctx {
  method: string;
  /** The path split on "/", without the empty first part: "/claims/65537" → ["claims", "65537"]. */
  parts: string[];
  query: { [key: string]: string };
  /** The request body as a binary string ('' for none). */
  body: string;
  req: HttpRequest;
  res: HttpResponse;
}

/**
 * Parses a JSON body; on failure answers 400 `{"msg":"Could not parse JSON"}` (the reference's
 * words) and returns undefined, so a handler can `if (v === undefined) return;`.
 */
export function jsonBody(ctx: Ctx): any {
  try {
    var v = JSON.parse(ctx.body);
    if (v !== null && v !== undefined) return v;
  } catch (e) {
    // fall through
  }
  sendJson(ctx.res, 400, { msg: 'Could not parse JSON' });
  return undefined;
}

/** Answers 405 unless `method` is one of `allowed` ("GET,POST"). */
export function allow(ctx: Ctx, allowed: string): boolean {
  if (inList(allowed, ctx.method)) return true;
  ctx.res.writeHead(405, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private, no-store, must-revalidate', Allow: allowed });
  ctx.res.end(JSON.stringify({ msg: 'Method not allowed' }));
  return false;
}

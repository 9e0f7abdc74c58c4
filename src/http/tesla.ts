// The Tesla endpoints (ref/openevse-gateway.md §1.2, §1.7): `/tesla/vehicles` and its V3 name
// `/teslaveh` list the account's vehicles `{"count":n,"vehicles":[{"id","name"}]}`;
// `/saveteslavi` chooses the vehicle, by `vi` (index in that list, as the reference) or by `id`;
// `/savetesla` stores `enable` and the tokens (`access_token`, `refresh_token`, `created_at`,
// `expires_in`, as /config's tesla_* keys). The reference's `user`/`pass` login is refused with a
// clear message: Tesla ended password grants, so storing them would only fail later, silently.
// Without the Tesla service (the device builds it only when turned on, and when it fits) the
// vehicle endpoints answer 501, or 503 when it was left off for lack of memory;
// /savetesla still stores the settings, as /config would.
import { parseQuery, sendJson, sendText } from './util';
import { Ctx, allow } from './context';
import { formFields, sendFeatureOff } from './route-util';
import type { Gateway } from '../app';

export function handleTesla(gw: Gateway, ctx: Ctx): void {
  var name = ctx.parts[0];
  var svc = gw.tesla;
  if (!allow(ctx, name === 'savetesla' || name === 'saveteslavi' ? 'GET,POST' : 'GET')) return;
  if (!svc && name !== 'savetesla') {
    sendFeatureOff(gw, ctx.res, 'tesla', '/' + ctx.parts.join('/'));
    return;
  }
  if (name === 'tesla' || name === 'teslaveh') {
    var list: { [key: string]: string }[] = [];
    for (var k = 0; k < svc!.ids.length; k++) list.push({ id: svc!.ids[k], name: svc!.names[k] });
    sendJson(ctx.res, 200, { count: list.length, vehicles: list });
    return;
  }
  var f = formFields(ctx, parseQuery);
  var patch: { [key: string]: any } = {};
  var said = '';
  if (name === 'saveteslavi') {
    var ids: string[] = (svc as any).ids;
    if (f.vi !== undefined) {
      var i = f.vi === '' ? NaN : +f.vi;
      if (!(i >= 0 && i < ids.length && i % 1 === 0)) {
        sendText(ctx.res, 400, 'text/plain', ids.length ? 'vi must be an index from 0 to ' + (ids.length - 1) : 'No vehicle list yet');
        return;
      }
      patch.tesla_vehicle_id = ids[i];
      said = f.vi;
    } else if (f.id !== undefined) {
      // an id not (yet) listed is taken only while no list is known: it may be right once one is
      if (ids.length && ids.indexOf(f.id) < 0) {
        sendText(ctx.res, 400, 'text/plain', 'Unknown vehicle id');
        return;
      }
      patch.tesla_vehicle_id = said = f.id;
    } else {
      sendText(ctx.res, 400, 'text/plain', 'No vi or id');
      return;
    }
  } else {
    if ((f.user !== undefined || f.pass !== undefined) && f.access_token === undefined) {
      sendText(ctx.res, 400, 'text/plain', 'Tesla no longer accepts a password login: send access_token and refresh_token');
      return;
    }
    if (f.enable !== undefined) patch.tesla_enabled = f.enable === '1' || f.enable === 'true' || f.enable === 'on';
    if (f.access_token !== undefined) patch.tesla_access_token = f.access_token;
    if (f.refresh_token !== undefined) patch.tesla_refresh_token = f.refresh_token;
    if (f.created_at !== undefined) patch.tesla_created_at = f.created_at;
    if (f.expires_in !== undefined) patch.tesla_expires_in = f.expires_in;
  }
  var r = gw.config.update(patch);
  if (!r.ok) {
    sendJson(ctx.res, 400, { msg: 'Invalid configuration', errors: r.errors });
    return;
  }
  if (r.changed.length) gw.configChanged(r.changed);
  sendText(ctx.res, 200, 'text/plain', said ? 'Saved: ' + said : 'Saved');
}

// The seed-era form endpoints (`/savenetwork`, `/savemqtt`, ...): form fields mapped onto the
// same config keys as /config, so old apps and scripts keep working. Replies are the reference's
// plain-text ones.
import { parseQuery, sendJson, sendText } from './util';
import { Ctx, allow } from './context';
import { formFields } from './route-util';
import { find } from '../core/text';
import type { Gateway } from '../app';

export function handleForm(gw: Gateway, ctx: Ctx): void {
  if (!allow(ctx, 'GET,POST')) return;
  // Memory: a function of the handler, created per form request (6 JsVars at module level).
  /** Per endpoint: form field=config key pairs; "!" marks a field that must be present. */
  var fieldMap = function (name: string): string {
    switch (name) {
      case 'savenetwork':
        return '!ssid=ssid,pass=pass';
      case 'savemqtt':
        return 'enable=mqtt_enabled,protocol=mqtt_protocol,server=mqtt_server,port=mqtt_port,topic=mqtt_topic,user=mqtt_user,pass=mqtt_pass,solar=mqtt_solar,grid_ie=mqtt_grid_ie,reject_unauthorized=mqtt_reject_unauthorized';
      case 'saveemoncms':
        return 'enable=emoncms_enabled,server=emoncms_server,node=emoncms_node,apikey=emoncms_apikey,fingerprint=emoncms_fingerprint';
      case 'saveadmin':
        return 'user=www_username,pass=www_password';
      case 'saveadvanced':
        return 'hostname=hostname,sntp_host=sntp_hostname';
      case 'saveohmkey':
        return 'enable=ohm_enabled,ohm=ohm';
    }
    return '';
  };
  var name = ctx.parts[0];
  var fields = formFields(ctx, parseQuery);
  var pairs = fieldMap(name).split(',');
  var patch: { [k: string]: any } = {};
  for (var i = 0; i < pairs.length; i++) {
    var required = pairs[i].charAt(0) === '!';
    var kv = (required ? pairs[i].substr(1) : pairs[i]).split('=');
    var v: any = fields[kv[0]];
    if (v === undefined) {
      if (required) {
        sendText(ctx.res, 400, 'text/plain', 'No ' + kv[0].toUpperCase());
        return;
      }
      continue;
    }
    // Forms carry text: booleans and numbers are converted as the reference's forms meant them.
    if (find(kv[1], '_enabled') > 0 || kv[1] === 'mqtt_reject_unauthorized') v = v === '1' || v === 'true' || v === 'on';
    patch[kv[1]] = v;
  }
  var result = gw.config.update(patch);
  if (!result.ok) {
    sendJson(ctx.res, 400, { msg: 'Invalid configuration', errors: result.errors });
    return;
  }
  if (result.changed.length) gw.configChanged(result.changed);
  sendText(ctx.res, 200, 'text/plain', name === 'savenetwork' || name === 'saveadmin' || name === 'saveadvanced' || name === 'saveohmkey' ? 'saved' : 'Saved');
}

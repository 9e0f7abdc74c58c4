// Home Assistant MQTT discovery (`mqtt_ha_discovery`, on by default): one retained config per
// entity on `homeassistant/<component>/openevse_<id>/<object>/config`. The entities read the
// status values the service already publishes on `<base>/<key>` and command through the topics it
// already handles (`<base>/override/set`, `<base>/divertmode/set`); availability is the retained
// announce (`{"state":"connected"|"disconnected"}`, also the last will).
//
// Memory: the entities are one table (a string, split once per call) and one function with one
// loop (the image holds only `discovery`: the wrappers are dropped when unused); each config is
// built, sent and dropped in turn. Configs are not remembered by the client for re-sending (they
// would fill its small retained store): the service publishes them again on every connect.

/** What publishDiscovery and removeDiscovery need of the client (MqttClient has it). */
export interface DiscoveryClient {
  publish(topic: string, payload: string, qos?: number, retain?: boolean): boolean;
  forget(topic: string): void;
  connected(): boolean;
}

export interface DiscoveryOptions {
  /** `<base>` (mqtt_topic) */
  base: string;
  /** The retained announce topic (availability); '' for none. */
  announceTopic: string;
  /** The gateway id (wifi_serial). */
  id: string;
  /** The device name shown in Home Assistant (the hostname). */
  name: string;
  /** The gateway version (sw_version). */
  version: string;
  /** Largest charge current the number entity offers (max_current_hard); 32 when 0 or unknown. */
  maxCurrent: number;
}

var PREFIX = 'homeassistant/';
var MIN_CURRENT = 6;
var DEFAULT_MAX_CURRENT = 32;

/**
 * One entity per line: component;object;name;state key;command key;unit;device_class;
 * state_class;value_template. Keys are under `<base>/`. Per-component fields are in the loop.
 */
var ENTITIES =
  'sensor;amp;Current;amp;;A;current;measurement;{{ (value|float(0) / 1000)|round(2) }}\n' +
  'sensor;power;Power;power;;W;power;measurement;\n' +
  'sensor;voltage;Voltage;voltage;;V;voltage;measurement;\n' +
  'sensor;session_energy;Session energy;session_energy;;Wh;energy;total_increasing;\n' +
  'sensor;total_energy;Total energy;total_energy;;kWh;energy;total_increasing;\n' +
  "sensor;temp;Temperature;temp;;\u00b0C;temperature;measurement;{{ (value|float(0) / 10) if value != 'false' else None }}\n" +
  'sensor;state;State;state;;;;;' +
  "{{ {0:'starting',1:'not connected',2:'connected',3:'charging',4:'vent required',5:'diode check failed'," +
  "6:'GFCI fault',7:'no ground',8:'stuck relay',9:'GFCI self-test failed',10:'over temperature'," +
  "11:'over current',254:'sleeping',255:'disabled'}.get(value|int(0), 'error') }}\n" +
  'sensor;pilot;Pilot;pilot;;A;current;measurement;\n' +
  'binary_sensor;vehicle;Vehicle connected;vehicle;;;plug;;\n' +
  'switch;charging;Charging;status;override/set;;;;\n' +
  'number;charge_current;Charge current;pilot;override/set;A;current;;\n' +
  "select;mode;Charge mode;divertmode;divertmode/set;;;;{{ 'Eco' if value == '2' else 'Normal' }}";

/**
 * Publishes every entity's config (`full`) or an empty payload; the number sent (0 while not
 * connected). The service calls this one function; the two wrappers below name the two uses.
 */
export function discovery(client: DiscoveryClient, opts: DiscoveryOptions, full: boolean): number {
  if (!client.connected()) return 0;
  // The node id: `openevse_<id>`, only the characters Home Assistant accepts.
  var node = 'openevse_' + String(opts.id).replace(/[^A-Za-z0-9_-]/g, '_');
  var b = opts.base + '/';
  var rows = ENTITIES.split('\n');
  var device = full
    ? { identifiers: [node], name: opts.name, manufacturer: 'OpenEVSE', model: 'OpenEVSE WiFi gateway', sw_version: opts.version }
    : null;
  var n = 0;
  for (var i = 0; i < rows.length; i++) {
    var f = rows[i].split(';');
    var topic = PREFIX + f[0] + '/' + node + '/' + f[1] + '/config';
    var payload = '';
    if (full) {
      var c: { [key: string]: any } = { name: f[2], unique_id: node + '_' + f[1], state_topic: b + f[3] };
      if (f[4]) c.command_topic = b + f[4];
      if (f[5]) c.unit_of_measurement = f[5];
      if (f[6]) c.device_class = f[6];
      if (f[7]) c.state_class = f[7];
      if (f[8]) c.value_template = f[8];
      switch (f[0]) {
        case 'binary_sensor':
          c.payload_on = '1';
          c.payload_off = '0';
          break;
        case 'switch':
          c.payload_on = '{"state":"active"}';
          c.payload_off = '{"state":"disabled"}';
          c.state_on = 'active';
          c.state_off = 'disabled';
          break;
        case 'number':
          c.command_template = '{"charge_current":{{ value|int }}}';
          c.min = MIN_CURRENT;
          c.max = opts.maxCurrent > MIN_CURRENT ? opts.maxCurrent : DEFAULT_MAX_CURRENT;
          c.step = 1;
          break;
        case 'select':
          c.options = ['Normal', 'Eco'];
          c.command_template = "{{ 2 if value == 'Eco' else 1 }}";
          break;
      }
      if (opts.announceTopic) {
        c.availability = [
          { topic: opts.announceTopic, value_template: '{{ value_json.state }}', payload_available: 'connected', payload_not_available: 'disconnected' },
        ];
      }
      c.device = device;
      payload = JSON.stringify(c);
    }
    if (client.publish(topic, payload, 0, true)) n++;
    // sent again on each connect by the service: not kept in the client's retained store
    client.forget(topic);
  }
  return n;
}

/** Publishes every entity's retained config; the number sent (0 while not connected). */
export function publishDiscovery(client: DiscoveryClient, opts: DiscoveryOptions): number {
  return discovery(client, opts, true);
}

/** Deletes every entity (empty retained configs); the number sent (0 while not connected). */
export function removeDiscovery(client: DiscoveryClient, opts: DiscoveryOptions): number {
  return discovery(client, opts, false);
}

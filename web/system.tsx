// System: firmware update, restart, factory reset, config backup/restore, event log, RAPI console.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, why, useFetch, useStatus, Reply } from './api';
import { Card, Feature } from './ui';
import { DUMMY } from './settings';
import { STATES } from './charge';

export function System() {
  var s = useStatus();
  var cfg = useFetch('/config', s.config_version);
  var c = cfg && cfg.ok ? cfg.data : {};
  var dev = useState(localStorage.getItem('dev') === '1');
  return (
    <div class="grid">
      <Card title="About">
        <dl class="values">
          <dt>Gateway</dt>
          <dd>{c.version || '–'}</dd>
          <dt>Controller</dt>
          <dd>{c.firmware || '–'}</dd>
          <dt>Serial</dt>
          <dd>{c.wifi_serial || '–'}</dd>
          <dt>Network</dt>
          <dd>{s.mode || '–'}</dd>
          <dt>Uptime</dt>
          <dd>{s.uptime !== undefined ? Math.floor(s.uptime / 60) + ' min' : '–'}</dd>
          <dt>Free memory</dt>
          <dd>{s.free_heap !== undefined ? Math.round(s.free_heap / 1024) + ' KB' : '–'}</dd>
        </dl>
      </Card>
      <Update />
      <Card title="Restart and reset" id="restart">
        <Restart />
      </Card>
      <Card title="Configuration backup" id="backup">
        <Backup />
      </Card>
      <Feature path="/logs" title="Event log" id="logs">
        {(r: Reply) => (r.ok ? <Events /> : <p class="hint">Charging sessions and faults will be listed here.</p>)}
      </Feature>
      <Card title="Developer" id="dev">
        <label class="check">
          <input
            id="devmode"
            type="checkbox"
            checked={dev[0]}
            onChange={(e) => {
              var on = (e.target as HTMLInputElement).checked;
              localStorage.setItem('dev', on ? '1' : '0');
              dev[1](on);
            }}
          />{' '}
          Developer mode (RAPI console)
        </label>
        {dev[0] && <Rapi />}
      </Card>
    </div>
  );
}

/** Firmware upload (POST /update, multipart field `firmware`): the bar follows the upload; the answer is text, `OK…` or `Error: …`. */
function Update() {
  var pct = useState(-1);
  var msg = useState('');
  var bad = useState(false);
  var file = useState<File | null>(null);
  var busy = pct[0] >= 0 && pct[0] < 101;
  function end(ok: boolean, text: string) {
    pct[1](ok ? 101 : -1);
    bad[1](!ok);
    msg[1](text);
  }
  function send() {
    if (!file[0] || busy) return;
    var x = new XMLHttpRequest();
    var fd = new FormData();
    fd.append('firmware', file[0]);
    x.upload.onprogress = (e) => e.lengthComputable && pct[1](Math.min(100, Math.round((100 * e.loaded) / e.total)));
    x.upload.onload = () => {
      pct[1](100);
      msg[1]('Uploaded; the gateway checks the file…');
    };
    x.onload = () => {
      var t = (x.responseText || '').trim();
      var j: any = null;
      try {
        j = JSON.parse(t);
      } catch (e) {}
      if (x.status === 200 && /^OK/.test(t)) end(true, t === 'OK' ? 'Done: the gateway restarts with the new firmware…' : 'Done: ' + t.replace(/^OK[\s(:]*/, '').replace(/\)$/, ''));
      else if (x.status === 501) end(false, 'Firmware update over the web is coming soon');
      else end(false, 'Update failed: ' + ((j && j.msg) || t.replace(/^Error: */, '') || 'error ' + x.status));
    };
    x.onerror = () => end(false, 'Update failed: the upload was interrupted');
    pct[1](0);
    bad[1](false);
    msg[1]('Uploading…');
    x.open('POST', '/update');
    x.setRequestHeader('X-Requested-With', 'OpenEVSE');
    x.send(fd);
  }
  return (
    <Card title="Firmware update" id="update">
      <div class="row">
        <label class="button">
          Choose file…
          <input
            id="fw"
            type="file"
            accept=".bin"
            class="hidden"
            onChange={(e) => {
              file[1](((e.target as HTMLInputElement).files || [])[0] || null);
              pct[1](-1);
              msg[1]('');
            }}
          />
        </label>
        <button id="upload" disabled={!file[0] || busy} onClick={send}>
          Upload
        </button>
      </div>
      <p class="hint" id="fw-name">
        {file[0] ? file[0].name + ' (' + Math.round(file[0].size / 1024) + ' KB)' : 'The image is dist/esp32/image.bin of a build.'}
      </p>
      <progress id="fw-progress" aria-label="Upload progress" max="100" value={pct[0] < 0 ? 0 : Math.min(100, pct[0])} />
      <p class={bad[0] ? 'hint error' : 'hint'} id="fw-msg" role="status">
        {msg[0] || '\u00a0'}
      </p>
    </Card>
  );
}

/**
 * The event log (GET /logs/{block}, src/core/evse/event-log.ts), newest first: the newest block,
 * read again at each change of the charger's state (that is when an entry is written), then older
 * blocks on request.
 */
function Events() {
  var s = useStatus();
  var rows = useState<any[]>([]);
  // the oldest block kept, and the next older one to read (-1 until /logs answers)
  var min = useState(-1);
  var next = useState(-1);
  var msg = useState('');
  function read(b: number, older: any[]) {
    api('/logs/' + b).then((r) => {
      if (!r.ok || !(r.data instanceof Array)) return msg[1](why(r));
      rows[1](older.concat(r.data.slice().reverse()));
      next[1](b - 1);
      msg[1]('');
    });
  }
  useEffect(
    function () {
      api('/logs').then((r) => {
        if (!r.ok) return msg[1](why(r));
        min[1](r.data.min);
        read(r.data.max, []);
      });
    },
    [s.state]
  );
  var fmt = (iso: string) => {
    var d = new Date(iso);
    return d.toLocaleDateString([], { month: '2-digit', day: '2-digit' }) + ' ' + d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  };
  return (
    <div>
      {rows[0].length ? (
        <table id="log-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>State</th>
              <th>kWh</th>
              <th>°C</th>
            </tr>
          </thead>
          <tbody>
            {rows[0].map((e) => (
              <tr class={e.type === 'warning' ? 'error' : ''}>
                <td class="nowrap">
                  <time dateTime={e.time}>{fmt(e.time)}</time>
                </td>
                <td>
                  {STATES[e.evseState] || 'State ' + e.evseState}
                  {e.managerState === 'disabled' && e.evseState < 254 ? ' (paused)' : ''}
                </td>
                <td>{(e.energy / 1000).toFixed(2)}</td>
                <td>{e.temperature === false ? '–' : e.temperature.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="hint">{min[0] < 0 ? 'Loading…' : 'No events yet.'}</p>
      )}
      {next[0] >= min[0] && min[0] >= 0 && (
        <button id="log-older" class="gap" onClick={() => read(next[0], rows[0])}>
          Older events
        </button>
      )}
      <p class="hint" role="status">
        {msg[0]}
      </p>
    </div>
  );
}

function Restart() {
  var msg = useState('');
  var sure = useState(false);
  function go(path: string, body?: any) {
    api(path, 'POST', body).then((r) => msg[1](r.ok ? (path === '/reset' ? 'Settings erased; restarting…' : 'Restarting…') : why(r)));
  }
  return (
    <div>
      <div class="buttons">
        <button id="restart-gw" onClick={() => go('/restart', { device: 'gateway' })}>
          Restart gateway
        </button>
        <button id="restart-evse" onClick={() => go('/restart', { device: 'evse' })}>
          Restart charger
        </button>
        {/* one button element either way, patched in place: the keyboard focus stays on it */}
        {sure[0] ? (
          <button id="reset-confirm" class="danger" onClick={() => go('/reset')}>
            Erase all settings?
          </button>
        ) : (
          <button id="reset" onClick={() => sure[1](true)}>
            Factory reset
          </button>
        )}
      </div>
      <p class="hint" role="status">
        {msg[0] || '\u00a0'}
      </p>
    </div>
  );
}

function Backup() {
  var msg = useState('');
  function download() {
    api('/config').then((r) => {
      if (!r.ok) return msg[1](why(r));
      var a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([JSON.stringify(r.data, null, 1)], { type: 'application/json' }));
      a.download = (r.data.hostname || 'openevse') + '-config.json';
      a.click();
      msg[1]('Downloaded');
    });
  }
  function restore(f?: File) {
    if (!f) return;
    f.text().then((t) => {
      var doc: any;
      try {
        doc = JSON.parse(t);
      } catch (e) {
        return msg[1]('Not a JSON file');
      }
      // secrets are not in a backup: leave them as they are
      for (var k in doc) if (doc[k] === DUMMY) delete doc[k];
      api('/config', 'POST', doc).then((r) => {
        var errs = r.data && r.data.errors ? Object.keys(r.data.errors).map((k) => k + ': ' + r.data.errors[k]).join('; ') : '';
        msg[1](r.ok ? 'Restored' : why(r) + (errs ? ' — ' + errs : ''));
      });
    });
  }
  return (
    <div>
      <div class="row">
        <button id="download" onClick={download}>
          Download
        </button>
        <label class="button">
          Restore…
          <input id="restore" type="file" accept=".json" class="hidden" onChange={(e) => restore(((e.target as HTMLInputElement).files || [])[0])} />
        </label>
      </div>
      <p class="hint" role="status">
        {msg[0] || '\u00a0'}
      </p>
    </div>
  );
}

function Rapi() {
  var cmd = useState('$GS');
  var log = useState<string[]>([]);
  return (
    <form
      class="rapi"
      onSubmit={(e) => {
        e.preventDefault();
        var c = cmd[0];
        api('/r?json=1&rapi=' + encodeURIComponent(c)).then((r) => {
          log[1](log[0].concat(['> ' + c, '< ' + (r.data.ret || r.data.error || why(r))]).slice(-40));
        });
      }}
    >
      <div class="row">
        <input id="rapi-cmd" aria-label="RAPI command" value={cmd[0]} onInput={(e) => cmd[1]((e.target as HTMLInputElement).value)} />
        <button id="rapi-send">Send</button>
      </div>
      <pre id="rapi-out">{log[0].join('\n')}</pre>
    </form>
  );
}

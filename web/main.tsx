// The app shell: header, navigation by location hash, and the small pieces every screen uses.
import { h, render, Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { connect, useStatus, online } from './api';
import { Charge } from './charge';
import { Settings, WifiSetup } from './settings';
import { System } from './system';

function useHash(): string {
  var s = useState(location.hash);
  useEffect(function () {
    var f = function () {
      s[1](location.hash);
    };
    addEventListener('hashchange', f);
    return function () {
      removeEventListener('hashchange', f);
    };
  }, []);
  return s[0];
}

/** What src/main/espruino.ts may leave off (`features_off`), in the users' words. */
var FEATURE_NAMES: { [name: string]: string } = {
  wifi: 'WiFi setup',
  history: 'the power chart',
  sntp: 'time sync (NTP)',
  mqtt: 'MQTT',
  planning: 'Eco mode, timers and limits',
  emoncms: 'emoncms',
  ohm: 'OhmConnect',
  tesla: 'Tesla',
};

/** Said on every screen: a feature the user turned on that the device could not fit in its memory. */
function FeaturesOff(p: { list?: string }) {
  if (!p.list) return null;
  var names = p.list.split(',').map(function (n) {
    return FEATURE_NAMES[n] || n;
  });
  return (
    <p class="notice" id="features-off" role="status">
      Not running, not enough memory on this device: {names.join(', ')}. Turn off a feature you do not use (Settings) and restart.
    </p>
  );
}

var SCREENS = [
  ['', 'Charge'],
  ['settings', 'Settings'],
  ['system', 'System'],
];

function App() {
  var st = useStatus();
  var parts = useHash().replace(/^#\/?/, '').split('/');
  var screen = parts[0];
  // a gateway without a network starts on the WiFi setup: first run (access point only), or the
  // access point opened again because the known network cannot be reached (the captive portal's case)
  var captive = st.mode === 'AP' || (st.mode === 'STA+AP' && !st.wifi_client_connected);
  if (!screen && captive && !sessionStorage.getItem('skipSetup')) screen = 'setup';
  return (
    <Fragment>
      <header>
        <h1>OpenEVSE</h1>
        <nav>
          {SCREENS.map(function (s) {
            return (
              <a href={'#/' + s[0]} aria-current={screen === s[0] ? 'page' : undefined}>
                {s[1]}
              </a>
            );
          })}
        </nav>
        <span class={'dot' + (online.ws ? ' on' : '')} title={online.ws ? 'live' : 'offline'} />
      </header>
      <main>
        <FeaturesOff list={st.features_off} />
        {screen === 'settings' ? <Settings section={parts[1]} /> : screen === 'system' ? <System /> : screen === 'setup' ? <WifiSetup /> : <Charge />}
      </main>
    </Fragment>
  );
}

connect();
render(<App />, document.body);

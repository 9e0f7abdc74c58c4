// One line saying who is in control of the charger and why, for tests, benches and debugging:
// "disabled by limit (1100); 16 A by divert (50)". Apart from ClaimsArbiter so that the device
// image, which never says it, does not carry it (a method costs ~5 JsVars there).
import { ClaimsArbiter, clientName } from './claims';

export function explainClaims(a: ClaimsArbiter): string {
  var s = '';
  for (var i = 0; i < 2; i++) {
    var c = i ? a.pilotWin : a.stateWin;
    s += (i ? '; ' + a.wantPilot + ' A' : a.wantState) + ' by ' + (c ? clientName(c.client) + ' (' + c.priority + ')' : 'default');
  }
  return s;
}

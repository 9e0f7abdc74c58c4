// The two building blocks of every screen: a card, and a card whose controls wait for an endpoint.
import { h, ComponentChildren } from 'preact';
import { useFetch, Reply } from './api';

export function Card(p: { title: string; children?: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={p.id}>
      <h2>{p.title}</h2>
      {p.children}
    </section>
  );
}

/**
 * Children enabled once GET `path` answers; disabled while it answers 501 ("coming soon") or 503
 * (the device left the feature off for lack of memory: src/http/util.ts sendFeatureOff).
 */
export function Feature(p: { path: string; title: string; children: (r: Reply) => ComponentChildren; id?: string }) {
  var r = useFetch(p.path);
  var off = r !== null && (r.code === 501 || r.code === 503);
  return (
    <section class={'card' + (off ? ' soon' : '')} id={p.id}>
      <h2>
        {p.title} <span class={'badge' + (off ? '' : ' hidden-badge')}>{r && r.code === 503 ? 'off: low memory' : 'coming soon'}</span>
      </h2>
      <fieldset disabled={r === null || !r.ok}>{p.children(r || { ok: false, code: 0, data: {} })}</fieldset>
    </section>
  );
}

/** Moves the keyboard focus to element `id`: for a control that replaces the focused one. */
export function focus(id: string) {
  var e = document.getElementById(id);
  if (e) e.focus();
}

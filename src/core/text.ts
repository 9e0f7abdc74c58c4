// String helpers that work around the Espruino interpreter (2v29): its indexOf/includes also
// "find" a needle whose head matches the very end of the string ("abc".indexOf("cd") is 2).

/** indexOf that only counts a match lying wholly inside `hay`. */
export function find(hay: string, needle: string, from?: number): number {
  var i = hay.indexOf(needle, from || 0);
  return i >= 0 && i + needle.length <= hay.length ? i : -1;
}

/** True when `item` is one of the comma-separated `list` ("GET,POST"). */
export function inList(list: string, item: string): boolean {
  return find(',' + list + ',', ',' + item + ',') >= 0;
}

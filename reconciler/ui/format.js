// Number formats shared by the pages: one decimal for percentages, whole milliseconds.
export const percent = (ratio) => (ratio === undefined || ratio === null ? '–' : `${(ratio * 100).toFixed(1)} %`);
export const rate = (perSecond) => `${perSecond >= 10 ? perSecond.toFixed(1) : perSecond.toFixed(2)} rps`;
export const millis = (ms) => (ms === undefined || ms === null ? '–' : `${Math.round(ms)} ms`);
export const weight = (value) => `${Number(value.toFixed(1))} %`;

/** `12.3 rps · 0.5 % · p99 7 ms`, or `no traffic`. */
export function trafficLine(traffic) {
  if (!traffic || traffic.requestsPerSecond <= 0) return traffic && traffic.tcpBytesPerSecond > 0 ? `${Math.round(traffic.tcpBytesPerSecond)} B/s` : 'no traffic';
  return `${rate(traffic.requestsPerSecond)} · ${percent(traffic.errorRatio ?? 0)} · p99 ${millis(traffic.p99Ms)}`;
}

/** Builds an element: el('td', { class: 'x' }, 'text', child). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  for (const child of children) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

export function table(headers, rows) {
  if (rows.length === 0) return el('p', { class: 'empty' }, 'none');
  return el('table', {}, el('tr', {}, ...headers.map((header) => el('th', {}, header))), ...rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', {}, cell)))));
}

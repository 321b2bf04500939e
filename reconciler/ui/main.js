// The observatory's pages, routed by the URL hash (#/graph, #/service/<ns>/<name>, #/validations)
// and refreshed every few seconds without reloading. Read-only: nothing here changes config.
import { getJson } from './api.js';
import { renderGraph } from './graph-view.js';
import { renderService } from './service-view.js';
import { renderValidations } from './validations-view.js';

const REFRESH_MS = 3000;
const view = document.getElementById('view');
const status = document.getElementById('status');
const namespaceSelect = document.getElementById('namespace');
const windowSelect = document.getElementById('window');

function route() {
  const [page, ...rest] = (location.hash.replace(/^#\/?/, '') || 'graph').split('/');
  return { page, rest: rest.map(decodeURIComponent) };
}

function query() {
  const namespace = namespaceSelect.value;
  return `?window=${windowSelect.value}${namespace ? `&namespace=${encodeURIComponent(namespace)}` : ''}`;
}

function updateNamespaces(namespaces) {
  const current = namespaceSelect.value;
  const wanted = ['', ...namespaces];
  if ([...namespaceSelect.options].map((option) => option.value).join('\n') === wanted.join('\n')) return;
  namespaceSelect.replaceChildren(...wanted.map((namespace) => {
    const option = document.createElement('option');
    option.value = namespace;
    option.textContent = namespace || 'all';
    return option;
  }));
  namespaceSelect.value = wanted.includes(current) ? current : '';
}

async function refresh() {
  const { page, rest } = route();
  document.getElementById('nav-graph').className = page === 'graph' ? 'active' : '';
  document.getElementById('nav-validations').className = page === 'validations' ? 'active' : '';
  try {
    if (page === 'service' && rest.length === 2) {
      renderService(view, await getJson(`/api/services/${encodeURIComponent(rest[0])}/${encodeURIComponent(rest[1])}?window=${windowSelect.value}`));
    } else if (page === 'validations') {
      renderValidations(view, (await getJson(`/api/validations${query()}`)).validations);
    } else {
      const graph = await getJson(`/api/graph${query()}`);
      updateNamespaces(graph.namespaces);
      document.getElementById('validation-count').textContent = `(${graph.validationCounts.error} ${graph.validationCounts.error === 1 ? 'error' : 'errors'}, ${graph.validationCounts.warning} ${graph.validationCounts.warning === 1 ? 'warning' : 'warnings'})`;
      renderGraph(view, graph);
    }
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.loaded = page;
  } catch (error) {
    status.textContent = `refresh failed: ${error.message}`;
  }
}

namespaceSelect.addEventListener('change', refresh);
windowSelect.addEventListener('change', refresh);
window.addEventListener('hashchange', refresh);
refresh();
setInterval(refresh, REFRESH_MS);

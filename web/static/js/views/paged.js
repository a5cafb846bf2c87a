// A list filled a page at a time from a paged API route ({items,
// next_cursor}), with a "More" button that follows the cursor; after "More"
// focus moves to the first new item.
import {errorWords, getJson, withQuery} from '../api.js';
import {clear, h, message} from '../dom.js';

// -> [list, status, more] elements. `what` names the items in messages.
export function pagedList({path, params, renderItem, emptyText, what, listClass}) {
  const list = h('ul', {class: listClass || 'results-list'});
  const status = h('div', {'aria-live': 'polite'});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, `More ${what}`);
  let cursor = '';
  async function load() {
    more.hidden = true;
    clear(status).append(message('busy', `Loading ${what}\u2026`));
    try {
      const page = await getJson(withQuery(path, {...params, cursor}));
      clear(status);
      const before = list.children.length;
      for (const item of page.items) list.append(renderItem(item));
      if (list.children.length === 0) status.append(h('p', {}, emptyText));
      cursor = page.next_cursor || '';
      more.hidden = !cursor;
      const first = before > 0 && list.children[before] && list.children[before].querySelector('a');
      if (first) first.focus();
    } catch (err) {
      clear(status).append(message('error', `Could not load the ${what}: ${errorWords(err)}`));
    }
  }
  more.addEventListener('click', load);
  load();
  return [list, status, more];
}

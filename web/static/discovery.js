// Discovery enhancements. Without this file the search box is a plain
// form and the nearby page takes typed coordinates; this adds typeahead
// suggestions and "Use my location".
(function () {
  'use strict';

  // Typeahead: suggestions as the member types, from /search/suggest.
  document.querySelectorAll('form[data-typeahead]').forEach(function (form) {
    const input = form.querySelector('input[name=q]');
    const list = form.querySelector('[role=listbox]');
    if (!input || !list) return;
    let timer = 0;
    let pending = null;
    let active = -1;

    function close() {
      list.hidden = true;
      list.replaceChildren();
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function select(i) {
      const items = list.querySelectorAll('[role=option]');
      if (!items.length) return;
      active = (i + items.length) % items.length;
      items.forEach(function (el, j) { el.setAttribute('aria-selected', String(j === active)); });
      input.setAttribute('aria-activedescendant', items[active].id);
    }

    function render(items) {
      list.replaceChildren();
      items.forEach(function (it, i) {
        const li = document.createElement('li');
        li.id = 'suggestion-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        const a = document.createElement('a');
        a.href = it.url;
        a.tabIndex = -1;
        if (it.image) {
          const img = document.createElement('img');
          img.src = it.image;
          img.alt = '';
          a.append(img);
        } else {
          const k = document.createElement('span');
          k.className = 'kind';
          k.textContent = it.kind === 'tag' ? '#' : '⌖';
          a.append(k);
        }
        const text = document.createElement('span');
        const label = document.createElement('strong');
        label.textContent = it.label;
        text.append(label);
        if (it.detail) {
          const d = document.createElement('div');
          d.className = 'detail';
          d.textContent = it.detail;
          text.append(d);
        }
        a.append(text);
        li.append(a);
        list.append(li);
      });
      const open = items.length > 0;
      list.hidden = !open;
      input.setAttribute('aria-expanded', String(open));
      active = -1;
    }

    async function suggest(q) {
      if (pending) pending.abort();
      pending = new AbortController();
      try {
        const res = await fetch('/search/suggest?q=' + encodeURIComponent(q), {
          credentials: 'same-origin', headers: { 'Accept': 'application/json' }, signal: pending.signal,
        });
        if (!res.ok) { close(); return; }
        const data = await res.json();
        if (input.value.trim() === q) render(data.items || []);
      } catch (err) {
        if (err.name !== 'AbortError') close();
      }
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () { suggest(q); }, 150);
    });
    input.addEventListener('keydown', function (e) {
      if (list.hidden) return;
      if (e.key === 'ArrowDown') { e.preventDefault(); select(active + 1); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); select(active - 1); }
      else if (e.key === 'Escape') { close(); }
      else if (e.key === 'Enter' && active >= 0) {
        e.preventDefault();
        const a = list.querySelectorAll('[role=option] a')[active];
        if (a) location.href = a.href;
      }
    });
    document.addEventListener('click', function (e) {
      if (!form.contains(e.target)) close();
    });
  });

  // Nearby: fill the coordinates from the device's location and search.
  document.querySelectorAll('form[data-nearby]').forEach(function (form) {
    const button = form.querySelector('[data-locate]');
    const status = form.querySelector('[data-locate-status]');
    if (!button || !('geolocation' in navigator)) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      status.textContent = 'Finding your location…';
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(5);
        form.elements.lon.value = pos.coords.longitude.toFixed(5);
        status.textContent = '';
        form.submit();
      }, function () {
        status.textContent = 'Your location is not available; type the coordinates instead.';
      }, { timeout: 10000, maximumAge: 60000 });
    });
  });
})();

// Compose: live previews of every filter on the member's own photos.
//
// The filters are colour matrices (GET /api/pinhole/v1/filters lists
// them); this applies them with the very arithmetic the server uses, so
// what the member picks here is what everyone sees. The preview is also
// cropped to the allowed aspect range (4:5 to 1.91:1) as the server will.
// Without JavaScript the form's shared filter menu does the same job.
(function () {
  'use strict';
  const form = document.querySelector('[data-compose]');
  if (!form) return;
  const filters = JSON.parse(form.dataset.filters || '[]');
  const previews = form.querySelector('[data-previews]');
  const shared = form.querySelector('[data-shared-filter]');
  const MIN_ASPECT = 4 / 5, MAX_ASPECT = 1.91, PREVIEW = 540, THUMB = 64;

  // blend returns the matrix at an intensity from 0 to 100.
  function blend(m, intensity) {
    const t = Math.max(0, Math.min(100, intensity)) / 100;
    return m.map(function (row, i) {
      return row.map(function (v, j) { const id = (i === j ? 1 : 0); return id + t * (v - id); });
    });
  }

  function apply(ctx, w, h, m) {
    const img = ctx.getImageData(0, 0, w, h);
    const p = img.data;
    for (let k = 0; k < p.length; k += 4) {
      const r = p[k], g = p[k + 1], b = p[k + 2];
      for (let i = 0; i < 3; i++) {
        const v = m[i][0] * r + m[i][1] * g + m[i][2] * b + m[i][3];
        p[k + i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  // allowed returns the centre crop of a w×h picture within the aspect range.
  function allowed(w, h) {
    let cw = w, ch = h;
    if (w > MAX_ASPECT * h) cw = Math.floor(MAX_ASPECT * h);
    else if (w < MIN_ASPECT * h) ch = Math.floor(w / MIN_ASPECT);
    return { x: Math.round((w - cw) / 2), y: Math.round((h - ch) / 2), w: cw, h: ch };
  }

  function draw(source, crop, width, height, m) {
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(source, crop.x, crop.y, crop.w, crop.h, 0, 0, width, height);
    if (m) apply(ctx, width, height, m);
    return c;
  }

  function enhance(fig, index) {
    if (fig.dataset.filtersReady) return;
    fig.dataset.filtersReady = '1';
    const img = fig.querySelector('img');
    const original = new Image();
    original.onload = function () {
      const crop = allowed(original.naturalWidth, original.naturalHeight);
      const scale = Math.min(1, PREVIEW / crop.w);
      const pw = Math.max(1, Math.round(crop.w * scale)), ph = Math.max(1, Math.round(crop.h * scale));
      const base = draw(original, crop, pw, ph, null);
      const side = Math.min(crop.w, crop.h);
      const square = { x: crop.x + (crop.w - side) / 2, y: crop.y + (crop.h - side) / 2, w: side, h: side };

      const filterInput = Object.assign(document.createElement('input'), { type: 'hidden', name: 'filter_' + index, value: 'normal' });
      const strip = document.createElement('div');
      strip.className = 'filter-strip';
      strip.setAttribute('role', 'group');
      strip.setAttribute('aria-label', 'Filter for photo ' + (index + 1));
      const wrap = document.createElement('div');
      wrap.className = 'intensity';
      const label = Object.assign(document.createElement('label'), { htmlFor: 'intensity-' + index, textContent: 'Intensity for photo ' + (index + 1) });
      const slider = Object.assign(document.createElement('input'), { type: 'range', id: 'intensity-' + index, name: 'intensity_' + index, min: 0, max: 100, step: 1, value: 100 });
      const out = Object.assign(document.createElement('output'), { htmlFor: slider.id, textContent: '100' });
      wrap.append(label, slider, out);

      let current = filters[0];
      let pending = 0;
      function render() {
        out.textContent = slider.value;
        const m = current && current.name !== 'normal' ? blend(current.matrix, +slider.value) : null;
        const c = document.createElement('canvas');
        c.width = pw;
        c.height = ph;
        const ctx = c.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(base, 0, 0);
        if (m) apply(ctx, pw, ph, m);
        const ticket = ++pending;
        c.toBlob(function (blob) {
          if (!blob || ticket !== pending) return;
          const old = img.src;
          img.src = URL.createObjectURL(blob);
          if (old.startsWith('blob:') && old !== original.src) URL.revokeObjectURL(old);
        }, 'image/jpeg', 0.9);
      }

      filters.forEach(function (f) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'filter-choice';
        b.setAttribute('aria-pressed', f === current ? 'true' : 'false');
        const thumb = draw(original, square, THUMB, THUMB, f.name === 'normal' ? null : f.matrix);
        thumb.setAttribute('aria-hidden', 'true');
        const name = document.createElement('span');
        name.textContent = f.display_name;
        b.append(thumb, name);
        b.addEventListener('click', function () {
          current = f;
          filterInput.value = f.name;
          strip.querySelectorAll('.filter-choice').forEach(function (o) { o.setAttribute('aria-pressed', o === b ? 'true' : 'false'); });
          render();
        });
        strip.append(b);
      });
      slider.addEventListener('input', render);
      fig.insertBefore(strip, img.nextSibling);
      fig.insertBefore(wrap, strip.nextSibling);
      fig.append(filterInput);
      render();
    };
    original.src = img.src;
  }

  function scan() {
    const figs = previews.querySelectorAll('figure.preview');
    figs.forEach(enhance);
    if (shared) shared.hidden = figs.length > 0;
  }
  new MutationObserver(scan).observe(previews, { childList: true });
  scan();
})();

// The post's place: "Use my location" puts the device's coordinates beside
// the name, so a new place can be made there.
(function () {
  'use strict';
  const button = document.querySelector('[data-place-locate]');
  if (!button || !('geolocation' in navigator)) return;
  const status = document.querySelector('[data-place-status]');
  const lat = document.querySelector('[data-place-lat]');
  const lon = document.querySelector('[data-place-lon]');
  button.hidden = false;
  button.addEventListener('click', function () {
    status.textContent = 'Finding your location…';
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(5);
      lon.value = pos.coords.longitude.toFixed(5);
      status.textContent = 'Location shared: ' + lat.value + ', ' + lon.value + '. Name the place above.';
    }, function () {
      status.textContent = 'Your location is not available; name a place already on Pinhole instead.';
    }, { timeout: 10000, maximumAge: 60000 });
  });
})();

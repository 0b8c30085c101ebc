// Pinhole's small enhancements. Every action works without this file
// (plain forms and links); this adds likes without reloads, carousel
// buttons, infinite scroll, photo previews and counters.
(function () {
  'use strict';

  const csrf = document.body.dataset.csrf || '';

  // Likes: send the form with fetch and update the button and the count.
  function setLiked(form, liked, count) {
    const button = form.querySelector('button');
    button.classList.toggle('liked', liked);
    button.setAttribute('aria-pressed', String(liked));
    form.action = form.action.replace(/\/(un)?like$/, liked ? '/unlike' : '/like');
    const card = form.closest('article');
    const out = card && card.querySelector('[data-like-count]');
    if (out && typeof count === 'number') {
      out.textContent = count.toLocaleString() + (count === 1 ? ' like' : ' likes');
    }
  }

  function likeCount(form) {
    const card = form.closest('article');
    const out = card && card.querySelector('[data-like-count]');
    return out ? parseInt(out.textContent.replace(/[^0-9]/g, ''), 10) || 0 : 0;
  }

  async function toggleLike(form) {
    if (form.dataset.pending) return;
    form.dataset.pending = '1';
    const button = form.querySelector('button');
    const wasLiked = button.getAttribute('aria-pressed') === 'true';
    const before = likeCount(form);
    const action = form.action;
    setLiked(form, !wasLiked, Math.max(0, before + (wasLiked ? -1 : 1)));
    try {
      const res = await fetch(action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form)),
      });
      if (res.status === 401) {
        location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
        return;
      }
      if (!res.ok) throw new Error('like failed: ' + res.status);
      const data = await res.json();
      setLiked(form, !!data.liked, Number(data.count));
    } catch (err) {
      setLiked(form, wasLiked, before);
      form.action = action;
      delete form.dataset.pending;
      form.submit(); // let the server answer (and show any error page)
      return;
    }
    delete form.dataset.pending;
  }

  document.addEventListener('submit', function (e) {
    const form = e.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    if (form.matches('.like-form')) {
      e.preventDefault();
      toggleLike(form);
      return;
    }
    const busy = form.querySelector('[data-busy]');
    if (busy) {
      busy.dataset.label = busy.dataset.label || busy.textContent;
      busy.textContent = busy.dataset.busy;
      busy.setAttribute('aria-busy', 'true');
      setTimeout(function () { busy.disabled = true; }, 0);
    }
  });

  // Coming back to a page (the back button) must not leave buttons busy.
  window.addEventListener('pageshow', function () {
    document.querySelectorAll('[data-busy][aria-busy=true]').forEach(function (b) {
      b.disabled = false;
      b.removeAttribute('aria-busy');
      if (b.dataset.label) b.textContent = b.dataset.label;
    });
  });

  // Double-tap (double-click) a photo to like it.
  document.addEventListener('dblclick', function (e) {
    const carousel = e.target.closest && e.target.closest('.carousel');
    const card = carousel && carousel.closest('article');
    const form = card && card.querySelector('.like-form');
    if (!form) return;
    e.preventDefault();
    const heart = form.querySelector('svg');
    if (heart) {
      const burst = heart.cloneNode(true);
      burst.setAttribute('class', 'heart-burst');
      burst.addEventListener('animationend', function () { burst.remove(); });
      carousel.append(burst);
    }
    if (form.querySelector('button').getAttribute('aria-pressed') !== 'true') toggleLike(form);
  });

  // Menus (details elements) close on outside clicks and Escape.
  document.addEventListener('click', function (e) {
    document.querySelectorAll('details.menu[open]').forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute('open');
    });
  });
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') return;
    document.querySelectorAll('details.menu[open]').forEach(function (d) {
      d.removeAttribute('open');
      d.querySelector('summary').focus();
    });
  });

  // Carousels: previous/next buttons, a counter and dots over the
  // scroll-snap strip.
  function initCarousels(root) {
    root.querySelectorAll('[data-carousel]:not([data-ready])').forEach(function (c) {
      c.dataset.ready = '1';
      const track = c.querySelector('.slides');
      const n = track.children.length;
      const prev = c.querySelector('.slide-nav.prev');
      const next = c.querySelector('.slide-nav.next');
      const counter = c.querySelector('.slide-count');
      const dots = document.createElement('div');
      dots.className = 'dots';
      dots.setAttribute('aria-hidden', 'true');
      for (let i = 0; i < n; i++) dots.append(document.createElement('span'));
      c.after(dots);
      const index = function () { return Math.round(track.scrollLeft / Math.max(1, track.clientWidth)); };
      const update = function () {
        const i = Math.min(n - 1, Math.max(0, index()));
        prev.disabled = i <= 0;
        next.disabled = i >= n - 1;
        if (counter) counter.textContent = (i + 1) + '/' + n;
        Array.prototype.forEach.call(dots.children, function (d, j) { d.classList.toggle('on', j === i); });
      };
      const go = function (step) { track.scrollBy({ left: step * track.clientWidth, behavior: 'smooth' }); };
      prev.hidden = false;
      next.hidden = false;
      prev.addEventListener('click', function () { go(-1); });
      next.addEventListener('click', function () { go(1); });
      track.addEventListener('keydown', function (e) {
        if (e.key === 'ArrowLeft') { e.preventDefault(); go(-1); }
        if (e.key === 'ArrowRight') { e.preventDefault(); go(1); }
      });
      let queued = false;
      track.addEventListener('scroll', function () {
        if (queued) return;
        queued = true;
        requestAnimationFrame(function () { queued = false; update(); });
      }, { passive: true });
      update();
    });
  }

  // "Older posts" / "More comments": fetch the next page and append its
  // items; links marked data-autoload load when they scroll into view.
  async function loadMore(link, focusNew) {
    if (link.getAttribute('aria-busy') === 'true') return;
    link.setAttribute('aria-busy', 'true');
    const selector = link.dataset.more;
    const pager = link.closest('[data-pager]');
    try {
      const res = await fetch(link.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } });
      if (!res.ok) throw new Error('load failed: ' + res.status);
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const target = document.querySelector(selector);
      const source = doc.querySelector(selector);
      let first = null;
      if (target && source) {
        Array.from(source.children).forEach(function (item) {
          const node = document.importNode(item, true);
          if (node.id && document.getElementById(node.id)) return; // already shown
          target.append(node);
          first = first || node;
        });
        enhance(target);
      }
      const nextPager = doc.querySelector('[data-pager]');
      if (pager) {
        if (nextPager) {
          const node = document.importNode(nextPager, true);
          pager.replaceWith(node);
          watch(node);
        } else {
          pager.remove();
        }
      }
      if (focusNew && first) {
        first.setAttribute('tabindex', '-1');
        first.focus();
      }
    } catch (err) {
      location.href = link.href;
    }
  }

  document.addEventListener('click', function (e) {
    const link = e.target.closest && e.target.closest('a[data-more]');
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    loadMore(link, true);
  });

  const observer = 'IntersectionObserver' in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (en) {
      if (en.isIntersecting) {
        observer.unobserve(en.target);
        loadMore(en.target, false);
      }
    });
  }, { rootMargin: '800px 0px' }) : null;

  function watch(root) {
    if (!observer) return;
    root.querySelectorAll('a[data-autoload]').forEach(function (a) { observer.observe(a); });
  }

  // Character counters for captions and bios.
  function initCounters(root) {
    root.querySelectorAll('[data-counter]').forEach(function (field) {
      const out = document.getElementById(field.dataset.counter);
      if (!out) return;
      const max = parseInt(out.dataset.max, 10);
      const update = function () {
        const n = Array.from(field.value).length;
        out.textContent = n.toLocaleString() + ' / ' + max.toLocaleString();
        out.classList.toggle('over', n > max);
      };
      field.addEventListener('input', update);
      update();
    });
  }

  // Compose: previews of the chosen photos, each with its own alt text.
  function initCompose() {
    const form = document.querySelector('[data-compose]');
    if (!form) return;
    const input = form.querySelector('input[type=file]');
    const previews = form.querySelector('[data-previews]');
    const shared = form.querySelector('[data-shared-alt]');
    const sharedAlt = shared.querySelector('textarea');
    const error = form.querySelector('[data-photos-error]');
    const max = parseInt(form.dataset.maxPhotos, 10);
    const maxAlt = form.dataset.maxAlt;
    let urls = [];
    input.addEventListener('change', function () {
      urls.forEach(URL.revokeObjectURL);
      urls = [];
      previews.textContent = '';
      const files = Array.from(input.files);
      const maxMB = parseInt(form.dataset.maxMb, 10);
      const bytes = files.reduce(function (n, f) { return n + f.size; }, 0);
      let msg = '';
      if (files.length > max) msg = 'Choose at most ' + max + ' photos; you chose ' + files.length + '.';
      else if (maxMB && bytes > maxMB * 1024 * 1024) msg = 'These photos are ' + (bytes / 1048576).toFixed(1) + ' MB together; the limit is ' + maxMB + ' MB.';
      input.setCustomValidity(msg);
      error.textContent = msg;
      error.hidden = !msg;
      shared.hidden = files.length > 0;
      sharedAlt.disabled = files.length > 0;
      files.slice(0, max).forEach(function (file, i) {
        const fig = document.createElement('figure');
        fig.className = 'preview';
        const img = new Image();
        const url = URL.createObjectURL(file);
        urls.push(url);
        img.src = url;
        img.alt = 'Preview of photo ' + (i + 1);
        const label = document.createElement('label');
        label.htmlFor = 'alt-' + i;
        label.textContent = 'Alt text for photo ' + (i + 1);
        const alt = document.createElement('textarea');
        alt.id = 'alt-' + i;
        alt.name = 'alt_' + i;
        alt.rows = 2;
        alt.maxLength = maxAlt;
        alt.placeholder = 'Describe this photo';
        alt.value = sharedAlt.value;
        fig.append(img, label, alt);
        previews.append(fig);
      });
    });
  }

  // Settings: show the chosen profile photo before saving.
  function initAvatar() {
    const input = document.getElementById('avatar');
    const img = document.querySelector('[data-avatar-preview]');
    if (!input || !img) return;
    input.addEventListener('change', function () {
      if (input.files[0]) img.src = URL.createObjectURL(input.files[0]);
    });
  }

  function enhance(root) {
    initCarousels(root);
  }

  enhance(document);
  watch(document);
  initCounters(document);
  initCompose();
  initAvatar();
})();

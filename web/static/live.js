// Live updates over the streaming API: the notification badge counts up,
// and the home feed offers new posts without a reload. The page works the
// same without it.
(function () {
  'use strict';
  const badge = document.querySelector('[data-unread]');
  if (!badge || !('WebSocket' in window)) return;
  const onHome = location.pathname === '/';
  let unread = parseInt(badge.dataset.unread || '0', 10) || 0;
  let fresh = 0;
  let banner = null;
  let lastNotification = '';
  let retry = 1000;

  function showBadge() {
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.hidden = unread === 0;
    badge.setAttribute('aria-label', unread + ' unread notifications');
  }

  function showBanner() {
    const feed = document.querySelector('main .column, main');
    if (!feed) return;
    if (!banner) {
      banner = document.createElement('button');
      banner.type = 'button';
      banner.className = 'new-posts';
      banner.setAttribute('aria-live', 'polite');
      banner.addEventListener('click', function () { location.reload(); });
      feed.insertBefore(banner, feed.firstChild);
    }
    banner.textContent = fresh === 1 ? 'New post — show it' : fresh + ' new posts — show them';
    banner.hidden = false;
  }

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let url = proto + '//' + location.host + '/api/v1/streaming?stream=user';
    if (lastNotification) url += '&since_id=' + encodeURIComponent(lastNotification);
    const ws = new WebSocket(url);
    ws.addEventListener('open', function () { retry = 1000; });
    ws.addEventListener('message', function (ev) {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.event === 'notification') {
        try { lastNotification = JSON.parse(msg.payload).id || lastNotification; } catch (e) { /* ignore */ }
        if (location.pathname !== '/notifications') { unread++; showBadge(); }
      } else if (msg.event === 'update' && onHome) {
        fresh++;
        showBanner();
      }
    });
    ws.addEventListener('close', function () {
      // Reconnect with backoff; resume after the last notification seen.
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  showBadge();
  connect();
})();

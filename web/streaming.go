package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/pinhole/pinhole"
)

// The Mastodon streaming API over WebSocket. Each web node subscribes to
// the live subjects of the members connected to it (one subscription per
// member, shared by their connections); a connection that cannot keep up
// is dropped instead of slowing the others.

const (
	streamUser         = "user"
	streamNotification = "user:notification"
	connBuffer         = 64 // frames waiting per connection before it counts as too slow
	heartbeat          = 30 * time.Second
	writeWait          = 10 * time.Second
)

type streamConn struct {
	account *pinhole.Account
	mu      sync.Mutex
	streams map[string]bool
	out     chan []byte
	done    chan struct{}
	once    sync.Once
	reason  string
}

func (c *streamConn) close(reason string) {
	c.once.Do(func() {
		c.reason = reason
		close(c.done)
	})
}

func (c *streamConn) wants(stream string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.streams[stream]
}

// send queues a frame without ever blocking: a full queue drops the
// connection.
func (c *streamConn) send(frame []byte) {
	select {
	case c.out <- frame:
	case <-c.done:
	default:
		c.close("client too slow")
	}
}

type userConns struct {
	unsubscribe func()
	conns       map[*streamConn]bool
}

// hub tracks this node's streaming connections by member.
type hub struct {
	mu    sync.Mutex
	users map[pinhole.ID]*userConns
}

func (s *Server) streamingRoutes() {
	s.mux.HandleFunc("GET /api/v1/streaming", s.handleStreaming)
	s.mux.HandleFunc("GET /api/v1/streaming/{stream...}", s.handleStreaming)
	s.mux.HandleFunc("GET /api/v1/streaming/health", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("OK")) })
}

// streamViewer finds who opens the stream: a bearer token (header or
// query, already resolved), a token offered as the WebSocket subprotocol,
// or the web session (the browser's own pages; the WebSocket handshake
// checks the Origin).
func (s *Server) streamViewer(r *http.Request) (*pinhole.Account, string, error) {
	if v := viewerOf(r); v.Account != nil {
		if !v.Token.HasScope("read:statuses") && !v.Token.HasScope("read:notifications") {
			return nil, "", pinhole.Errorf(pinhole.EFORBIDDEN, "This action is outside the authorized scopes (needs read).")
		}
		return v.Account, "", nil
	} else if v.Token != nil {
		return nil, "", pinhole.Errorf(pinhole.EUNAUTHORIZED, "This method requires an authenticated user.")
	}
	if proto := strings.TrimSpace(strings.Split(r.Header.Get("Sec-WebSocket-Protocol"), ",")[0]); proto != "" {
		if _, a, err := s.svc.Identity.Authenticate(r.Context(), proto); err == nil && a != nil {
			return a, proto, nil
		}
		return nil, "", pinhole.Errorf(pinhole.EUNAUTHORIZED, "The access token is invalid.")
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if t, a, err := s.svc.Identity.Authenticate(r.Context(), c.Value); err == nil && a != nil && t.AppID == 0 {
			return a, "", nil
		}
	}
	return nil, "", pinhole.Errorf(pinhole.EUNAUTHORIZED, "Missing access token.")
}

func (s *Server) handleStreaming(w http.ResponseWriter, r *http.Request) {
	if s.svc.Live == nil {
		s.fail(w, r, pinhole.Errorf(pinhole.EUNAVAILABLE, "Streaming is not available on this node."))
		return
	}
	me, proto, err := s.streamViewer(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stream := r.URL.Query().Get("stream")
	if stream == "" {
		stream = strings.ReplaceAll(r.PathValue("stream"), "/", ":")
	}
	if stream == "" {
		stream = streamUser
	}
	if stream != streamUser && stream != streamNotification {
		s.fail(w, r, pinhole.Errorf(pinhole.EINVALID, "Unknown stream %.40q; Pinhole offers user and user:notification.", stream))
		return
	}
	var since pinhole.ID
	if v := r.URL.Query().Get("since_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.fail(w, r, pinhole.Errorf(pinhole.EINVALID, "since_id must be a notification ID."))
			return
		}
		since = pinhole.ID(n)
	}
	opts := &websocket.AcceptOptions{}
	if proto != "" {
		opts.Subprotocols = []string{proto}
	}
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		return // Accept has answered the client
	}
	ws.SetReadLimit(4 << 10)
	c := &streamConn{account: me, streams: map[string]bool{stream: true}, out: make(chan []byte, connBuffer), done: make(chan struct{})}
	if err := s.hub().add(s, c); err != nil {
		ws.Close(websocket.StatusInternalError, "could not subscribe")
		return
	}
	defer s.hub().remove(c)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	go s.readStream(ctx, ws, c)
	if since != 0 {
		go s.replayNotifications(ctx, c, since)
	}
	s.writeStream(ctx, ws, c)
}

// writeStream sends queued frames and heartbeats until the connection ends.
func (s *Server) writeStream(ctx context.Context, ws *websocket.Conn, c *streamConn) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			if c.reason == "client too slow" {
				ws.Close(websocket.StatusPolicyViolation, c.reason)
			} else {
				ws.Close(websocket.StatusNormalClosure, c.reason)
			}
			return
		case frame := <-c.out:
			wctx, cancel := context.WithTimeout(ctx, writeWait)
			err := ws.Write(wctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				c.close("write failed")
				ws.CloseNow()
				return
			}
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, writeWait)
			err := ws.Ping(pctx)
			cancel()
			if err != nil {
				c.close("no pong")
				ws.CloseNow()
				return
			}
		}
	}
}

// readStream handles the client's messages: Mastodon's
// {"type":"subscribe"|"unsubscribe","stream":…}. Reading also answers pings.
func (s *Server) readStream(ctx context.Context, ws *websocket.Conn, c *streamConn) {
	defer c.close("client went away")
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var msg struct {
			Type   string `json:"type"`
			Stream string `json:"stream"`
		}
		if json.Unmarshal(data, &msg) != nil || (msg.Stream != streamUser && msg.Stream != streamNotification) {
			continue
		}
		c.mu.Lock()
		switch msg.Type {
		case "subscribe":
			c.streams[msg.Stream] = true
		case "unsubscribe":
			delete(c.streams, msg.Stream)
		}
		c.mu.Unlock()
	}
}

func (s *Server) hub() *hub { return s.streams }

func (h *hub) add(s *Server, c *streamConn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[c.account.ID]
	if u == nil {
		id := c.account.ID
		unsub, err := s.svc.Live.SubscribeUser(id, func(data []byte) { s.deliver(id, data) })
		if err != nil {
			return err
		}
		u = &userConns{unsubscribe: unsub, conns: map[*streamConn]bool{}}
		h.users[id] = u
	}
	u.conns[c] = true
	return nil
}

func (h *hub) remove(c *streamConn) {
	c.close("closed")
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[c.account.ID]
	if u == nil {
		return
	}
	delete(u.conns, c)
	if len(u.conns) == 0 {
		u.unsubscribe()
		delete(h.users, c.account.ID)
	}
}

func (h *hub) conns(id pinhole.ID) []*streamConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[id]
	if u == nil {
		return nil
	}
	out := make([]*streamConn, 0, len(u.conns))
	for c := range u.conns {
		out = append(out, c)
	}
	return out
}

// deliver renders a live message once for the member and queues it on each
// of their connections that wants it.
func (s *Server) deliver(id pinhole.ID, data []byte) {
	var m pinhole.LiveMessage
	if json.Unmarshal(data, &m) != nil {
		return
	}
	conns := s.hub().conns(id)
	if len(conns) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	payload, ok := s.livePayload(ctx, id, m)
	if !ok {
		return
	}
	for _, c := range conns {
		for _, stream := range []string{streamUser, streamNotification} {
			if c.wants(stream) && (m.Event == pinhole.LiveNotification || stream == streamUser) {
				c.send(streamFrame(stream, m.Event, payload))
				break
			}
		}
	}
}

// livePayload renders what a live message points at, as the member sees it.
func (s *Server) livePayload(ctx context.Context, viewer pinhole.ID, m pinhole.LiveMessage) (string, bool) {
	switch m.Event {
	case pinhole.LiveDelete:
		return m.ID.String(), true
	case pinhole.LiveUpdate:
		views, err := s.svc.Posts.Hydrate(ctx, viewer, []pinhole.ID{m.ID})
		if err != nil || len(views) == 0 {
			return "", false
		}
		return string(s.statusBytes(views[0])), true
	case pinhole.LiveNotification:
		n, err := s.svc.Notify.Get(ctx, viewer, m.ID)
		if err != nil {
			return "", false
		}
		views, err := s.hydrateNotifications(ctx, viewer, []*pinhole.Notification{n})
		if err != nil || len(views) == 0 {
			return "", false
		}
		b, err := json.Marshal(s.notificationEntity(views[0]))
		if err != nil {
			return "", false
		}
		return string(b), true
	}
	return "", false
}

func streamFrame(stream, event, payload string) []byte {
	b, _ := json.Marshal(struct {
		Stream  []string `json:"stream"`
		Event   string   `json:"event"`
		Payload string   `json:"payload"`
	}{[]string{stream}, event, payload})
	return b
}

// replayNotifications sends what a reconnecting client missed after since.
func (s *Server) replayNotifications(ctx context.Context, c *streamConn, since pinhole.ID) {
	ns, err := s.svc.Notify.List(ctx, c.account.ID, pinhole.NotificationFilter{}, pinhole.Page{MinID: since, Limit: 40})
	if err != nil {
		return
	}
	views, err := s.hydrateNotifications(ctx, c.account.ID, ns)
	if err != nil {
		return
	}
	for i := len(views) - 1; i >= 0; i-- { // oldest first
		b, err := json.Marshal(s.notificationEntity(views[i]))
		if err != nil {
			continue
		}
		stream := streamNotification
		if c.wants(streamUser) {
			stream = streamUser
		}
		c.send(streamFrame(stream, pinhole.LiveNotification, string(b)))
	}
}

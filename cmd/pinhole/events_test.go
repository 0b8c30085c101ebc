package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// notificationTypes returns the types of a member's notifications, newest first.
func (s *testServer) notificationTypes(m member, query string) []string {
	s.t.Helper()
	var out []string
	for _, n := range s.mustList(s.do("GET", "/api/v1/notifications"+query, m.Token, nil), 200) {
		out = append(out, n["type"].(string))
	}
	return out
}

func TestNotifications(t *testing.T) {
	s := MustStart(t)
	alice, bob, carol := s.MustSignup("alice"), s.MustSignup("bob"), s.MustSignup("carol")
	post := s.MustPost(alice, "my photo")

	s.mustJSON(s.do("POST", "/api/v1/accounts/"+alice.ID+"/follow", bob.Token, form("notify", "true")), 200)
	s.mustJSON(s.do("POST", "/api/v1/statuses/"+post+"/favourite", bob.Token, nil), 200)
	s.mustJSON(s.do("POST", "/api/v1/statuses/"+post+"/favourite", alice.Token, nil), 200) // own like: no notification
	s.mustJSON(s.do("POST", "/api/v1/statuses", bob.Token, form("status", "lovely", "in_reply_to_id", post)), 200)
	s.MustPost(carol, "hello @alice")
	s.eventually("alice has four notifications", func() bool { return len(s.notificationTypes(alice, "")) == 4 })
	if got := strings.Join(s.notificationTypes(alice, ""), ","); got != "mention,mention,favourite,follow" {
		t.Fatalf("alice's notifications: got %s, want mention,mention,favourite,follow", got)
	}

	t.Run("EntityHasAccountAndStatus", func(t *testing.T) {
		s.t = t
		list := s.mustList(s.do("GET", "/api/v1/notifications?types[]=favourite", alice.Token, nil), 200)
		if len(list) != 1 {
			t.Fatalf("favourites: %d", len(list))
		}
		n := list[0]
		if n["account"].(map[string]any)["id"] != bob.ID || n["status"].(map[string]any)["id"] != post {
			t.Fatalf("favourite notification: %v", n)
		}
		one := s.mustJSON(s.do("GET", "/api/v1/notifications/"+n["id"].(string), alice.Token, nil), 200)
		if one["id"] != n["id"] {
			t.Errorf("GET by id: %v", one["id"])
		}
		s.mustError(s.do("GET", "/api/v1/notifications/"+n["id"].(string), bob.Token, nil), 404)
	})

	t.Run("FiltersByType", func(t *testing.T) {
		s.t = t
		if got := strings.Join(s.notificationTypes(alice, "?exclude_types[]=mention"), ","); got != "favourite,follow" {
			t.Errorf("exclude mention: got %s", got)
		}
		s.mustError(s.do("GET", "/api/v1/notifications?types[]=bogus", alice.Token, nil), 422)
	})

	t.Run("StatusNotificationForSubscribers", func(t *testing.T) {
		s.t = t
		p := s.MustPost(alice, "for subscribers")
		s.eventually("bob is told of alice's post", func() bool {
			for _, n := range s.mustList(s.do("GET", "/api/v1/notifications?types[]=status", bob.Token, nil), 200) {
				if n["status"].(map[string]any)["id"] == p {
					return true
				}
			}
			return false
		})
	})

	t.Run("BlockedAccountsDoNotNotify", func(t *testing.T) {
		s.t = t
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+carol.ID+"/block", alice.Token, nil), 200)
		p := s.MustPost(alice, "after the block")
		before := len(s.notificationTypes(alice, ""))
		s.mustError(s.do("POST", "/api/v1/statuses/"+p+"/favourite", carol.Token, nil), 404)
		marker := s.MustPost(bob, "hey @alice")
		_ = marker
		s.eventually("bob's mention arrives", func() bool { return len(s.notificationTypes(alice, "")) == before+1 })
	})

	t.Run("DismissAndClear", func(t *testing.T) {
		s.t = t
		list := s.mustList(s.do("GET", "/api/v1/notifications", alice.Token, nil), 200)
		s.mustStatus(s.do("POST", "/api/v1/notifications/"+list[0]["id"].(string)+"/dismiss", alice.Token, nil), 200)
		if got := len(s.notificationTypes(alice, "")); got != len(list)-1 {
			t.Errorf("after dismiss: %d, want %d", got, len(list)-1)
		}
		s.mustError(s.do("POST", "/api/v1/notifications/"+list[0]["id"].(string)+"/dismiss", alice.Token, nil), 404)
		s.mustStatus(s.do("POST", "/api/v1/notifications/clear", alice.Token, nil), 200)
		if got := s.notificationTypes(alice, ""); len(got) != 0 {
			t.Errorf("after clear: %v", got)
		}
	})

	t.Run("FollowRequestNotification", func(t *testing.T) {
		s.t = t
		priv := s.MustSignup("private")
		s.mustJSON(s.do("PATCH", "/api/v1/accounts/update_credentials", priv.Token, form("locked", "true")), 200)
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+priv.ID+"/follow", bob.Token, nil), 200)
		s.eventually("a follow_request notification", func() bool {
			return strings.Join(s.notificationTypes(priv, ""), ",") == "follow_request"
		})
	})
}

// wsFrame is one message of the streaming API.
type wsFrame struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

func dialStream(t *testing.T, s *testServer, query string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, strings.Replace(s.URL, "http", "ws", 1)+"/api/v1/streaming"+query, opts)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", query, err, status)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func readFrame(t *testing.T, c *websocket.Conn) wsFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	var f wsFrame
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("frame %s: %v", data, err)
	}
	return f
}

func TestStreaming(t *testing.T) {
	s := MustStart(t)
	alice, bob := s.MustSignup("alice"), s.MustSignup("bob")
	post := s.MustPost(alice, "stream me")
	s.mustJSON(s.do("POST", "/api/v1/accounts/"+bob.ID+"/follow", alice.Token, nil), 200)

	t.Run("NotificationArrivesLive", func(t *testing.T) {
		c := dialStream(t, s, "?stream=user:notification&access_token="+alice.Token, nil)
		time.Sleep(100 * time.Millisecond) // the node subscribes as the connection opens
		s.mustJSON(s.do("POST", "/api/v1/statuses", bob.Token, form("status", "nice!", "in_reply_to_id", post)), 200)
		f := readFrame(t, c)
		if f.Event != "notification" || len(f.Stream) != 1 || f.Stream[0] != "user:notification" {
			t.Fatalf("frame: %+v", f)
		}
		var n map[string]any
		if err := json.Unmarshal([]byte(f.Payload), &n); err != nil || n["type"] != "mention" || n["account"].(map[string]any)["id"] != bob.ID {
			t.Fatalf("payload: %v %s", err, f.Payload)
		}
	})

	t.Run("UpdateArrivesForFollowedAuthors", func(t *testing.T) {
		// The token as the WebSocket subprotocol, as some clients send it.
		c := dialStream(t, s, "?stream=user", &websocket.DialOptions{Subprotocols: []string{alice.Token}})
		time.Sleep(100 * time.Millisecond)
		p := s.MustPost(bob, "fresh from bob")
		for {
			f := readFrame(t, c)
			if f.Event != "update" {
				continue // notifications share the user stream
			}
			var st map[string]any
			if err := json.Unmarshal([]byte(f.Payload), &st); err != nil || st["id"] != p {
				t.Fatalf("update payload: %v %s", err, f.Payload)
			}
			break
		}
	})

	t.Run("ResumesFromLastSeenNotification", func(t *testing.T) {
		s.mustJSON(s.do("POST", "/api/v1/statuses/"+post+"/favourite", bob.Token, nil), 200)
		var list []map[string]any
		s.eventually("alice has two notifications", func() bool {
			list = s.mustList(s.do("GET", "/api/v1/notifications", alice.Token, nil), 200)
			return len(list) >= 2
		})
		oldest := list[len(list)-1]["id"].(string)
		c := dialStream(t, s, "?stream=user:notification&since_id="+oldest+"&access_token="+alice.Token, nil)
		f := readFrame(t, c)
		var n map[string]any
		_ = json.Unmarshal([]byte(f.Payload), &n)
		if f.Event != "notification" || n["id"] == oldest {
			t.Fatalf("replay: %+v", f)
		}
	})

	t.Run("RefusesBadTokensAndStreams", func(t *testing.T) {
		for _, q := range []string{"?stream=user&access_token=nope", "?stream=public&access_token=" + alice.Token, "?stream=user"} {
			res := s.do("GET", "/api/v1/streaming"+q, "", nil)
			if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: got %d, want 401 or 422", q, res.StatusCode)
			}
		}
	})
}

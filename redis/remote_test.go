package redis_test

import (
	"testing"
	"time"

	"github.com/pinhole/pinhole/redis/redistest"
)

func TestRemote(t *testing.T) {
	t.Run("NodesShareValues", func(t *testing.T) {
		cfg := redistest.Config()
		a, b := redistest.Open(t, &cfg), redistest.Open(t, &cfg)
		mustOK(t, "SetMulti", a.SetMulti(t.Context(), map[string][]byte{"post:1": []byte("one"), "post:2": []byte("two")}, time.Minute))
		got, err := b.GetMulti(t.Context(), []string{"post:1", "post:2", "post:3"})
		mustOK(t, "GetMulti", err)
		if len(got) != 2 || string(got["post:1"]) != "one" || string(got["post:2"]) != "two" {
			t.Errorf("GetMulti on the other node: got %q, want post:1 and post:2 only", got)
		}
	})
	t.Run("AFillDoesNotOverwrite", func(t *testing.T) {
		c := redistest.Open(t, nil)
		mustOK(t, "SetMulti", c.SetMulti(t.Context(), map[string][]byte{"k": []byte("first")}, time.Minute))
		mustOK(t, "SetMulti", c.SetMulti(t.Context(), map[string][]byte{"k": []byte("second")}, time.Minute))
		if got, _ := c.GetMulti(t.Context(), []string{"k"}); string(got["k"]) != "first" {
			t.Errorf("got %q, want the first fill kept", got["k"])
		}
	})
	t.Run("AFillRacingAWriteIsRefused", func(t *testing.T) {
		c := redistest.Open(t, nil)
		mustOK(t, "SetMulti", c.SetMulti(t.Context(), map[string][]byte{"k": []byte("old")}, time.Minute))
		mustOK(t, "Delete", c.Delete(t.Context(), "k", "never-set"))
		if got, _ := c.GetMulti(t.Context(), []string{"k", "never-set"}); len(got) != 0 {
			t.Errorf("after Delete: got %q, want nothing", got)
		}
		// A reader that loaded the old value before the write fills late.
		mustOK(t, "SetMulti", c.SetMulti(t.Context(), map[string][]byte{"k": []byte("old")}, time.Minute))
		if got, _ := c.GetMulti(t.Context(), []string{"k"}); len(got) != 0 {
			t.Errorf("a fill right after Delete: got %q, want it refused", got)
		}
	})
	t.Run("RedisDownIsAnError", func(t *testing.T) {
		c := redistest.Down(t)
		if _, err := c.GetMulti(t.Context(), []string{"k"}); err == nil {
			t.Error("GetMulti with Redis down: got nil error")
		}
		if err := c.Delete(t.Context(), "k"); err == nil {
			t.Error("Delete with Redis down: got nil error")
		}
	})
}

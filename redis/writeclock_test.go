package redis_test

import (
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/redis"
	"github.com/pinhole/pinhole/redis/redistest"
	"github.com/pinhole/pinhole/storetest"
)

func TestWriteClock(t *testing.T) {
	storetest.RunWriteClock(t, func(t *testing.T) pinhole.WriteClock {
		return redis.NewWriteClock(redistest.Open(t, nil), time.Minute)
	})
	t.Run("SharedByClientsOfOnePrefix", func(t *testing.T) {
		cfg := redistest.Config()
		a := redis.NewWriteClock(redistest.Open(t, &cfg), time.Minute)
		b := redis.NewWriteClock(redistest.Open(t, &cfg), time.Minute)
		at := time.Now()
		if err := a.Wrote(t.Context(), 9, at); err != nil {
			t.Fatal(err)
		}
		got, err := b.LastWrite(t.Context(), 9)
		if err != nil || got.UnixMilli() != at.UnixMilli() {
			t.Errorf("another node's LastWrite = %v, %v; want %v", got, err, at)
		}
	})
	t.Run("DownIsAnErrorNotSilence", func(t *testing.T) {
		c := redis.NewWriteClock(redistest.Down(t), time.Minute)
		if err := c.Wrote(t.Context(), 9, time.Now()); err == nil {
			t.Error("Wrote with Redis down: no error")
		}
		if _, err := c.LastWrite(t.Context(), 9); err == nil {
			t.Error("LastWrite with Redis down: no error; the web layer would read a replica")
		}
	})
}

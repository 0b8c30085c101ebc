package inmem

import (
	"context"
	"log/slog"
	"sync"

	"github.com/pinhole/pinhole"
)

var _ pinhole.EventBus = (*Bus)(nil)

// Bus delivers events to their handlers in the publishing goroutine, after
// the change committed. A failing handler is logged and does not stop the
// others.
type Bus struct {
	log      *slog.Logger
	mu       sync.RWMutex
	handlers map[string][]subscriber
}

type subscriber struct {
	consumer string
	h        pinhole.EventHandler
}

// NewBus returns an empty bus.
func NewBus(log *slog.Logger) *Bus {
	return &Bus{log: log, handlers: make(map[string][]subscriber)}
}

func (b *Bus) Subscribe(eventType, consumer string, h pinhole.EventHandler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handlers[eventType] = append(b.handlers[eventType], subscriber{consumer, h})
}

func (b *Bus) Publish(ctx context.Context, events ...pinhole.Event) error {
	// The change has committed: its consequences must not be cancelled
	// with the request that caused it.
	ctx = context.WithoutCancel(ctx)
	for _, e := range events {
		b.mu.RLock()
		subs := b.handlers[e.Type]
		b.mu.RUnlock()
		for _, s := range subs {
			if err := s.h(ctx, e); err != nil {
				b.log.ErrorContext(ctx, "event handler failed", "consumer", s.consumer, "event", e.Type, "event_id", e.ID, "err", err)
			}
		}
	}
	return nil
}

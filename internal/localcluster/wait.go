package localcluster

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// StepError says which step of starting the cluster failed and shows the
// end of the log of the process involved.
type StepError struct {
	Step string // "postgres primary", "migrate", "web1", "haproxy", …
	Log  string // path of the log that tells more, if any
	Tail string // its last lines
	Err  error
}

func (e *StepError) Error() string {
	msg := "localcluster: " + e.Step + ": " + e.Err.Error()
	if e.Tail != "" {
		msg += "\n--- last lines of " + e.Log + " ---\n" + e.Tail
	} else if e.Log != "" {
		msg += " (log: " + e.Log + ")"
	}
	return msg
}

func (e *StepError) Unwrap() error { return e.Err }

func stepErr(step, log string, err error) *StepError {
	e := &StepError{Step: step, Log: log, Err: err}
	if log != "" {
		e.Tail = tail(log, 20)
	}
	return e
}

// waitReady polls url+"/readyz" until it answers 200, the process exits,
// or timeout passes.
func waitReady(ctx context.Context, baseURL string, p *process, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready: %w", p.name, p.exitErr())
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s/readyz within %v (last: %s)", p.name, baseURL, timeout, last)
		case <-tick.C:
		}
	}
}

// freePorts returns n distinct free TCP ports on 127.0.0.1. Another
// process could take one before it is used; the callers retry a start
// whose port was taken.
func freePorts(n int, avoid map[int]bool) ([]int, error) {
	var ports []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		held = append(held, l) // held open so the next Listen picks another
		p := l.Addr().(*net.TCPAddr).Port
		if !avoid[p] {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

func hostPort(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

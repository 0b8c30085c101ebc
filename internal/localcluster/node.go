package localcluster

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Node is one pinhole process of the cluster.
type Node struct {
	Name string // web1, worker1, scheduler1, …
	Role string // web, worker or scheduler
	URL  string // http://127.0.0.1:<port>: its own listener, not the load balancer
	Log  string // path of its log file

	bin          string
	args         []string
	env          []string
	readyTimeout time.Duration
	stopTimeout  time.Duration

	mu   sync.Mutex
	proc *process
}

// start starts the process and waits until it is ready.
func (n *Node) start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc != nil && !n.proc.exited() {
		return fmt.Errorf("%s is already running", n.Name)
	}
	p, err := startProcess(n.Name, n.Log, n.bin, n.args, n.env)
	if err != nil {
		return err
	}
	n.proc = p
	return nil
}

// waitReady waits for the running process's /readyz.
func (n *Node) waitReady(ctx context.Context) error {
	n.mu.Lock()
	p := n.proc
	n.mu.Unlock()
	if p == nil {
		return fmt.Errorf("%s is not started", n.Name)
	}
	return waitReady(ctx, n.URL, p, n.readyTimeout)
}

// Stop sends SIGTERM and waits for the node to drain and exit (killing
// it if it takes longer than its drain delay plus 40s).
func (n *Node) Stop() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil {
		return nil
	}
	return n.proc.stop(n.stopTimeout)
}

// Kill ends the node at once with SIGKILL, as a crash would.
func (n *Node) Kill() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil {
		return nil
	}
	return n.proc.kill()
}

// Restart stops the node if it runs, starts it again on the same port
// with the same settings, and waits until it is ready.
func (n *Node) Restart() error {
	if err := n.Stop(); err != nil {
		return err
	}
	ctx := context.Background()
	if err := n.start(); err != nil {
		return stepErr(n.Name, n.Log, err)
	}
	if err := n.waitReady(ctx); err != nil {
		return stepErr(n.Name, n.Log, err)
	}
	return nil
}

// Running reports whether the node's process is alive.
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc != nil && !n.proc.exited()
}

// Pid is the process id of the node's current process, or 0.
func (n *Node) Pid() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil || n.proc.exited() {
		return 0
	}
	return n.proc.cmd.Process.Pid
}

// addressInUse reports whether a failed start was a lost race for its port.
func (n *Node) addressInUse() bool {
	return strings.Contains(tail(n.Log, 5), "address already in use")
}

package localcluster

import "syscall"

// childAttr puts a node in its own process group, so a Ctrl-C reaches
// only the launcher, and has the kernel send it SIGTERM if the launcher
// dies first.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

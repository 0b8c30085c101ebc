package testenv

import "syscall"

// childAttr makes a server started by a test die with the test binary,
// even when the binary is killed before its cleanups run.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

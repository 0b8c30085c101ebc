package main

import "github.com/pinhole/pinhole"

// errText is an error's member-facing message, or the whole error when it
// is internal (an operator at a terminal may see the details).
func errText(err error) string {
	if pinhole.ErrorCode(err) == pinhole.EINTERNAL {
		return err.Error()
	}
	return pinhole.ErrorMessage(err)
}

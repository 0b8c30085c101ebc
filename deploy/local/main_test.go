package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestRunRefusesBadInvocations(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"ExtraArgument", []string{"now"}, "unexpected arguments"},
		{"NegativeWebNodes", []string{"-dir", t.TempDir(), "-web", "-1"}, "WebNodes"},
		{"NotARedisURL", []string{"-dir", t.TempDir(), "-redis", "localhost"}, "Redis"},
		{"UnknownFlag", []string{"-webnodes", "3"}, "not defined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stderr strings.Builder
			err := run(context.Background(), c.args, io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), c.want) {
				t.Errorf("run(%q) = %v (stderr %q), want an error about %s", c.args, err, stderr.String(), c.want)
			}
		})
	}
	if err := run(context.Background(), []string{"-h"}, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
}

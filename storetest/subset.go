package storetest

import "testing"

// RunTimelines runs the timeline tests alone, for a TimelineStore kept
// apart from the other stores (Redis). open's Accounts must create
// accounts whose timelines are built, as the SQL stores do in one
// transaction; an adapter that does not hear of new accounts wraps
// Accounts to build the timeline.
func RunTimelines(t *testing.T, open func(t *testing.T) Stores) {
	runTests(t, open, timelineTests)
}

// RunTokens runs the token tests alone, for a decorator of a TokenStore.
func RunTokens(t *testing.T, open func(t *testing.T) Stores) {
	runTests(t, open, tokenTests)
}

func runTests(t *testing.T, open func(t *testing.T) Stores, tests []test) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, open(t))
		})
	}
}

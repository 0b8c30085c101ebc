package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// TestDiscoveryStore runs the search context's conformance suite on a
// fresh file per subtest.
func TestDiscoveryStore(t *testing.T) {
	storetest.RunDiscovery(t, func(t *testing.T) storetest.DiscoveryStores {
		c := mustOpen(t, filepath.Join(t.TempDir(), "pinhole.db"), 16)
		s := sqlstore.New(c)
		return storetest.DiscoveryStores{
			Stores: storetest.Stores{Accounts: s, Graph: s, Posts: s, Media: s, Timelines: s, Tokens: s, IDs: c.IDs, NumShards: s.NumShards()},
			Search: s, Tags: s, Places: s,
		}
	})
}

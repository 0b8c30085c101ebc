package blob

import (
	"testing"

	"github.com/pinhole/pinhole/internal/testenv"
)

func TestFileStoreConformance(t *testing.T) {
	s, err := NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testStore(t, s)
}

func TestCDKStoreConformance(t *testing.T) {
	s := openMinIO(t, "")
	testStore(t, s)
}

// openMinIO opens a CDKStore on a fresh MinIO bucket; query is added to
// the bucket URL ("&prefix=…").
func openMinIO(t *testing.T, query string) *CDKStore {
	t.Helper()
	m := testenv.MinIO(t)
	m.SetEnv(t)
	st, err := Open(t.Context(), m.URL()+query, "")
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*CDKStore)
	t.Cleanup(func() { s.Close() })
	return s
}

package history

import (
	"context"
	"path/filepath"

	"retention/transform"
)

// History is the published history of one output directory: the one
// owner of every file under out_dir (the lock, the periods' directories
// and their staging, the manifests, the delivery ledgers). A command
// opens it once on its output directory and passes it around; nothing
// else reads or writes there.
//
// With a snapshot store (store.dsn), it owns the store too: opened on
// first use, closed by Close.
type History struct {
	root     string
	storeDSN string
	store    *Store
}

// Open is the history of the output directory root, and of the snapshot
// store at storeDSN when it is not empty. It touches nothing: the
// directory is created by the first Lock, the store connected by the
// first Store.
func Open(root string, storeDSN ...string) *History {
	h := &History{root: root}
	if len(storeDSN) > 0 {
		h.storeDSN = storeDSN[0]
	}
	return h
}

// HasStore reports whether a snapshot store is configured.
func (h *History) HasStore() bool { return h.storeDSN != "" }

// Store connects to the snapshot store the first time and returns it;
// nil without one.
func (h *History) Store(ctx context.Context) (*Store, error) {
	if h.storeDSN == "" || h.store != nil {
		return h.store, nil
	}
	s, err := OpenStore(ctx, h.storeDSN)
	if err != nil {
		return nil, err
	}
	h.store = s
	return s, nil
}

// Close closes the connections to the store, if any were opened.
func (h *History) Close() error {
	if h.store == nil {
		return nil
	}
	err := h.store.Close()
	h.store = nil
	return err
}

// Root is the output directory.
func (h *History) Root() string { return h.root }

// PeriodDir is the directory period p is published in:
// out_dir/<granularity>/<period>.
func (h *History) PeriodDir(p transform.Period) string {
	return filepath.Join(h.root, p.G.String(), p.String())
}

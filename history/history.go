package history

import (
	"path/filepath"

	"retention/transform"
)

// History is the published history of one output directory: the one
// owner of every file under out_dir (the lock, the periods' directories
// and their staging, the manifests, the delivery ledgers). A command
// opens it once on its output directory and passes it around; nothing
// else reads or writes there.
type History struct {
	root string
}

// Open is the history of the output directory root. It touches nothing:
// the directory is created by the first Lock.
func Open(root string) *History { return &History{root: root} }

// Root is the output directory.
func (h *History) Root() string { return h.root }

// PeriodDir is the directory period p is published in:
// out_dir/<granularity>/<period>.
func (h *History) PeriodDir(p transform.Period) string {
	return filepath.Join(h.root, p.G.String(), p.String())
}

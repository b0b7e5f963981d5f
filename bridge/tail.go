package bridge

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/pasteserve/pasteserve/dsl"
)

// Tail is a part of a pipeline that runs in Python: the first element
// without a Go factory and everything inside it, which the Python
// workers load with PasteDeploy itself. The host loads it as
//
//	ctx = loadwsgi.loadcontext(APP, "config:"+File, name=Name, global_conf=Global)
//
// flattens ctx the way PasteDeploy builds it (a pipeline is its filters,
// outermost first, then its app; filter-with and filter-app are their
// filter, then the object they wrap), drops the first Skip filters (Go
// runs them) and builds the rest. So local_conf and global_conf are
// PasteDeploy's own.
type Tail struct {
	// Key names the tail in the carrier: TailKey(File, Name, Skip), the
	// same in every process.
	Key string
	// File and Name are the file the tail's root is looked up in and the
	// name it is asked for by: the paste file and the app's name for the
	// root, the pipeline's file and the name as the pipeline writes it
	// for a nested object (not the section a use chain ends at: use
	// merges local conf, so the outer name is loaded).
	File, Name string
	// Global is the global_conf the root's caller passes, without the
	// keys pasteserve itself injects (nil for the root of an OpenStack
	// file, whose services call loadapp without one).
	Global map[string]string
	// Skip is how many of the flattened filters Go runs, in front.
	Skip int
	// Section and Pos say where the tail starts ("pipeline:main" at its
	// header), for errors that name no section of their own.
	Section string
	Pos     dsl.Pos
}

// TailKey returns a tail's key: a short hash of file, name and skip, the
// same in pasteserve's master and in each of its workers, so that a
// handler built in any of them names the tail the pool loaded.
func TailKey(file, name string, skip int) string {
	h := sha256.New()
	for _, s := range []string{file, name, strconv.Itoa(skip)} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return "t" + hex.EncodeToString(h.Sum(nil)[:8])
}

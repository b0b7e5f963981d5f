package bridge

import (
	"path/filepath"

	"github.com/pasteserve/pasteserve/dsl"
)

// LoadError is a tail, or the init, that failed to load in the Python
// workers, or was still loading when start_timeout ran out. Start (and
// a restart) has logged Traceback already, once; Error is one line, for
// the user, positioned at the section that failed:
//
//	/etc/barbican/barbican-api-paste.ini:38:1: [filter:context]: ImportError: No module named 'barbican.api.middleware.context'
//	/etc/barbican/barbican-api-paste.ini:28:1: [app:apiapp]: still loading after 1m0s (start_timeout)
type LoadError struct {
	// Tail is the tail that failed; its zero value when the init did.
	Tail Tail
	// Pos is the header of the section that failed, or the tail's Pos
	// when no section of the file is to blame, or invalid for the init.
	Pos dsl.Pos
	// Section is the header of the section that failed ("filter:context"),
	// or "" when the failure is not a section's.
	Section string
	// Init is the [python] init that failed, or "" when a tail did.
	Init string
	// Message is the last line of the Python exception, and for a
	// SyntaxError where in the Python source it is, "(file:line:col)",
	// since the section says only which part of the paste file
	// imported it.
	Message string
	// Traceback is Python's traceback of it.
	Traceback string
}

// Error returns "file:line:col: [section]: message", leaving out what
// is not known, and "python init NAME: message" for the init.
func (e *LoadError) Error() string {
	s := ""
	if e.Pos.IsValid() {
		s = e.Pos.String() + ": "
	}
	if e.Init != "" {
		s += "python init " + e.Init + ": "
	}
	if e.Section != "" {
		s += "[" + e.Section + "]: "
	}
	return s + e.Message
}

// sectionPos returns the position of the header [section] in file, or
// false when the file or the section cannot be read: the message is
// then placed at the tail.
func sectionPos(file, section string) (dsl.Pos, bool) {
	if file == "" || section == "" {
		return dsl.Pos{}, false
	}
	f, err := dsl.ParseFile(file)
	if err != nil || f == nil {
		return dsl.Pos{}, false
	}
	for _, s := range f.Sections {
		if s.Header == section {
			return s.Pos, true
		}
	}
	return dsl.Pos{}, false
}

// newLoadError makes the LoadError of a load_error event.
func newLoadError(ev event, tails []Tail) *LoadError {
	e := &LoadError{Section: ev.Section, Init: ev.Init, Message: ev.Message, Traceback: ev.Traceback}
	for _, t := range tails {
		if t.Key == ev.Key && ev.Key != "" {
			e.Tail = t
			e.Pos = t.Pos
		}
	}
	if pos, ok := sectionPos(ev.File, ev.Section); ok {
		// Python names the file as it opened it; the tail's name for the
		// same file reads better when it is the same file.
		if e.Tail.File != "" && sameFile(e.Tail.File, ev.File) {
			pos.Filename = e.Tail.File
		}
		e.Pos = pos
	}
	if e.Message == "" {
		e.Message = "failed to load"
	}
	if ev.Where != "" {
		e.Message += " (" + ev.Where + ")"
	}
	return e
}

func sameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
